"""What the replay server serves: dataset objects per source, documents and archives."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class ReplayData:
    """Dataset objects by source; the server wraps them in each API's envelope."""

    root: str = ""  # set by the server: http://127.0.0.1:PORT
    legiscan_bills: dict[int, dict] = field(default_factory=dict)
    legiscan_texts: dict[int, dict] = field(default_factory=dict)
    legiscan_people: dict[int, dict] = field(default_factory=dict)
    legiscan_session_lists: dict[str, list[dict]] = field(default_factory=dict)  # overrides
    legiscan_masterlists: dict[str, dict] = field(default_factory=dict)  # overrides by id
    openstates_bills: dict[str, list[dict]] = field(default_factory=dict)  # by state, lower
    openstates_events: dict[str, list[dict]] = field(default_factory=dict)
    ny_bills: dict[tuple[int, str], dict] = field(default_factory=dict)  # (year, printNo)
    ny_agendas: dict[tuple[int, int], dict] = field(default_factory=dict)  # (year, number)
    ny_update_log: list[dict] = field(default_factory=list)
    congress_bills: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    # (congress, session, roll) -> {"houseRollCallVote": ..., "houseRollCallVoteMemberVotes": ...}
    house_votes: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> body, type
    pubinfo_files: dict[str, tuple[bytes, dt.datetime]] = field(default_factory=dict)
    people_files: dict[str, dict[str, dict[str, bytes]]] = field(default_factory=dict)
    # Real hosts in recordings -> paths on this server ("https://www.congress.gov/" -> ...).
    rewrites: dict[str, str] = field(default_factory=dict)

    # -- LegiScan --------------------------------------------------------------------------
    def add_legiscan(self, payload: dict) -> None:
        """Add a dataset file's object ({"bill": ...}, {"text": ...} or {"person": ...})."""
        if "bill" in payload:
            self.legiscan_bills[int(payload["bill"]["bill_id"])] = payload["bill"]
        elif "text" in payload:
            self.legiscan_texts[int(payload["text"]["doc_id"])] = payload["text"]
        elif "person" in payload:
            self.legiscan_people[int(payload["person"]["people_id"])] = payload["person"]
        else:
            raise ValueError(f"not a LegiScan dataset object: keys {sorted(payload)[:5]}")

    def legiscan_sessions(self, state: str) -> list[dict]:
        """getSessionList: an explicit list, else the sessions of the bills of `state`."""
        state = state.upper()
        if state in self.legiscan_session_lists:
            return self.legiscan_session_lists[state]
        sessions: dict[int, dict] = {}
        for bill in self.legiscan_bills.values():
            if bill.get("state") == state:
                info = bill["session"]
                sessions[int(info["session_id"])] = {
                    "session_id": info["session_id"],
                    "state_id": bill.get("state_id"),
                    "year_start": info["year_start"],
                    "year_end": info["year_end"],
                    "prefile": 0,
                    "sine_die": 0,
                    "prior": 0,
                    "special": info.get("special", 0),
                    "session_tag": "Regular Session",
                    "session_title": info.get("session_title"),
                    "session_name": info.get("session_name"),
                }
        ordered = sorted(sessions.values(), key=lambda s: int(s["year_start"]), reverse=True)
        for older in ordered[1:]:
            older["sine_die"], older["prior"] = 1, 1
        return ordered

    def legiscan_masterlist(self, session_id: str, state: str | None) -> dict:
        """getMasterListRaw: bill_id, number and change_hash of every bill of a session."""
        if session_id in self.legiscan_masterlists:
            return self.legiscan_masterlists[session_id]
        if not session_id and state:
            current = self.legiscan_sessions(state)
            session_id = str(current[0]["session_id"]) if current else ""
        bills = sorted(
            (b for b in self.legiscan_bills.values() if str(b.get("session_id")) == session_id),
            key=lambda b: b["bill_id"],
        )
        masterlist: dict[str, Any] = {}
        if bills:
            masterlist["session"] = dict(bills[0]["session"])
        for index, bill in enumerate(bills):
            masterlist[str(index)] = {
                "bill_id": bill["bill_id"],
                "number": bill["bill_number"],
                "change_hash": bill["change_hash"],
            }
        return masterlist

    # -- New York ----------------------------------------------------------------------------
    def add_ny_bill(self, response: dict, processed: str | None = None) -> None:
        """Add an Open Legislation bill response (or its `result`), updated at `processed`."""
        result = response.get("result", response)
        key = (int(result["session"]), str(result["basePrintNo"]).upper())
        self.ny_bills[key] = result
        when = processed or str(result.get("publishedDateTime") or "2000-01-01T00:00:00")
        self.ny_update_log.append(
            {
                "kind": "bills",
                "processedDateTime": when,
                "id": {"basePrintNo": result["basePrintNo"], "session": result["session"]},
            }
        )

    def add_ny_agenda(self, agenda: dict, processed: str) -> None:
        """Add an agenda result (`id`: {number, year}, `committeeAgendas`)."""
        self.ny_agendas[(int(agenda["id"]["year"]), int(agenda["id"]["number"]))] = agenda
        self.ny_update_log.append(
            {"kind": "agendas", "processedDateTime": processed, "id": agenda["id"]}
        )

    def ny_updates(self, kind: str) -> list[dict]:
        """The update tokens of bills or agendas, oldest first."""
        items = [u for u in self.ny_update_log if u["kind"] == kind]
        return [
            {
                "id": u["id"],
                "contentType": kind.rstrip("s").upper(),
                "processedDateTime": u["processedDateTime"],
            }
            for u in sorted(items, key=lambda u: u["processedDateTime"])
        ]

    # -- congress.gov --------------------------------------------------------------------------
    def add_congress_bill(self, parts: dict[str, dict]) -> None:
        """Add one bill's responses: {"bill": detail, "actions": ..., "text": ..., ...}."""
        bill = parts["bill"]["bill"]
        bill.setdefault("updateDateIncludingText", bill.get("updateDate"))
        key = (str(bill["congress"]), str(bill["type"]).lower(), str(bill["number"]))
        self.congress_bills[key] = {"bill": bill, **{k: v for k, v in parts.items() if k != "bill"}}

    def add_house_vote(self, payload: dict) -> None:
        """Add one House roll call: the vote's detail and its members' votes."""
        vote = payload["houseRollCallVote"]
        key = (str(vote["congress"]), str(vote["sessionNumber"]), str(vote["rollCallNumber"]))
        self.house_votes[key] = payload

    # -- documents and files -------------------------------------------------------------------
    def add_document(self, path: str, body: bytes, media_type: str) -> str:
        """Serve `body` at /files/<path>; returns its URL."""
        self.documents[path.lstrip("/")] = (body, media_type)
        return f"{self.root}/files/{path.lstrip('/')}"

    def add_people_file(self, state: str, kind: str, name: str, body: bytes) -> None:
        """Serve an openstates/people YAML file (kind: legislature or committees)."""
        self.people_files.setdefault(state.lower(), {}).setdefault(kind, {})[name] = body


