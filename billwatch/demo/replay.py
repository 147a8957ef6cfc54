"""A local replay server emulating every source's API from files, with faults on demand.

It serves on 127.0.0.1 (a free port) under one prefix per source (`/legiscan/`, `/openstates/`,
`/ny/`, `/congress/`, `/pubinfo/`, `/people/`, and `/files/` for documents), wraps dataset
objects in each API's envelope, counts requests, and injects faults: a status (500 then
success), 429 with Retry-After, a delay past the client's timeout, truncated JSON, an HTML error
page where JSON was expected, and a changed schema that drops a field.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from billwatch.demo.replay_data import ReplayData, load_sample

Reply = tuple[int, str, bytes, dict[str, str]]
ALLOW_ALL = "User-agent: *\nAllow: /\n"
ROUTES: dict[str, Callable[[ReplayServer, list[str], dict[str, str], dict[str, str]], Reply]] = {}
PREFIXES: dict[str, str] = {}  # source name -> the prefix of the route emulating it


@dataclass
class Fault:
    """One injected fault: kind is status, retry_after, delay, truncate, html or drop_field."""

    kind: str
    status: int = 500
    seconds: float = 0.0
    field: str = ""
    times: int = 1  # how many matching requests it hits; -1 for all


@dataclass
class _Armed:
    fault: Fault
    path: str
    params: dict[str, str]
    left: int


@dataclass
class RequestLog:
    """The requests the server received (robots.txt apart), for request-count assertions."""

    entries: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def count(self, path: str = "", **params: str) -> int:
        """Requests whose path starts with `path` and whose query has all of `params`."""
        return sum(
            1
            for p, q in self.entries
            if p.startswith(path) and all(q.get(k) == str(v) for k, v in params.items())
        )

    def by_op(self) -> Counter[str]:
        """Requests per path, with LegiScan's op appended ("/legiscan/ getBill")."""
        return Counter(f"{p} {q['op']}" if "op" in q else p for p, q in self.entries)


