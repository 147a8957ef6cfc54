"""`billwatch export`: activity, load time, tag, stance and hearing filters; CSV with a BOM."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import Bill, VersionClassification
from billwatch.db.store import upsert_event
from billwatch.ingest.sources import run_ingest
from billwatch.records import AgendaItemRecord, EventRecord
from tests.conftest import ROOT

DEMO = ROOT / "billwatch" / "demo" / "sample"


@pytest.fixture
def demo(Session):
    run_ingest(Session, "legiscan", [DEMO / "legiscan" / "CA"])
    with Session.begin() as s:
        bill = s.scalar(select(Bill).where(Bill.identifier == "AB 1750"))
        s.add(
            VersionClassification(
                version_id=bill.versions[-1].id, classifier_version="t", stance="ALERT"
            )
        )
    return Session


def identifiers(*args: str) -> list[str]:
    result = CliRunner().invoke(app, ["export", "--no-text", *args])
    assert result.exit_code == 0, result.output
    return sorted(json.loads(line)["identifier"] for line in result.stdout.splitlines())


def test_since_means_legislative_activity_not_loading(demo):
    everything = identifiers("--state", "CA")
    assert everything == ["AB 1750", "SB 1184"]
    assert identifiers("--since", "2000-01-01") == everything
    assert identifiers("--since", "2099-01-01") == []  # loaded today, but no activity then
    assert identifiers("--loaded-since", "2000-01-01") == everything
    assert identifiers("--loaded-since", "2099-01-01") == []


def test_stance_filter_and_column(demo):
    assert identifiers("--stance", "ALERT") == ["AB 1750"]
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--bom", "--no-text"])
    assert result.stdout.startswith(
        "\ufeffjurisdiction,session,identifier,title,status,stage,stance"
    )
    assert ",ALERT," in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "California"], "use CA for California"),
        (["--state", "ZZ"], "is not a state code"),
        (["--tag", "nonsense"], "is not a tag"),
        (["--stance", "alert"], "is not one of ALERT"),
        (["--bom"], "--bom is for --format csv"),
    ],
)
def test_bad_options_are_errors(sqlite_url, args, message):
    result = CliRunner().invoke(app, ["export", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_has_hearing_and_tag_filters_narrow(demo):
    assert identifiers("--has-hearing") == []
    with demo.begin() as s:
        upsert_event(
            s,
            EventRecord(
                jurisdiction="CA",
                source_key="h1",
                name="Public Safety",
                start_time=dt.datetime(2030, 1, 8, 17, tzinfo=dt.UTC),
                agenda=[AgendaItemRecord(bill_identifier="SB 1184", session="2025-2026")],
            ),
        )
    assert identifiers("--has-hearing") == ["SB 1184"]
    assert identifiers("--since", "2030-01-01") == ["SB 1184"]  # a hearing is activity
    assert identifiers("--tag", "penalty_increase") == []  # nothing tagged yet


def test_jsonl_carries_ocd_ids_and_open_states_sponsor_fields(demo):
    run_ingest(demo, "people", [DEMO / "people" / "ca"])
    result = CliRunner().invoke(app, ["export", "--no-text", "--state", "CA"])
    bill = json.loads(result.stdout.splitlines()[0])
    assert bill["jurisdiction_id"] == "ocd-jurisdiction/country:us/state:ca/government"
    [sponsor] = [s for s in bill["sponsors"] if s["primary"]]
    assert sponsor["classification"] == "primary"
    assert sponsor["person_id"].startswith("ocd-person/")


def test_openstates_csv_writes_the_bulk_layout_per_session(demo, tmp_path):
    run_ingest(demo, "legiscan", [ROOT / "tests" / "files" / "votes" / "legiscan"])
    result = CliRunner().invoke(
        app, ["export", "--format", "openstates-csv", "--bom", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "ca" / "2025-2026"
    names = sorted(p.name for p in folder.iterdir())
    assert "CA_2025-2026_bills.csv" in names and "CA_2025-2026_vote_people.csv" in names
    bills = (folder / "CA_2025-2026_bills.csv").read_text("utf-8")
    assert bills.startswith("\ufeffid,identifier,title")
    assert bills.count("ocd-bill/") == 2
    people = (folder / "CA_2025-2026_vote_people.csv").read_text("utf-8-sig").splitlines()
    assert people[0] == "vote_event_id,option,voter_name,voter_id"
    assert len(people) == 5  # header and the four votes of the two roll calls
    again = CliRunner().invoke(app, ["export", "--format", "openstates-csv", str(tmp_path)])
    assert again.exit_code == 0
    assert (folder / "CA_2025-2026_bills.csv").read_text("utf-8").count("ocd-bill/") == 2


def test_openstates_csv_needs_a_folder(sqlite_url):
    result = CliRunner().invoke(app, ["export", "--format", "openstates-csv"])
    assert result.exit_code == 2
    assert "writes to a DIR" in result.stderr
