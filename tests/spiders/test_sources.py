"""New York, Congress, California pubinfo and people spiders end to end, first and second runs."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from billwatch.db.models import Bill, Committee, CrawlRun, Event, Membership, Person, VoteEvent
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import find_bill
from billwatch.demo.replay import ReplayServer, zip_folder
from spiders.ca_pubinfo import parse_listing
from tests.conftest import shared_path
from tests.spiders.conftest import (
    SPIDER_FILES,
    congress_data,
    crawl,
    ny_data,
    people_data,
    pubinfo_data,
)


def test_ny_bills_with_all_amendments_and_agendas(server: ReplayServer, sqlite_url: str) -> None:
    server.data = ny_data()
    summary = crawl(server, "ny_openleg", sqlite_url, sessions=["2017"])
    assert summary["status"] == "ok" and summary["items"] == {"bill": 1, "event": 1}
    assert server.log.count("/ny/api/3/bills/2017/S609", fullTextFormat="HTML") == 1
    with get_sessionmaker(sqlite_url)() as session:
        s609 = find_bill(session, "NY", "2017-2018", "S 609")
        assert [v.note for v in s609.versions] == ["Introduced", "Amended"]
        assert all(v.text for v in s609.versions) and s609.actions
        event = session.scalar(select(Event))
        assert (event.committee, event.location) == ("Judiciary", "Room 124 CAP")
        assert event.agenda[0].bill_id == s609.id

    server.clear()  # nothing changed upstream: the update listings only
    summary = crawl(server, "ny_openleg", sqlite_url, sessions=["2017"])
    paths = sorted(p.split("/updates/")[0] for p, _ in server.log.entries)
    assert paths == ["/ny/api/3/agendas", "/ny/api/3/bills"]
    assert summary["status"] == "ok" and summary["items"] == {}


def test_congress_bill_actions_cosponsors_and_text(server: ReplayServer, sqlite_url: str) -> None:
    server.data = congress_data()
    summary = crawl(
        server, "congress", sqlite_url, sessions=["117"], settings={"CONGRESS_PAGE_SIZE": 4}
    )
    assert summary["status"] == "ok", summary
    assert server.log.count("/congress/v3/bill/117/hr/21/actions") == 3  # 10 actions, pages of 4
    assert summary["items"] == {"bill": 1, "version": 3}
    with get_sessionmaker(sqlite_url)() as session:
        hr21 = find_bill(session, "US", "117", "HR 21")
        assert hr21.title == "FedRAMP Authorization Act"
        assert len(hr21.actions) == 10 and hr21.actions[0].description == "Introduced in House"
        assert {s.classification for s in hr21.sponsorships} == {"primary", "cosponsor"}
        assert all(v.text for v in hr21.versions)

    server.clear()
    crawl(server, "congress", sqlite_url, sessions=["117"])
    assert [p for p, _ in server.log.entries] == ["/congress/v3/bill/117"]


def test_congress_house_roll_calls_that_actions_record(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = congress_data()
    vote = json.loads((SPIDER_FILES / "congress" / "house_vote_117_1_12.json").read_text())
    server.data.add_house_vote(vote)
    actions = server.data.congress_bills[("117", "hr", "21")]["actions"]["actions"]
    recorded = {"chamber": "House", "congress": 117, "sessionNumber": 1, "rollNumber": 12}
    recorded |= {
        "date": "2021-02-01T23:52:00Z",
        "url": "https://clerk.house.gov/evs/2021/roll012.xml",
    }
    actions[0]["recordedVotes"] = [recorded]
    actions[1]["recordedVotes"] = [recorded]  # a roll call two actions record is asked for once
    actions[2]["recordedVotes"] = [dict(recorded, chamber="Senate", rollNumber=99)]

    summary = crawl(server, "congress", sqlite_url, sessions=["117"])
    assert summary["status"] == "ok", summary
    assert summary["items"].get("vote") == 1
    votes = [p for p, _ in server.log.entries if "/house-vote/" in p]
    assert votes == ["/congress/v3/house-vote/117/1/12", "/congress/v3/house-vote/117/1/12/members"]
    assert not [p for p, _ in server.log.entries if "/99" in p]  # no Senate endpoint
    with get_sessionmaker(sqlite_url)() as session:
        hr21 = find_bill(session, "US", "117", "HR 21")
        event = session.scalar(select(VoteEvent))
        assert event.bill_id == hr21.id
        assert event.source_key == "house-vote:117:1:12"
        assert event.result == "pass" and event.chamber == "lower"
        assert {c.option: c.value for c in event.counts} == {
            "yes": 2,
            "no": 1,
            "not voting": 1,
        }


def test_pubinfo_listing_dates_in_apache_and_iis_layouts() -> None:
    apache = parse_listing(
        (SPIDER_FILES / "ca_pubinfo" / "listing_apache.html").read_text(),
        "https://downloads.leginfo.legislature.ca.gov",
    )
    assert sorted(apache) == [
        "pubinfo_2023.zip",
        "pubinfo_2025.zip",
        "pubinfo_Mon.zip",
        "pubinfo_Sat.zip",
        "pubinfo_Tue.zip",
    ]
    assert apache["pubinfo_Tue.zip"] == (
        "https://downloads.leginfo.legislature.ca.gov/pubinfo_Tue.zip",
        dt.datetime(2026, 11, 24, 4, 11),
    )
    iis = parse_listing(
        (SPIDER_FILES / "ca_pubinfo" / "listing_iis.html").read_text(),
        "https://downloads.leginfo.legislature.ca.gov",
    )
    assert iis["pubinfo_Mon.zip"][1] == dt.datetime(2026, 11, 23, 4, 12)


def test_pubinfo_session_archive_then_daily_archives_by_date(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = pubinfo_data()
    summary = crawl(server, "ca_pubinfo", sqlite_url)
    assert summary["status"] == "ok" and summary["items"]["bill"] >= 3
    with get_sessionmaker(sqlite_url)() as session:
        ab831 = find_bill(session, "CA", "2025-2026", "AB 831")
        # Introduced, Amended; the Chaptered text equals the Amended one, so is no new version.
        assert [v.note for v in ab831.versions] == ["Introduced", "Amended"]
        assert all(v.text for v in ab831.versions) and ab831.actions

    server.clear()  # unchanged: the listing only
    crawl(server, "ca_pubinfo", sqlite_url)
    assert [p for p, _ in server.log.entries] == ["/pubinfo/"]

    server.clear()  # a new daily archive: that one only
    server.data.pubinfo_files["pubinfo_Mon.zip"] = (
        zip_folder(shared_path("fixtures", "ca_leginfo_pubinfo", "tables")),
        dt.datetime(2026, 11, 23, 4, 12),
    )
    summary = crawl(server, "ca_pubinfo", sqlite_url)
    assert [p for p, _ in server.log.entries] == ["/pubinfo/", "/pubinfo/pubinfo_Mon.zip"]
    assert summary["errors"] == 0


def test_people_and_committees_then_only_changed_files(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = people_data()
    summary = crawl(server, "people", sqlite_url, states=["CA", "NY", "TX", "WA"])
    assert summary["items"] == {"person": 9, "committee": 5}
    with get_sessionmaker(sqlite_url)() as session:
        wahab = session.scalar(select(Person).where(Person.name == "Aisha Wahab"))
        assert wahab.email and wahab.offices
        linked = session.scalar(select(func.count()).where(Membership.person_id.is_not(None)))
        assert linked >= 1
        assert session.scalar(select(func.count()).select_from(Committee)) == 5

    server.clear()
    name = "Al-Stirpe-dff234fa-8563-4028-982e-c0a221d99fd9.yml"
    files = server.data.people_files["ny"]["legislature"]
    files[name] = files[name].replace(b"name: Al Stirpe", b"name: Albert Stirpe")
    summary = crawl(server, "people", sqlite_url, states=["CA", "NY", "TX", "WA"])
    downloads = [p for p, _ in server.log.entries if p.startswith("/people/raw/")]
    assert downloads == [f"/people/raw/ny/legislature/{name}"]
    assert summary["items"] == {"person": 1}
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(Person).where(Person.name == "Albert Stirpe"))
        assert session.scalar(select(func.count()).select_from(Bill)) == 0
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [len(r.stats.get("memory", {}).get("sha", {})) for r in runs] == [0, 14]
