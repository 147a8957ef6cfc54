"""Spiders: parse throughput per source from recorded responses, and incremental crawl cost.

Parse throughput runs each spider's own callbacks on recorded responses (no network); the
baseline is decoding the same bytes (JSON, YAML, zip), so the ratio is what parsing adds.
The incremental bench crawls a generated session of 200 bills from the replay server, changes
1% of them, and counts the requests the second crawl makes per changed bill.
"""

from __future__ import annotations

import base64
import copy
import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from billwatch.db.session import get_engine, upgrade
from billwatch.demo.replay import ReplayServer, zip_folder
from billwatch.demo.replay_data import ReplayData

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
OWN = ROOT / "tests" / "files" / "spiders"
FAST = {
    "AUTOTHROTTLE_START_DELAY": 0.01,
    "AUTOTHROTTLE_MAX_DELAY": 0.1,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "CONCURRENT_REQUESTS": 16,
    "LOG_LEVEL": "WARNING",
}
BILLS = 200


def _rate(work: Callable[[], int], seconds: float = 0.4) -> float:
    """Items per second of `work` (which returns the items it made), repeated for `seconds`."""
    items, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        items += work()
    return items / elapsed


def _spider(cls: type, **kwargs: Any) -> Any:
    crawler = get_crawler(cls, {"LOG_LEVEL": "ERROR"})
    return cls.from_crawler(crawler, **kwargs)


def _response(url: str, payload: Any) -> TextResponse:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return TextResponse(
        url, body=body, headers={"Content-Type": "application/json"}, encoding="utf-8"
    )


def _records(results: Any) -> int:
    return sum(1 for r in results if not hasattr(r, "callback"))


def _legiscan() -> tuple[Callable[[], int], Callable[[], int]]:
    from spiders.legiscan import LegiscanSpider

    spider = _spider(LegiscanSpider, states=["AK"])
    body = json.dumps(
        {
            "status": "OK",
            **json.loads((FIXTURES / "legiscan/dataset_json/bill/HB1.json").read_bytes()),
        }
    ).encode()
    response = _response("http://replay/legiscan/?op=getBill", body)
    return (
        lambda: _records(spider.parse_bill(response, state="AK")),
        lambda: len([json.loads(body)]),
    )


def _legiscan_text() -> tuple[Callable[[], int], Callable[[], int]]:
    from billwatch.ingest.legiscan import parse_text

    body = (FIXTURES / "legiscan/dataset_json/text/105736.json").read_bytes()
    return (
        lambda: len([parse_text(json.loads(body))]),
        lambda: len([base64.b64decode(json.loads(body)["text"]["doc"])]),
    )


def _openstates() -> tuple[Callable[[], int], Callable[[], int]]:
    from spiders.openstates import OpenstatesSpider

    spider = _spider(OpenstatesSpider, states=["NY"])
    body = (OWN / "openstates/bills_ny.json").read_bytes()
    response = _response("http://replay/openstates/bills", body)
    return (
        lambda: _records(spider.parse_bills(response, state="NY", page=1, since=None)),
        lambda: len(json.loads(body)["results"]),
    )


def _ny() -> tuple[Callable[[], int], Callable[[], int]]:
    from spiders.ny_openleg import NyOpenlegSpider

    spider = _spider(NyOpenlegSpider)
    body = (FIXTURES / "ny_openleg/api_v3/S609-2017_bill_response.json").read_bytes()
    response = _response("http://replay/ny/api/3/bills/2017/S609", body)
    return lambda: _records(spider.parse_bill(response)), lambda: len([json.loads(body)])


def _congress() -> tuple[Callable[[], int], Callable[[], int]]:
    from billwatch.ingest.congress import parse_api_bill as parse_bill

    folder = FIXTURES / "us_congress/congress_gov_api"
    raw = [
        (folder / f"bill_117_hr_21{s}.json").read_bytes()
        for s in ("", "_actions", "_cosponsors", "_text")
    ]

    def parse() -> int:
        bill, actions, cosponsors, texts = (json.loads(r) for r in raw)
        return len(
            [
                parse_bill(
                    bill["bill"],
                    actions["actions"],
                    cosponsors["cosponsors"],
                    texts["textVersions"],
                )
            ]
        )

    return parse, lambda: len([json.loads(r) for r in raw][:1])


def _pubinfo() -> tuple[Callable[[], int], Callable[[], int]]:
    from billwatch.ingest.ca_pubinfo import parse_archive

    data = zip_folder(FIXTURES / "ca_leginfo_pubinfo")

    def unzip() -> int:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return len([archive.read(n) for n in archive.namelist()][:3])

    return lambda: len(parse_archive(data, "http://replay/pubinfo_2025.zip")[0]), unzip


def _people() -> tuple[Callable[[], int], Callable[[], int]]:
    from billwatch.ingest.people import parse_person_yaml

    files = [p.read_text() for p in (FIXTURES / "openstates_people").rglob("legislature/*.yml")]
    return (
        lambda: len([parse_person_yaml(yaml.safe_load(f), "CA") for f in files]),
        lambda: len([yaml.safe_load(f) for f in files]),
    )


