"""`billwatch ingest ...` end to end on SQLite and PostgreSQL: idempotent, additive, bad input."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import (
    Bill,
    BillAction,
    BillVersion,
    Committee,
    CrawlRun,
    Event,
    Membership,
    Person,
    Sponsorship,
)
from billwatch.db.store import find_bill
from tests.conftest import FILES, ROOT, shared_path

OWN = FILES / "ingest"
SAMPLE = ROOT / "billwatch" / "demo" / "sample"
TABLES = (Bill, BillVersion, BillAction, Sponsorship, Person, Committee, Membership, Event)


def ingest(source, *paths):
    result = CliRunner().invoke(app, ["ingest", source, *map(str, paths)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def counts(factory):
    with factory() as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in TABLES
        }


def last_run(factory):
    with factory() as session:
        return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()


def test_legiscan_twice_changes_nothing_and_newer_adds_only_what_changed(Session):
    first = ingest("legiscan", OWN / "legiscan")
    assert first.exit_code == 0, first.output
    assert "bills created" in first.stdout
    run = last_run(Session)
    assert run.source == "ingest:legiscan" and run.status == "ok"
    assert run.items["bills_created"] == 1 and run.items["versions_added"] == 1
    assert run.items["people"] == 2 and run.items["committees"] == 1
    assert run.states == ["TX"] and run.finished_at is not None
    before = counts(Session)

    again = ingest("legiscan", OWN / "legiscan")
    assert again.exit_code == 0
    run = last_run(Session)
    assert (run.items["bills_created"], run.items["bills_updated"]) == (0, 0)
    assert run.items["versions_added"] == run.items["actions_added"] == 0
    assert counts(Session) == before

    newer = ingest("legiscan", OWN / "legiscan_newer")
    assert newer.exit_code == 0, newer.output
    run = last_run(Session)
    assert (run.items["bills_updated"], run.items["versions_added"]) == (1, 1)
    assert run.items["actions_added"] == 1
    after = counts(Session)
    assert after["bill_versions"] == before["bill_versions"] + 1
    assert after["bill_actions"] == before["bill_actions"] + 1
    with Session() as session:
        bill = find_bill(session, "TX", "2027", "HB 48")
        assert bill.stage == "passed committee"
        assert sorted(v.note for v in bill.versions) == ["Amended", "Introduced"]
        assert all(v.text for v in bill.versions)  # the placeholders were filled
        amended = [v for v in bill.versions if v.note == "Amended"][0]
        assert amended.struck and amended.inserted
        linked = {s.name: s.person_id for s in bill.sponsorships}
        assert all(linked.values())  # sponsors joined to their people


@pytest.mark.parametrize(
    ("source", "path", "bills"),
    [
        ("ca_pubinfo", OWN / "ca_pubinfo", 1),
        ("ny_openleg", OWN / "ny_openleg", 1),
        ("congress", OWN / "congress", 1),
        ("people", OWN / "people", 0),
    ],
)
def test_each_source_is_idempotent(Session, source, path, bills):
    first = ingest(source, path)
    assert first.exit_code == 0, first.output
    assert last_run(Session).items["bills_created"] == bills
    before = counts(Session)
    second = ingest(source, path)
    assert second.exit_code == 0
    items = last_run(Session).items
    assert (items["bills_created"], items["bills_updated"], items["versions_added"]) == (0, 0, 0)
    assert counts(Session) == before


def test_classic_bill_text_creates_its_bill(Session):
    assert ingest("congress", OWN / "congress_classic").exit_code == 0
    with Session() as session:
        bill = find_bill(session, "US", "119", "HR 5120")
        assert bill.title == "Survivor Housing Stability Act"
        assert [v.source_key for v in bill.versions] == ["BILLS-119hr5120ih"]


def test_congress_text_fills_the_version_billstatus_listed(Session):
    assert ingest("congress", OWN / "congress").exit_code == 0
    with Session() as session:
        bill = find_bill(session, "US", "119", "HR 4410")
        by_key = {v.source_key: v for v in bill.versions}
        assert set(by_key) == {"BILLS-119hr4410ih", "BILLS-119hr4410rh"}
        assert by_key["BILLS-119hr4410rh"].text and by_key["BILLS-119hr4410rh"].struck
        assert by_key["BILLS-119hr4410ih"].text == ""  # still only a link


def test_real_recordings_ingest(Session, tmp_path):
    legiscan = shared_path("fixtures", "legiscan", "dataset_json")
    for source, path in [
        ("people", shared_path("fixtures", "openstates_people")),
        ("legiscan", legiscan / "bill"),
        ("legiscan", legiscan / "people"),
        ("ca_pubinfo", shared_path("fixtures", "ca_leginfo_pubinfo")),
        ("ny_openleg", shared_path("fixtures", "ny_openleg", "api_v3")),
        ("congress", shared_path("fixtures", "us_congress", "govinfo_billstatus")),
        ("congress", shared_path("fixtures", "us_congress", "govinfo_uslm_bills")),
    ]:
        result = ingest(source, path)
        assert result.exit_code == 0, (source, result.output)
    # The CA text 105736 belongs to LegiScan bill 212667: store that bill, then the text.
    bill = {
        "bill": {
            "bill_id": 212667,
            "state": "CA",
            "bill_number": "AB50",
            "session": {"year_start": 2011, "year_end": 2012, "special": 0},
            "title": "Income taxes: San Bruno gas explosion.",
            "texts": [
                {
                    "doc_id": 105736,
                    "date": "2011-02-03",
                    "type": "Amended",
                    "mime": "text/html",
                    "url": "https://legiscan.com/CA/text/AB50/id/105736",
                }
            ],
        }
    }
    (tmp_path / "AB50.json").write_text(json.dumps(bill))
    assert ingest("legiscan", tmp_path / "AB50.json").exit_code == 0
    assert ingest("legiscan", legiscan / "text" / "105736.json").exit_code == 0
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 12
        ab50 = find_bill(session, "CA", "2011-2012", "AB 50")
        [version] = ab50.versions
        assert version.url.endswith("/105736") and "San Bruno" in version.text and version.struck
        weber = session.scalars(select(Person).where(Person.name == "Akilah Weber Pierson")).one()
        assert (weber.chamber, weber.district) == ("upper", "39")
        committee = session.scalars(
            select(Committee).where(Committee.chamber == "upper", Committee.name == "Public Safety")
        ).one()
        assert len(committee.memberships) == 6


def test_bad_files_are_reported_and_the_rest_ingested(Session, tmp_path):
    assert ingest("legiscan", OWN / "legiscan").exit_code == 0
    before = counts(Session)
    bad = tmp_path / "dataset"
    shutil.copytree(OWN / "legiscan_api", bad / "api")
    (bad / "malformed.json").write_text('{"bill": {"bill_id": 5, ')
    (bad / "empty.json").write_text("")
    (bad / "unknown.json").write_text('{"hello": "world"}')
    (bad / "missing.json").write_text(
        json.dumps(
            {
                "bill": {
                    "bill_id": 6,
                    "state": "TX",
                    "session": {"year_start": 2027, "year_end": 2027},
                }
            }
        )
    )
    result = ingest("legiscan", bad)
    assert result.exit_code == 1
    errors = result.stderr
    assert f"{bad / 'malformed.json'}: malformed JSON" in errors
    assert f"{bad / 'empty.json'}: empty file" in errors
    assert f"{bad / 'unknown.json'}: unknown format" in errors
    assert f"{bad / 'missing.json'}: bill has no 'bill_number'" in errors
    run = last_run(Session)
    assert run.status == "unhealthy" and run.errors == 4 and len(run.error_samples) == 4
    after = counts(Session)
    assert after["bills"] == before["bills"] + 1  # the WA bill in the same folder
    assert after["bill_actions"] == before["bill_actions"] + 4
    with Session() as session:
        assert len(find_bill(session, "TX", "2027", "HB 48").actions) == 3  # earlier data intact


def test_bad_people_files_are_reported(Session, tmp_path):
    shutil.copytree(OWN / "people", tmp_path / "data")
    legislature = tmp_path / "data" / "mn" / "legislature"
    (legislature / "Broken-Yaml.yml").write_text("id: ocd-person/x\nname: [unclosed\n")
    (legislature / "Empty.yml").write_text("")
    (legislature / "No-Roles.yml").write_text("id: ocd-person/y\nname: No Roles\nroles: []\n")
    result = ingest("people", tmp_path / "data")
    assert result.exit_code == 1
    assert f"{legislature / 'Broken-Yaml.yml'}: malformed YAML" in result.stderr
    assert f"{legislature / 'Empty.yml'}: empty file" in result.stderr
    assert f"{legislature / 'No-Roles.yml'}: person ocd-person/y has no valid role" in result.stderr
    after = counts(Session)
    assert (after["people"], after["committees"], after["memberships"]) == (2, 1, 2)
    with Session() as session:
        vik = session.scalars(select(Person).where(Person.name == "Hanna Vik")).one()
        assert vik.memberships[0].role == "chair"


def test_truncated_xml_is_reported(Session, tmp_path):
    xml = (OWN / "congress" / "BILLSTATUS-119hr4410.xml").read_bytes()
    (tmp_path / "BILLSTATUS-119hr4410.xml").write_bytes(xml[:700])
    (tmp_path / "BILLS-119hr4410rh.xml").write_bytes(
        (OWN / "congress" / "BILLS-119hr4410rh.xml").read_bytes()
    )
    result = ingest("congress", tmp_path)
    assert result.exit_code == 1
    assert f"{tmp_path / 'BILLSTATUS-119hr4410.xml'}: malformed BILLSTATUS XML" in result.stderr
    assert counts(Session)["bills"] == 1  # the USLM text made its bill


def test_unknown_formats_are_reported(Session, tmp_path):
    (tmp_path / "page.xml").write_text("<html><body>Not a bill</body></html>")
    result = ingest("congress", tmp_path / "page.xml")
    assert result.exit_code == 1
    assert "page.xml: unknown format: neither BILLSTATUS nor USLM or bill.dtd" in result.stderr
    result = ingest("ny_openleg", OWN / "legiscan_api" / "getBill_WA_SB5113.json")
    assert result.exit_code == 1
    assert "getBill_WA_SB5113.json: unknown format: not an Open Legislation" in result.stderr
    assert counts(Session)["bills"] == 0


def test_unknown_pubinfo_layout_and_missing_path(Session, tmp_path):
    (tmp_path / "notes.txt").write_text("not pubinfo")
    result = ingest("ca_pubinfo", tmp_path)
    assert result.exit_code == 1 and "no BILL_TBL.dat" in result.stderr
    result = ingest("people", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in result.stderr


def test_several_paths_in_one_run_text_named_before_its_bill(Session, tmp_path):
    dataset = OWN / "legiscan_newer" / "TX" / "2027_90th_Legislature_Regular_Session"
    result = ingest(
        "legiscan",
        dataset / "text" / "500002.json",
        dataset / "bill" / "HB48.json",
        tmp_path / "missing.json",
    )
    assert result.exit_code == 1  # only the missing path failed
    assert f"{tmp_path / 'missing.json'}: no such file or folder" in result.stderr
    run = last_run(Session)
    assert (run.items["files"], run.items["bills_created"], run.items["errors"]) == (2, 1, 1)
    with Session() as session:
        bill = find_bill(session, "TX", "2027", "HB 48")
        assert {v.source_key: bool(v.text) for v in bill.versions} == {
            "500001": False,
            "500002": True,
        }


def test_older_xml_dataset_with_state_from_its_folder(Session, tmp_path):
    real = shared_path("fixtures", "legiscan", "dataset_xml_ms")
    dataset = tmp_path / "MS" / "2011_First_Extraordinary_Session"
    for folder, name in [
        ("bill", "bill_HB1.xml"),
        ("people", "people_11160.xml"),
        ("vote", "vote_174469.xml"),
    ]:
        (dataset / folder).mkdir(parents=True)
        (dataset / folder / name).write_bytes((real / name).read_bytes())
    result = ingest("legiscan", tmp_path, OWN / "legiscan_xml")
    assert result.exit_code == 0, result.output
    with Session() as session:
        assert find_bill(session, "MS", "2011-S1", "HB 1").status == "failed"
        assert find_bill(session, "LA", "2024-S2", "HB 12") is not None
        person = session.scalars(select(Person)).one()
        assert (person.name, person.jurisdiction.code) == ("Nancy Adams Collins", "MS")


def test_pubinfo_zip(Session, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "pubinfo_2026"), "zip", OWN / "ca_pubinfo")
    result = ingest("ca_pubinfo", archive)
    assert result.exit_code == 0, result.output
    assert counts(Session)["bill_versions"] == 2


def test_legiscan_dataset_zip(Session, tmp_path):
    shutil.copytree(OWN / "legiscan", tmp_path / "dataset")
    (tmp_path / "dataset" / "__MACOSX").mkdir()
    (tmp_path / "dataset" / "__MACOSX" / "._HB48.json").write_bytes(b"\x00\x05\x16\x07")
    archive = shutil.make_archive(str(tmp_path / "TX_2027"), "zip", tmp_path / "dataset")
    result = ingest("legiscan", archive)
    assert result.exit_code == 0, result.output
    assert (counts(Session)["bills"], counts(Session)["bill_versions"]) == (1, 1)


def test_sample_bundle_ingests_whole(Session):
    for source, folder in [
        ("people", "people"),
        ("legiscan", "legiscan"),
        ("ny_openleg", "ny_openleg"),
    ]:
        result = ingest(source, SAMPLE / folder)
        assert result.exit_code == 0, (source, result.output)
    before = counts(Session)
    assert before["bills"] == 5 and before["events"] == 3
    with Session() as session:
        states = sorted(session.scalars(select(Bill.identifier)))
        assert states == ["AB 1750", "HB 611", "S 8123", "SB 1184", "SB 290"]
        december = session.scalars(select(Event).order_by(Event.start_time)).all()
        assert all(e.start_time.year == 2026 and e.start_time.month == 12 for e in december)
        assert all(e.agenda and e.agenda[0].bill_id for e in december)
        assert all(e.committee_id for e in december)  # joined to the YAML committees
        assert (
            session.scalar(
                select(func.count()).select_from(BillVersion).where(BillVersion.text == "")
            )
            == 0
        )
        hb611 = find_bill(session, "OH", "2025-2026", "HB 611")
        assert any("felony" in v.text[s:e] for v in hb611.versions for s, e in v.inserted)
    with Session() as session:
        stamps = dict(session.execute(select(Event.source_key, Event.updated_at)).all())
    for source, folder in [
        ("people", "people"),
        ("legiscan", "legiscan"),
        ("ny_openleg", "ny_openleg"),
    ]:
        assert ingest(source, SAMPLE / folder).exit_code == 0
    assert counts(Session) == before
    with Session() as session:  # the same hearings again are not news
        assert dict(session.execute(select(Event.source_key, Event.updated_at)).all()) == stamps
        hearing = session.scalars(
            select(Event).where(Event.name == "Codes committee meeting")
        ).one()
        start = hearing.start_time.replace(tzinfo=hearing.start_time.tzinfo or dt.UTC)
        assert start == dt.datetime(2026, 12, 8, 16, 0, tzinfo=dt.UTC)  # 11:00 in Albany


def test_out_of_date_schema_is_refused(tmp_path, monkeypatch):
    from billwatch.settings import get_settings

    monkeypatch.setenv("BILLWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = ingest("people", OWN / "people")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "billwatch db upgrade" in result.stderr