def _legiscan_sample(folder: Path, data: ReplayData) -> None:
    for path in sorted(folder.rglob("*.json")):
        payload = json.loads(path.read_bytes())
        if isinstance(payload, dict) and payload.keys() & {"bill", "text", "person"}:
            data.add_legiscan(payload)


def _people_sample(folder: Path, data: ReplayData) -> None:
    for path in sorted(folder.rglob("*.yml")):
        relative = path.relative_to(folder).parts
        kind = "committees" if "committees" in relative else "legislature"
        data.add_people_file(relative[0], kind, path.name, path.read_bytes())


def load_sample(sample_dir: Path) -> ReplayData:
    """Replay data from the demo bundle: LegiScan dataset files, NY bill responses, people YAML."""
    data = ReplayData()
    if (sample_dir / "legiscan").is_dir():
        _legiscan_sample(sample_dir / "legiscan", data)
    if (sample_dir / "people").is_dir():
        _people_sample(sample_dir / "people", data)
    for path in sorted(sample_dir.rglob("*.json")):
        if "legiscan" in path.relative_to(sample_dir).parts:
            continue
        try:
            payload = json.loads(path.read_bytes())
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get("responseType") == "bill":
            data.add_ny_bill(payload)
    return data


def yaml_bytes(obj: Any) -> bytes:
    """YAML text of `obj` (for fixtures built in code)."""
    return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True).encode()


def change_hash(obj: Any) -> str:
    """An md5 of an object's JSON, the shape of LegiScan's change_hash."""
    return hashlib.md5(json.dumps(obj, sort_keys=True).encode()).hexdigest()