def parse_table() -> Table:
    """Items per second per source, against decoding the same bytes."""
    table = Table(title="Spider parse throughput (recorded responses, no network)")
    for column in (
        "source",
        "parse items/s",
        "baseline: decode only /s",
        "parse time / decode time",
    ):
        table.add_column(column, justify="right" if column != "source" else "left")
    for name, build in (
        ("legiscan getBill", _legiscan),
        ("legiscan getBillText", _legiscan_text),
        ("openstates /bills", _openstates),
        ("ny_openleg bill", _ny),
        ("congress bill (4 responses)", _congress),
        ("ca_pubinfo archive", _pubinfo),
        ("people YAML", _people),
    ):
        parse, baseline = build()
        fast, slow = _rate(baseline), _rate(parse)
        table.add_row(name, f"{slow:,.0f}", f"{fast:,.0f}", f"{fast / slow:.1f}x")
    return table


def generated_session() -> ReplayData:
    """BILLS bills cloned from the recorded AK HB1, each with one small HTML text."""
    data = ReplayData()
    template = json.loads((FIXTURES / "legiscan/dataset_json/bill/HB1.json").read_bytes())["bill"]
    for n in range(1, BILLS + 1):
        bill = copy.deepcopy(template)
        bill.update(bill_id=500000 + n, bill_number=f"HB{n}", change_hash=f"{n:032x}")
        doc_id = 800000 + n
        bill["texts"] = [dict(template["texts"][0], doc_id=doc_id)]
        data.add_legiscan({"bill": bill})
        data.add_legiscan({"text": _html_text(doc_id, bill["bill_id"], f"HB{n} introduced")})
    for sponsor in template["sponsors"]:
        data.legiscan_people[sponsor["people_id"]] = {**sponsor, "state_id": 2}
    return data


def _html_text(doc_id: int, bill_id: int, words: str) -> dict[str, Any]:
    html = f"<html><body><p>{words}: an Act relating to health care services.</p></body></html>"
    return {
        "doc_id": doc_id,
        "bill_id": bill_id,
        "date": "2011-01-18",
        "type": "Introduced",
        "type_id": 1,
        "mime": "text/html",
        "mime_id": 1,
        "doc": base64.b64encode(html.encode()).decode(),
    }


def change_one_percent(data: ReplayData) -> int:
    """Give 1% of the bills a new hash, a new action and a new text; returns how many."""
    changed = max(1, BILLS // 100)
    for n in range(1, changed + 1):
        bill = data.legiscan_bills[500000 + n]
        bill["change_hash"] = "c" * 32
        bill["history"].append(
            {
                "date": "2011-05-02",
                "action": "AWAITING TRANSMITTAL TO GOV",
                "chamber": "",
                "chamber_id": 0,
                "importance": 1,
            }
        )
        doc_id = 900000 + n
        bill["texts"].append(dict(bill["texts"][0], doc_id=doc_id, type="Enrolled"))
        data.add_legiscan({"text": _html_text(doc_id, bill["bill_id"], f"HB{n} enrolled")})
    return changed


def incremental_table() -> Table:
    """Requests of a full crawl per bill against an incremental crawl per changed bill."""
    from spiders.run import run_crawl

    with tempfile.TemporaryDirectory() as tmp, ReplayServer(generated_session()) as server:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        started = time.perf_counter()
        full = run_crawl(
            "legiscan",
            states=["AK"],
            base_url=server.base_urls["legiscan"],
            database_url=url,
            settings=FAST,
        )
        full_s = time.perf_counter() - started
        changed = change_one_percent(server.data)
        server.clear()
        started = time.perf_counter()
        again = run_crawl(
            "legiscan",
            states=["AK"],
            base_url=server.base_urls["legiscan"],
            database_url=url,
            settings=FAST,
        )
        again_s = time.perf_counter() - started
        listing = server.log.count("/legiscan/", op="getSessionList") + server.log.count(
            "/legiscan/", op="getMasterListRaw"
        )
        get_engine(url).dispose()
    table = Table(title=f"Incremental LegiScan crawl: {BILLS} bills, {changed} changed (1%)")
    for column in ("crawl", "requests", "requests per bill", "seconds"):
        table.add_column(column, justify="right" if column != "crawl" else "left")
    table.add_row(
        "baseline: first (full) crawl",
        str(full["requests"]),
        f"{full['requests'] / BILLS:.2f} per bill",
        f"{full_s:.1f}",
    )
    table.add_row(
        "incremental crawl",
        str(again["requests"]),
        f"{(again['requests'] - listing) / changed:.2f} per changed bill (+{listing} listing)",
        f"{again_s:.1f}",
    )
    table.add_row(
        "ratio (full / incremental requests)",
        f"{full['requests'] / max(1, again['requests']):.0f}x fewer",
        "",
        "",
    )
    return table


def run(console: Console) -> None:
    """Print both tables."""
    if not FIXTURES.is_dir():
        console.print(f"[yellow]skipped: {FIXTURES} is not here")
        return
    console.print(parse_table())
    console.print(incremental_table())
