"""Faults injected by the replay server: retries, clear errors, no partial rows, data kept."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion, CrawlRun
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import find_bill
from billwatch.demo.replay import Fault, ReplayServer
from billwatch.settings import get_settings
from spiders.run import CrawlError, run_crawl
from tests.spiders.conftest import crawl, legiscan_data, make_pdf

STATES = ["AK", "AR", "CA"]
BILLS = {
    "230084": ("AK", "HB 1"),
    "212624": ("CA", "SB 7"),
    "212667": ("CA", "AB 50"),
    "396373": ("AR", "HB 1044"),
}


def _snapshot(url: str) -> dict[str, tuple[int, str]]:
    """(actions, change_hash) of each bill."""
    found = {}
    with get_sessionmaker(url)() as session:
        for bill in session.scalars(select(Bill)):
            found[bill.identifier] = (len(bill.actions), bill.extras["legiscan"]["change_hash"])
    return found


def test_500_429_and_timeouts_are_retried_with_backoff(
    server: ReplayServer, sqlite_url: str
) -> None:
    db_url = sqlite_url
    server.data = legiscan_data()
    server.fault(Fault("status", status=500), "/legiscan/", op="getBill", id="230084")
    server.fault(Fault("retry_after", seconds=1), "/legiscan/", op="getBill", id="212624")
    server.fault(Fault("delay", seconds=3), "/legiscan/", op="getBill", id="212667")
    summary = crawl(server, "legiscan", db_url, states=STATES, settings={"DOWNLOAD_TIMEOUT": 1.5})
    assert summary["status"] == "ok", summary
    assert summary["retries"] == {"500": 1, "429": 1, "exception": 1}
    assert summary["errors"] == 0
    assert server.log.count("/legiscan/", op="getBill", id="230084") == 2
    assert server.log.count("/legiscan/", op="getBill", id="212624") == 2
    assert summary["duration_s"] >= 1.0  # the Retry-After second was waited
    with get_sessionmaker(db_url)() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 4


def test_bad_responses_are_reported_and_never_half_written(
    server: ReplayServer, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGISCAN_API_KEY", "s3cret-key")
    server.data = legiscan_data()
    crawl(server, "legiscan", sqlite_url, states=STATES)
    before = _snapshot(sqlite_url)
    for bill in server.data.legiscan_bills.values():  # every bill changes upstream
        bill["change_hash"] = "e" * 32
        bill["history"].append(
            {
                "date": "2012-04-01",
                "action": "SIGNED INTO LAW",
                "chamber": "",
                "chamber_id": 0,
                "importance": 1,
            }
        )
    server.clear()
    server.fault(Fault("truncate", times=-1), "/legiscan/", op="getBill", id="230084")
    server.fault(Fault("html", times=-1), "/legiscan/", op="getBill", id="212624")
    server.fault(
        Fault("drop_field", field="bill_number", times=-1), "/legiscan/", op="getBill", id="212667"
    )
    server.fault(Fault("status", status=500, times=-1), "/legiscan/", op="getBill", id="396373")
    log = tmp_path / "crawl.log"
    summary = crawl(server, "legiscan", sqlite_url, states=STATES, settings={"LOG_FILE": str(log)})
    assert server.log.count("/legiscan/", key="s3cret-key") == len(server.log.entries)
    assert "Gave up retrying" in log.read_text() and "s3cret-key" not in log.read_text()
    assert "s3cret-key" not in json.dumps(summary)

    reasons = {e["url"].rsplit("id=", 1)[1]: e["reason"] for e in summary["error_samples"]}
    assert "invalid JSON" in reasons["230084"] and "truncated" in reasons["230084"]
    assert reasons["212624"] == (
        "expected JSON, got an HTML page ('Service Unavailable - Maintenance')"
    )
    assert "bill_number" in reasons["212667"]
    assert reasons["396373"] == "HTTP 500 after 3 retries"
    assert server.log.count("/legiscan/", op="getBill", id="396373") == 4
    assert summary["status"] == "unhealthy" and "error ratio" in summary["health_reason"]
    assert _snapshot(sqlite_url) == before  # nothing half-written, nothing lost

    server.clear()  # the source recovers: the next run picks every bill up
    summary = crawl(server, "legiscan", sqlite_url, states=STATES)
    assert summary["status"] == "ok" and summary["items"]["bill"] == 4
    after = _snapshot(sqlite_url)
    assert all(after[k] == (n + 1, "e" * 32) for k, (n, _) in before.items())


def test_a_broken_document_is_reported_and_fetched_again_next_run(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = legiscan_data()
    text = server.data.legiscan_texts[153588]
    good = text["doc"]
    text["doc"] = base64.b64encode(make_pdf("HOUSE BILL NO. 1")[:300]).decode()
    summary = crawl(server, "legiscan", sqlite_url, states=["AK"])
    assert [e["reason"] for e in summary["error_samples"]] == [
        "text doc 153588: truncated PDF: no %%EOF marker at the end"
    ]
    with get_sessionmaker(sqlite_url)() as session:
        hb1 = find_bill(session, "AK", "2011-2012", "HB 1")
        assert len(hb1.actions) == 27  # the bill itself is whole
        assert sorted(bool(v.text) for v in hb1.versions) == [False, True, True]

    text["doc"] = good
    server.clear()
    summary = crawl(server, "legiscan", sqlite_url, states=["AK"])
    assert server.log.by_op() == {
        "/legiscan/ getSessionList": 1,
        "/legiscan/ getMasterListRaw": 1,
        "/legiscan/ getBillText": 1,
    }
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(func.count()).where(BillVersion.text == "")) == 0
        assert session.scalar(select(func.count()).select_from(BillAction)) == 27


def test_a_response_over_the_size_limit_is_refused(server: ReplayServer, sqlite_url: str) -> None:
    server.data = legiscan_data()
    summary = crawl(
        server,
        "legiscan",
        sqlite_url,
        states=["AK"],
        settings={"DOWNLOAD_MAXSIZE": 5000, "DOWNLOAD_WARNSIZE": 0},
    )
    assert [e["url"].rsplit("op=", 1)[1] for e in summary["error_samples"]] == ["getBill&id=230084"]
    assert "larger than download max size (5000)" in summary["error_samples"][0]["reason"]
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 0


def test_a_crawl_child_that_dies_leaves_its_run_marked_failed(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = legiscan_data()
    extensions = {
        "spiders.monitor.CrawlMonitor": 500,
        "tests.spiders.conftest.DieAfterOpening": 900,
    }
    with pytest.raises(CrawlError, match="exited with code 3"):
        crawl(server, "legiscan", sqlite_url, states=["AK"], settings={"EXTENSIONS": extensions})
    with get_sessionmaker(sqlite_url)() as session:
        run = session.scalar(select(CrawlRun))
        assert run.status == "failed" and "exited with code 3" in run.health_reason
        assert run.finished_at is not None


def test_a_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEGISCAN_API_KEY", raising=False)
    get_settings.cache_clear()
    with pytest.raises(CrawlError, match="LEGISCAN_API_KEY is not set"):
        run_crawl("legiscan", states=["AK"])
    with pytest.raises(CrawlError, match="LEGISCAN_API_KEY is not set"):
        run_crawl("legiscan", states=["AK"], base_url="https://api.legiscan.com")
    with pytest.raises(CrawlError, match="unknown source 'texas'"):
        run_crawl("texas")
    get_settings.cache_clear()
