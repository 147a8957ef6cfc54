"""Export, show and search over stored bills, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import Tag, VersionClassification
from billwatch.db.queries import fts5_query, search
from billwatch.db.store import upsert_bill
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord

runner = CliRunner()


def bill(state: str, ident: str, title: str, body: str, day: int = 1) -> BillRecord:
    return BillRecord(
        jurisdiction=state,
        session="2025-2026",
        identifier=ident,
        title=title,
        versions=[
            VersionRecord(
                note="Introduced", date=dt.date(2025, 2, day), text=body, inserted=[(0, 10)]
            )
        ],
        actions=[
            ActionRecord(
                date=dt.date(2025, 2, day), description="Introduced.", organization="lower"
            )
        ],
        sponsors=[
            SponsorRecord(name="Okafor"),
            SponsorRecord(name="Lee", classification="cosponsor"),
        ],
    )


@pytest.fixture
def stored(Session):
    with Session.begin() as s:
        upsert_bill(
            s,
            bill(
                "CA",
                "AB 12",
                "Vacatur of convictions for trafficking survivors",
                "SECTION 1. A court shall vacate a conviction for prostitution.",
            ),
        )
        upsert_bill(
            s,
            bill(
                "NY",
                "S 400",
                "Loitering offenses",
                "Section 1. Loitering for the purpose of prostitution is a felony.",
            ),
        )
        change = upsert_bill(
            s,
            bill(
                "CA",
                "SB 7",
                "Farm labor contractors",
                "SECTION 1. A farm labor contractor shall pay wages weekly.",
            ),
        )
        vid = change.new_versions[0]
        s.add(VersionClassification(version_id=vid, classifier_version="t1", stance="TRACK"))
        s.add(
            Tag(
                version_id=vid,
                section_index=0,
                section_label="SECTION 1",
                tag="worker_protections",
                score=0.9,
                evidence="A farm labor contractor shall pay wages weekly.",
                evidence_start=11,
                evidence_end=59,
                classifier_version="t1",
            )
        )
    return Session


def test_search_ranks_text_and_titles(stored):
    with stored() as s:
        hits = search(s, "prostitution")
        assert {h.identifier for h in hits} == {"AB 12", "S 400"}
        assert all("prostitution" in h.snippet.lower() for h in hits)
        assert [h.identifier for h in search(s, "vacatur survivors")] == ["AB 12"]
        assert [h.identifier for h in search(s, "prostitution", state="NY")] == ["S 400"]
        assert search(s, "zebra") == []


def test_fts_query_quotes_every_word():
    assert fts5_query('"felony" OR near') == '("felony" OR "near")'
    assert fts5_query("   ") == ""


def test_search_command(stored):
    result = runner.invoke(app, ["search", "farm labor", "--state", "ca"])
    assert result.exit_code == 0, result.output
    assert "SB 7" in result.output
    assert runner.invoke(app, ["search", "zebra"]).exit_code == 1


def test_export_jsonl(stored):
    result = runner.invoke(app, ["export", "--format", "jsonl", "--state", "CA"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["identifier"] for r in rows} == {"AB 12", "SB 7"}
    sb7 = next(r for r in rows if r["identifier"] == "SB 7")
    assert sb7["versions"][0]["inserted"] == [[0, 10]]
    assert sb7["versions"][0]["hash"] and sb7["versions"][0]["text"].startswith("SECTION 1.")
    assert sb7["actions"][0]["classification"] == ["introduction"]
    assert {s["kind"] for s in sb7["sponsors"]} == {"primary", "cosponsor"}
    assert sb7["tags"][0]["tag"] == "worker_protections"
    assert sb7["status"] == "introduced"


def test_export_csv_and_since(stored):
    result = runner.invoke(app, ["export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 3 and json.loads(rows[0]["versions"])[0]["note"] == "Introduced"
    future = runner.invoke(app, ["export", "--since", "2999-01-01"])
    assert future.exit_code == 0 and future.output == ""
    bad = runner.invoke(app, ["export", "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_show(stored):
    result = runner.invoke(app, ["show", "sb7", "--state", "CA"])
    assert result.exit_code == 0, result.output
    assert "Farm labor contractors" in result.output and "worker_protections" in result.output
    missing = runner.invoke(app, ["show", "HB 999"])
    assert missing.exit_code == 1 and "no bill" in missing.output


def test_commands_refuse_an_unmigrated_database(tmp_path, monkeypatch):
    from billwatch.settings import get_settings

    monkeypatch.setenv("BILLWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["search", "x"])
    assert result.exit_code == 2 and "billwatch db upgrade" in result.output
    get_settings.cache_clear()


def test_views_show_bills_and_tags(stored):
    from sqlalchemy import text

    with stored() as s:
        rows = s.execute(
            text(
                "SELECT identifier, tags, stance, latest_version_note"
                " FROM bill_overview ORDER BY identifier"
            )
        ).all()
        assert [r[0] for r in rows] == ["AB 12", "S 400", "SB 7"]
        assert rows[2][1:] == ("worker_protections", "TRACK", "Introduced")
        ev = s.execute(text("SELECT tag, tag_group, identifier, evidence FROM tag_evidence")).all()
        assert ev == [
            (
                "worker_protections",
                "TRACK",
                "SB 7",
                "A farm labor contractor shall pay wages weekly.",
            )
        ]
