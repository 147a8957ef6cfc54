"""The replay server itself, the retry middleware's Retry-After, and the demo sample bundle."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billwatch.db.models import Bill, Event, Person
from billwatch.db.session import get_sessionmaker
from billwatch.demo.replay import Fault, ReplayServer, drop_field, serve_sample
from spiders.middlewares import retry_after_seconds
from spiders.run import run_crawl
from tests.spiders.conftest import FAST, legiscan_data

SAMPLE = Path(__file__).resolve().parents[2] / "billwatch" / "demo" / "sample"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_retry_after_as_seconds_or_http_date() -> None:
    now = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(b"Thu, 26 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 26 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_envelopes_faults_and_the_request_log(server: ReplayServer) -> None:
    server.data = legiscan_data()
    url = f"{server.root}/legiscan/?key=k&op=getBill&id=230084"
    status, body = _get(url)
    assert status == 200 and json.loads(body)["status"] == "OK"
    assert json.loads(_get(url.replace("key=k&", ""))[1])["status"] == "ERROR"
    server.fault(Fault("status", status=503, times=1), "/legiscan/", op="getBill")
    assert _get(url)[0] == 503 and _get(url)[0] == 200  # once, then success
    server.fault(Fault("truncate"), "/legiscan/")
    with pytest.raises(ValueError):
        json.loads(_get(url)[1])
    assert server.log.count("/legiscan/", op="getBill", id="230084") == 5
    assert drop_field(
        {"status": "OK", "bill": {"bill_number": "HB1", "x": {"bill_number": 1}}}, "bill_number"
    ) == {"status": "OK", "bill": {"x": {"bill_number": 1}}}


def test_the_demo_sample_is_crawlable(sqlite_url: str) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("the demo sample bundle is not in this checkout")
    server, urls = serve_sample(SAMPLE)
    progress: list[dict[str, int]] = []
    try:
        people = run_crawl(
            "people",
            states=["CA", "NY", "OH"],
            base_url=urls["people"],
            database_url=sqlite_url,
            settings=FAST,
            on_progress=progress.append,
        )
        bills = run_crawl(
            "legiscan",
            states=["CA", "OH"],
            base_url=urls["legiscan"],
            database_url=sqlite_url,
            settings=FAST,
        )
        ny = run_crawl(
            "ny_openleg",
            sessions=["2025"],
            base_url=urls["ny_openleg"],
            database_url=sqlite_url,
            settings=FAST,
        )
    finally:
        server.close()
    assert [r["status"] for r in (people, bills, ny)] == ["ok", "ok", "ok"]
    assert progress[-1]["items"] == sum(people["items"].values())  # the last progress line
    assert progress[-1]["requests"] == people["requests"]
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == (
            bills["items"]["bill"] + ny["items"]["bill"]
        )
        assert session.scalar(select(func.count()).select_from(Person)) >= 10
        # The sample's hearings: OH bills on LegiScan calendars, NY S 8123 on a Codes agenda.
        hearings = {
            (e.committee, b)
            for e in session.scalars(select(Event))
            for b in [a.bill.identifier for a in e.agenda if a.bill is not None]
        }
        assert ("Codes", "S 8123") in hearings
        assert {b for _, b in hearings} >= {"HB 611", "SB 290", "S 8123"}