def route(prefix: str, source: str | None = None) -> Callable:
    """Register a handler for requests under `/prefix/`, emulating `source` if it is one."""

    def register(fn: Callable) -> Callable:
        ROUTES[prefix] = fn
        if source is not None:
            PREFIXES[source] = prefix
        return fn

    return register


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON response."""
    return status, "application/json", json.dumps(payload).encode(), {}


def not_found(what: str) -> Reply:
    """A JSON 404 in the shape most APIs use."""
    return json_reply({"error": f"not found: {what}"}, 404)


class ReplayServer:
    """A threaded HTTP server on 127.0.0.1 replaying `data`."""

    def __init__(self, data: ReplayData | None = None, *, robots: str = ALLOW_ALL):
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.data = data or ReplayData()
        self.robots = robots
        self.log = RequestLog()
        self.user_agents: set[str] = set()
        self._faults: list[_Armed] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def data(self) -> ReplayData:
        """What the server replays; replace it at any time."""
        return self._data

    @data.setter
    def data(self, value: ReplayData) -> None:
        value.root = self.root
        self._data = value

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> ReplayServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base_urls(self) -> dict[str, str]:
        """The base URL each spider takes to crawl this server."""
        return {source: f"{self.root}/{prefix}" for source, prefix in PREFIXES.items()}

    def fault(self, fault: Fault, path: str = "/", **params: Any) -> None:
        """Inject `fault` into requests under `path` whose query has all of `params`."""
        with self._lock:
            self._faults.append(
                _Armed(fault, path, {k: str(v) for k, v in params.items()}, fault.times)
            )

    def clear(self) -> None:
        """Forget the request log and any faults left."""
        with self._lock:
            self.log = RequestLog()
            self._faults.clear()

    def _take_fault(self, path: str, params: dict[str, str]) -> Fault | None:
        with self._lock:
            for armed in self._faults:
                if (
                    armed.left != 0
                    and path.startswith(armed.path)
                    and all(params.get(k) == v for k, v in armed.params.items())
                ):
                    armed.left -= 1
                    return armed.fault
        return None

    def handle(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        """Route one GET request, applying any fault armed for it."""
        if path == "/robots.txt":
            return 200, "text/plain", self.robots.encode(), {}
        with self._lock:
            self.log.entries.append((path, params))
            self.user_agents.add(headers.get("user-agent", ""))
        fault = self._take_fault(path, params)
        if fault and fault.kind == "status":
            return json_reply({"error": "injected"}, fault.status)
        if fault and fault.kind == "retry_after":
            return (
                429,
                "application/json",
                b'{"error": "rate limited"}',
                {"Retry-After": str(int(fault.seconds))},
            )
        if fault and fault.kind == "html":
            page = (
                b"<!DOCTYPE html><html><head><title>Service Unavailable - Maintenance"
                b"</title></head><body><h1>Down for maintenance</h1></body></html>"
            )
            return 200, "text/html; charset=utf-8", page, {}
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        parts = [p for p in path.split("/") if p]
        handler = ROUTES.get(parts[0]) if parts else None
        reply = handler(self, parts[1:], params, headers) if handler else not_found(path)
        if self.data.rewrites and "json" in reply[1]:
            body = reply[2]
            for real, local in self.data.rewrites.items():
                body = body.replace(real.encode(), (self.root + local).encode())
            reply = (reply[0], reply[1], body, reply[3])
        if fault and fault.kind == "truncate":
            status, ctype, body, extra = reply
            return status, ctype, body[: max(1, len(body) // 2)], extra
        if fault and fault.kind == "drop_field":
            status, ctype, body, extra = reply
            return (
                status,
                ctype,
                json.dumps(drop_field(json.loads(body), fault.field)).encode(),
                extra,
            )
        return reply


class _QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print a traceback when a client hangs up early."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients cancel downloads on purpose (timeouts, size limits); anything else prints."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def drop_field(payload: Any, name: str) -> Any:
    """Remove key `name` from the outermost objects that have it (a changed schema)."""
    queue = [payload]
    while queue:
        level, queue = queue, []
        hit = False
        for obj in level:
            if isinstance(obj, dict):
                if name in obj:
                    del obj[name]
                    hit = True
                queue.extend(obj.values())
            elif isinstance(obj, list):
                queue.extend(obj)
        if hit:
            break
    return payload


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            multi = parse_qs(url.query)
            if "include" in multi:
                params["include"] = ",".join(multi["include"])
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, ctype, body, extra = server.handle(url.path, params, headers)
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


# -- LegiScan ------------------------------------------------------------------------------


@route("legiscan", source="legiscan")
def _legiscan(
    server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]
) -> Reply:
    data = server.data
    if not q.get("key"):
        return json_reply({"status": "ERROR", "alert": {"message": "API key missing"}})
    op, ident = q.get("op", ""), q.get("id", "")
    if op == "getSessionList":
        return json_reply({"status": "OK", "sessions": data.legiscan_sessions(q.get("state", ""))})
    if op in ("getMasterListRaw", "getMasterList"):
        masterlist = data.legiscan_masterlist(ident, q.get("state"))
        return json_reply({"status": "OK", "masterlist": masterlist})
    tables = {
        "getBill": (data.legiscan_bills, "bill"),
        "getBillText": (data.legiscan_texts, "text"),
        "getPerson": (data.legiscan_people, "person"),
    }
    if op in tables and ident.isdigit():
        table, key = tables[op]
        if int(ident) in table:
            return json_reply({"status": "OK", key: table[int(ident)]})
        return json_reply({"status": "ERROR", "alert": {"message": f"Unknown {key} id {ident}"}})
    return json_reply({"status": "ERROR", "alert": {"message": f"Unknown operation {op}"}})


# -- Open States v3 ------------------------------------------------------------------------


def _paginate(results: list[dict], q: dict[str, str]) -> dict[str, Any]:
    per_page = max(1, min(int(q.get("per_page") or 10), 50))
    page = max(1, int(q.get("page") or 1))
    total = len(results)
    max_page = max(1, -(-total // per_page))
    return {
        "results": results[(page - 1) * per_page : page * per_page],
        "pagination": {
            "per_page": per_page,
            "page": page,
            "max_page": max_page,
            "total_items": total,
        },
    }


@route("openstates", source="openstates")
def _openstates(
    server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]
) -> Reply:
    if not (h.get("x-api-key") or q.get("apikey")):
        return json_reply({"detail": "Must provide API Key as ?apikey or X-API-KEY."}, 403)
    data = server.data
    state = (q.get("jurisdiction") or "").lower()
    # An OCD id ("ocd-jurisdiction/country:us/state:ny/government") or an abbreviation.
    match = re.search(r"(?:state|district):([a-z]{2})", state)
    state = match.group(1) if match else state
    if parts == ["bills"]:
        allowed = {
            "sponsorships",
            "abstracts",
            "other_titles",
            "other_identifiers",
            "actions",
            "sources",
            "documents",
            "versions",
            "votes",
            "related_bills",
        }
        bad = [i for i in q.get("include", "").split(",") if i and i not in allowed]
        if bad:
            return json_reply(
                {
                    "detail": [
                        {
                            "loc": ["query", "include"],
                            "msg": f"value is not a valid enumeration: {bad}",
                            "type": "type_error.enum",
                        }
                    ]
                },
                422,
            )
        bills = [
            b
            for b in data.openstates_bills.get(state, [])
            if (not q.get("updated_since") or b["updated_at"] >= q["updated_since"])
            and (not q.get("session") or b["session"] == q["session"])
        ]
        bills.sort(key=lambda b: (b["updated_at"], b["id"]))
        return json_reply(_paginate(bills, q))
    if parts == ["events"]:
        return json_reply(_paginate(data.openstates_events.get(state, []), q))
    return not_found("/".join(parts))


# -- New York Open Legislation -------------------------------------------------------------


def _ny_list(items: list[dict], q: dict[str, str], kind: str) -> dict[str, Any]:
    limit = int(q.get("limit") or 100)
    offset = max(1, int(q.get("offset") or 1))
    page = items[offset - 1 : offset - 1 + limit]
    return {
        "success": True,
        "message": "",
        "responseType": kind,
        "total": len(items),
        "offsetStart": offset,
        "offsetEnd": offset + len(page) - 1,
        "limit": limit,
        "result": {"items": page, "size": len(page)},
    }


@route("ny", source="ny_openleg")
def _ny(server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]) -> Reply:
    if not q.get("key"):
        return json_reply(
            {"success": False, "message": "API key required", "responseType": "error"}, 401
        )
    data = server.data
    rest = parts[2:] if parts[:2] == ["api", "3"] else []
    if rest[:2] in (["bills", "updates"], ["agendas", "updates"]) and len(rest) == 4:
        kind = rest[0]
        start, end = rest[2], rest[3]
        items = [u for u in data.ny_updates(kind) if start < u["processedDateTime"] <= end]
        return json_reply(_ny_list(items, q, "update-token list"))
    if rest[:1] == ["bills"] and len(rest) == 2:
        year = int(rest[1])
        items = [
            {
                "basePrintNo": r["basePrintNo"],
                "session": r["session"],
                "printNo": r["printNo"],
                "title": r.get("title"),
            }
            for (y, _), r in sorted(data.ny_bills.items())
            if y == year
        ]
        return json_reply(_ny_list(items, q, "bill-info list"))
    if rest[:1] == ["bills"] and len(rest) == 3:
        found = data.ny_bills.get((int(rest[1]), rest[2].upper()))
        if found is None:
            return json_reply(
                {"success": False, "message": "bill not found", "responseType": "error"}, 404
            )
        return json_reply({"success": True, "message": "", "responseType": "bill", "result": found})
    if rest[:1] == ["agendas"] and len(rest) == 2:
        items = [
            {"id": a["id"], "weekOf": a.get("weekOf")}
            for (y, _), a in sorted(data.ny_agendas.items())
            if y == int(rest[1])
        ]
        return json_reply(_ny_list(items, q, "agenda-summary list"))
    if rest[:1] == ["agendas"] and len(rest) == 3:
        agenda = data.ny_agendas.get((int(rest[1]), int(rest[2])))
        if agenda is None:
            return not_found("/".join(parts))
        return json_reply(
            {"success": True, "message": "", "responseType": "agenda", "result": agenda}
        )
    return not_found("/".join(parts))


# -- congress.gov API v3 -------------------------------------------------------------------


@route("congress", source="congress")
def _congress(
    server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]
) -> Reply:
    if not (q.get("api_key") or h.get("x-api-key")):
        return json_reply({"error": {"code": "API_KEY_MISSING"}}, 403)
    data = server.data
    if parts[:2] == ["v3", "bill"] and len(parts) == 3:
        since = q.get("fromDateTime", "")
        bills = sorted(
            (
                b["bill"]
                for b in data.congress_bills.values()
                if str(b["bill"]["congress"]) == parts[2]
                and b["bill"]["updateDateIncludingText"] >= since
            ),
            key=lambda b: (b["updateDateIncludingText"], b["type"], b["number"]),
        )
        limit, offset = int(q.get("limit") or 20), int(q.get("offset") or 0)
        page = bills[offset : offset + limit]
        listing = [
            {
                k: b.get(k)
                for k in (
                    "congress",
                    "type",
                    "number",
                    "title",
                    "updateDate",
                    "updateDateIncludingText",
                    "originChamber",
                )
            }
            | {
                "url": f"{server.root}/congress/v3/bill/{b['congress']}/"
                f"{b['type'].lower()}/{b['number']}?format=json"
            }
            for b in page
        ]
        pagination: dict[str, Any] = {"count": len(bills)}
        if offset + limit < len(bills):
            pagination["next"] = f"{server.root}/congress/v3/bill/{parts[2]}?" + urlencode(
                {**q, "offset": offset + limit}
            )
        return json_reply({"bills": listing, "pagination": pagination})
    if parts[:2] == ["v3", "bill"] and len(parts) in (5, 6):
        entry = data.congress_bills.get((parts[2], parts[3].lower(), parts[4]))
        if entry is None:
            return not_found("/".join(parts))
        what = parts[5] if len(parts) == 6 else "bill"
        if what not in entry:
            return not_found("/".join(parts))
        if what == "bill":
            return json_reply({"bill": entry["bill"]})
        here = f"{server.root}/congress/{'/'.join(parts)}"
        return json_reply(_page_part(entry[what], q, here))
    if parts[:2] == ["v3", "house-vote"] and len(parts) in (5, 6):
        vote = data.house_votes.get((parts[2], parts[3], parts[4]))
        if vote is None:
            return not_found("/".join(parts))
        if len(parts) == 5:
            return json_reply({"houseRollCallVote": vote["houseRollCallVote"]})
        if parts[5] != "members":
            return not_found("/".join(parts))
        return json_reply({"houseRollCallVoteMemberVotes": vote["houseRollCallVoteMemberVotes"]})
    return not_found("/".join(parts))


def _page_part(payload: dict, q: dict[str, str], url: str) -> dict:
    """One page (`limit`, `offset`) of a recorded list response, with `pagination.next`."""
    key = next(k for k, v in payload.items() if isinstance(v, list) and k != "request")
    items = payload[key]
    limit, offset = int(q.get("limit") or 250), int(q.get("offset") or 0)
    page = dict(payload, **{key: items[offset : offset + limit]})
    page["pagination"] = {"count": len(items)}
    if offset + limit < len(items):
        page["pagination"]["next"] = f"{url}?" + urlencode({**q, "offset": offset + limit})
    return page


# -- documents, CA pubinfo, openstates/people ----------------------------------------------


@route("files")
def _files(server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]) -> Reply:
    found = server.data.documents.get("/".join(parts))
    if found is None:
        return 404, "text/html", b"<html><body>Not Found</body></html>", {}
    body, ctype = found
    return 200, ctype, body, {}


@route("pubinfo", source="ca_pubinfo")
def _pubinfo(server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]) -> Reply:
    files = server.data.pubinfo_files
    if not parts:
        rows = "\n".join(
            f'<a href="{name}">{name}</a>{" " * max(1, 50 - len(name))}'
            f"{when.strftime('%d-%b-%Y %H:%M')}  {len(body)}"
            for name, (body, when) in sorted(files.items())
        )
        page = (
            f"<html><head><title>Index of /</title></head><body><h1>Index of /</h1>"
            f"<pre>{rows}\n</pre></body></html>"
        )
        return 200, "text/html", page.encode(), {}
    if parts[0] in files:
        return 200, "application/zip", files[parts[0]][0], {}
    return 404, "text/html", b"<html><body>Not Found</body></html>", {}


@route("people", source="people")
def _people(server: ReplayServer, parts: list[str], q: dict[str, str], h: dict[str, str]) -> Reply:
    people = server.data.people_files
    # GitHub contents API: /repos/openstates/people/contents/data/{st}/{kind}
    if parts[:4] == ["repos", "openstates", "people", "contents"] and len(parts) == 7:
        state, kind = parts[5], parts[6]
        files = people.get(state, {}).get(kind, {})
        listing = [
            {
                "name": name,
                "path": f"data/{state}/{kind}/{name}",
                "sha": sha_of(body),
                "size": len(body),
                "type": "file",
                "download_url": f"{server.root}/people/raw/{state}/{kind}/{name}",
            }
            for name, body in sorted(files.items())
        ]
        if not listing:
            return json_reply({"message": "Not Found"}, 404)
        return json_reply(listing)
    if parts[:1] == ["raw"] and len(parts) == 4:
        body = people.get(parts[1], {}).get(parts[2], {}).get(parts[3])
        if body is not None:
            return 200, "text/plain; charset=utf-8", body, {}
    return not_found("/".join(parts))


def sha_of(body: bytes) -> str:
    """The git blob hash of a file, as GitHub's contents API reports it."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()


def zip_folder(folder: Path) -> bytes:
    """A pubinfo-style zip of a folder's .dat and .lob files (flat, as the real archives are)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in (".dat", ".lob"):
                archive.write(path, path.name)
    return buffer.getvalue()


def serve_sample(sample_dir: Path | str) -> tuple[ReplayServer, dict[str, str]]:
    """Serve the demo sample bundle; returns the running server and each source's base URL."""
    server = ReplayServer(load_sample(Path(sample_dir)))
    server.start()
    return server, server.base_urls
