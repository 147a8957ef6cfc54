"""The LegiScan spider end to end against the replay server: records, texts, incremental runs."""

from __future__ import annotations

from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion, CrawlRun, Person
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import find_bill
from billwatch.demo.replay import ReplayServer
from tests.spiders.conftest import SPIDER_FILES, crawl, legiscan_data, load

STATES = ["AK", "AR", "CA"]


def test_first_crawl_stores_bills_texts_and_sponsors(server: ReplayServer, db_url: str) -> None:
    server.data = legiscan_data()
    summary = crawl(server, "legiscan", db_url, states=STATES)
    assert summary["status"] == "ok", summary
    assert summary["items"]["bill"] == 4
    assert summary["items"]["version"] == 7  # 3 AK PDFs, 2 AR and 2 CA HTML texts
    assert summary["errors"] == 0
    with get_sessionmaker(db_url)() as session:
        hb1 = find_bill(session, "AK", "2011-2012", "HB 1")
        assert hb1 is not None
        assert hb1.extras["legiscan"]["change_hash"] == "38558907f12c02a238b1cd43d2a37393"
        assert len(hb1.actions) == 27
        texts = [v.text for v in hb1.versions]
        assert len(texts) == 3 and all(texts)
        assert "Findings and purpose" in " ".join(texts)  # the PDF text went through pypdf
        ab50 = find_bill(session, "CA", "2011-2012", "AB 50")
        assert ab50 is not None and ab50.versions[0].inserted and ab50.versions[0].struck
        assert session.scalar(select(Person).where(Person.source_key == "legiscan:9101"))
        run = session.get(CrawlRun, summary["id"])
        assert run.status == "ok" and run.finished_at is not None
        assert run.bytes > 0 and run.duration_s > 0


def test_incremental_crawls_fetch_only_what_changed(server: ReplayServer, sqlite_url: str) -> None:
    server.data = legiscan_data()
    crawl(server, "legiscan", sqlite_url, states=STATES)
    assert server.user_agents == {
        "billwatch/0.1 (legislative tracking; +mailto:billwatch@example.org)"
    }
    assert server.log.count("/legiscan/", key="replay-dummy-key") == len(server.log.entries)

    server.clear()  # unchanged data: the listings only
    summary = crawl(server, "legiscan", sqlite_url, states=STATES)
    assert server.log.by_op() == {"/legiscan/ getSessionList": 3, "/legiscan/ getMasterListRaw": 3}
    assert summary["status"] == "ok"
    assert summary["listed"] == 4 and summary["unchanged"] == 4
    with get_sessionmaker(sqlite_url)() as session:
        versions = session.scalar(select(func.count()).select_from(BillVersion))
        actions = session.scalar(select(func.count()).select_from(BillAction))

    bill = server.data.legiscan_bills[230084]  # one bill changes
    bill["change_hash"] = "f" * 32
    bill["history"].append(
        {
            "date": "2011-05-01",
            "action": "TRANSMITTED TO GOVERNOR",
            "chamber": "",
            "chamber_id": 0,
            "importance": 1,
        }
    )
    server.clear()
    crawl(server, "legiscan", sqlite_url, states=STATES)
    ops = server.log.by_op()
    assert ops["/legiscan/ getBill"] == 1
    assert server.log.count("/legiscan/", op="getBill", id="230084") == 1
    assert ops["/legiscan/ getBillText"] == 0  # its texts are stored already
    with get_sessionmaker(sqlite_url)() as session:
        hb1 = find_bill(session, "AK", "2011-2012", "HB 1")
        assert len(hb1.actions) == 28
        assert hb1.extras["legiscan"]["change_hash"] == "f" * 32
        assert session.scalar(select(func.count()).select_from(BillVersion)) == versions
        assert session.scalar(select(func.count()).select_from(BillAction)) == actions + 1


def test_sessions_chosen_from_a_session_list(server: ReplayServer, sqlite_url: str) -> None:
    """The hand-written getSessionList: the current session only, unless one is asked for."""
    server.data = legiscan_data()
    server.data.legiscan_session_lists["AK"] = load(
        SPIDER_FILES / "legiscan" / "getSessionList_AK.json"
    )["sessions"]
    crawl(server, "legiscan", sqlite_url, states=["AK"])
    assert server.log.count("/legiscan/", op="getMasterListRaw", id="122") == 1
    assert server.log.count("/legiscan/", op="getMasterListRaw", id="58") == 0
    server.clear()
    crawl(server, "legiscan", sqlite_url, states=["AK"], sessions=["2009-2010"])
    assert server.log.count("/legiscan/", op="getMasterListRaw", id="58") == 1
    assert server.log.count("/legiscan/", op="getMasterListRaw", id="122") == 0


def test_a_master_list_entry_without_a_recorded_bill_is_reported(
    server: ReplayServer, sqlite_url: str
) -> None:
    """The hand-written getMasterListRaw lists HB2, which the server does not know."""
    server.data = legiscan_data()
    server.data.legiscan_masterlists["122"] = load(
        SPIDER_FILES / "legiscan" / "getMasterListRaw_122.json"
    )["masterlist"]
    summary = crawl(server, "legiscan", sqlite_url, states=["AK"])
    assert summary["listed"] == 2 and summary["items"]["bill"] == 1
    assert any(
        "getBill&id=230101" in e["url"] and "Unknown bill id 230101" in e["reason"]
        for e in summary["error_samples"]
    )
    assert all("replay-dummy-key" not in e["url"] for e in summary["error_samples"])
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 1
