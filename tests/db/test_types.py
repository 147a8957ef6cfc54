"""One UTC column type: aware values back on both dialects, local times with their zone."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import select
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import Event
from billwatch.db.store import upsert_bill, upsert_event
from billwatch.db.types import local_time, show_time
from billwatch.records import AgendaItemRecord, BillRecord, EventRecord

PST = ZoneInfo("America/Los_Angeles")


def add_hearing(Session) -> None:  # noqa: N803 - the sessionmaker fixture
    with Session.begin() as s:
        upsert_bill(s, BillRecord(jurisdiction="CA", session="2025-2026", identifier="AB 9"))
        upsert_event(
            s,
            EventRecord(
                jurisdiction="CA",
                source_key="h1",
                name="Public Safety",
                start_time=dt.datetime(2026, 12, 9, 9, 0, tzinfo=PST),
                agenda=[AgendaItemRecord(bill_identifier="AB 9", session="2025-2026")],
            ),
        )


def test_times_read_back_aware_in_utc(Session):
    add_hearing(Session)
    with Session() as s:
        start = s.scalar(select(Event.start_time))
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(0)
    assert start == dt.datetime(2026, 12, 9, 17, 0, tzinfo=dt.UTC)


def test_export_is_the_same_iso_text_on_every_dialect(Session):
    add_hearing(Session)
    result = CliRunner().invoke(app, ["export", "--state", "CA"])
    assert result.exit_code == 0, result.output
    bill = json.loads(result.stdout.splitlines()[0])
    assert bill["events"][0]["start_time"] == "2026-12-09T17:00:00+00:00"
    assert bill["first_seen"].endswith("+00:00")


def test_show_prints_the_hearing_in_the_states_own_time(Session):
    add_hearing(Session)
    result = CliRunner().invoke(app, ["show", "AB 9", "--state", "CA"])
    assert result.exit_code == 0, result.output
    assert "hearing: 2026-12-09 09:00 PST Public Safety" in result.stdout


def test_local_time_uses_each_legislatures_zone():
    moment = dt.datetime(2026, 7, 1, 16, 0, tzinfo=dt.UTC)
    assert show_time(moment, "NY") == "2026-07-01 12:00 EDT"
    assert show_time(moment, "CA") == "2026-07-01 09:00 PDT"
    assert local_time(moment, "US").utcoffset() == dt.timedelta(hours=-4)
