"""`billwatch scorecard`: each legislator's votes on the coalition's ALERT and TRACK bills."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from billwatch.cli.common import console, fail, open_database
from billwatch.cli.states import state_code
from billwatch.db.models import Jurisdiction
from billwatch.db.votes import ScoreRow, scorecard

FIELDS = [
    "name",
    "chamber",
    "district",
    "party",
    "alert_votes",
    "track_votes",
    "with_coalition",
    "against_coalition",
    "share",
    "bills",
]


class ScoreFormat(StrEnum):
    """Scorecard output formats."""

    table = "table"
    csv = "csv"


def score(
    state: str = typer.Option(..., "--state", help="Two-letter state code, e.g. CA."),
    session_id: str | None = typer.Option(None, "--session", help="Session identifier."),
    format: ScoreFormat = typer.Option(ScoreFormat.table, "--format", help="table or csv."),
) -> None:
    """Each legislator's votes on ALERT and TRACK bills and the share cast with the coalition."""
    code = state_code(state)
    factory = open_database()
    with factory() as session:
        jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        if jurisdiction is None:
            fail(f"nothing stored for {code}", 1)
        rows = scorecard(session, jurisdiction, session_id)
    if format is ScoreFormat.csv:
        write_csv(rows)
        return
    if not rows:
        console.print(f"no votes on classified ALERT or TRACK bills in {code}")
        return
    table = Table(title=f"{code} scorecard" + (f" {session_id}" if session_id else ""))
    for name in ("legislator", "chamber", "district", "ALERT", "TRACK", "with us", "share"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            escape(row.name),
            row.chamber or "",
            escape(row.district or ""),
            str(row.alert_votes),
            str(row.track_votes),
            f"{row.with_coalition}/{row.with_coalition + row.against_coalition}",
            "-" if row.share is None else f"{row.share:.0%}",
        )
    console.print(table)


def write_csv(rows: list[ScoreRow]) -> None:
    """The scorecard as CSV on standard output (share empty when no yes/no passage vote)."""
    writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                "name": row.name,
                "chamber": row.chamber,
                "district": row.district,
                "party": row.party,
                "alert_votes": row.alert_votes,
                "track_votes": row.track_votes,
                "with_coalition": row.with_coalition,
                "against_coalition": row.against_coalition,
                "share": "" if row.share is None else row.share,
                "bills": "; ".join(row.bills),
            }
        )


def register(app: typer.Typer) -> None:
    """Add `scorecard`."""
    app.command("scorecard")(score)
