"""`billwatch export`: bills as JSON lines or CSV, filtered by activity, tag, stance, hearing."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from billwatch.cli.common import err_console, fail, open_database, parse_day
from billwatch.cli.states import state_code
from billwatch.console import strip_control
from billwatch.db.exports import ExportFilter, iter_export, stances
from billwatch.db.openstates_csv import write_openstates_csv
from billwatch.db.queries import bill_to_dict
from billwatch.taxonomy import TAGS

CSV_FIELDS = [
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "status",
    "stage",
    "stance",
    "last_action_date",
    "versions",
    "actions",
    "sponsors",
    "events",
    "votes",
    "tags",
]
STANCES = ("ALERT", "TRACK", "mixed", "none")


class ExportFormat(StrEnum):
    """Export file formats."""

    jsonl = "jsonl"
    csv = "csv"
    openstates_csv = "openstates-csv"


def export(
    format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv."),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    since: str | None = typer.Option(
        None, "--since", help="Legislative activity (action, vote, hearing) on or after."
    ),
    loaded_since: str | None = typer.Option(
        None, "--loaded-since", help="Bills billwatch stored a change to on or after."
    ),
    tag: str | None = typer.Option(None, "--tag", help="Only bills with this tag."),
    stance: str | None = typer.Option(None, "--stance", help="ALERT, TRACK, mixed or none."),
    has_hearing: bool = typer.Option(False, "--has-hearing", help="Only bills on an agenda."),
    bom: bool = typer.Option(False, "--bom", help="Start CSV with a UTF-8 byte-order mark."),
    no_text: bool = typer.Option(False, "--no-text", help="Leave version texts out."),
    directory: Path | None = typer.Argument(
        None, metavar="[DIR]", help="Folder for --format openstates-csv."
    ),
) -> None:
    """Write one object per bill (versions, actions, sponsors, events, votes, tags) to stdout."""
    if tag and tag not in TAGS:
        fail(f"--tag {tag!r} is not a tag; one of {', '.join(TAGS)}")
    if stance and stance not in STANCES:
        fail(f"--stance {stance!r} is not one of {', '.join(STANCES)}")
    if bom and format is ExportFormat.jsonl:
        fail("--bom is for --format csv or openstates-csv")
    if (format is ExportFormat.openstates_csv) != (directory is not None):
        fail("--format openstates-csv writes to a DIR, and only it takes one")
    wanted = ExportFilter(
        state=state_code(state) if state else None,
        since=parse_day(since, "--since"),
        loaded_since=parse_day(loaded_since, "--loaded-since"),
        tag=tag,
        stance=stance,
        has_hearing=has_hearing,
    )
    factory = open_database()
    if format is ExportFormat.openstates_csv:
        assert directory is not None
        with factory() as session:
            files = write_openstates_csv(session, wanted, directory, bom)
        err_console.print(f"{len(files)} file(s) written under {directory}")
        return
    with factory() as session:
        rows = _rows(session, iter_export(session, wanted), not no_text)
        if format is ExportFormat.jsonl:
            write_jsonl(rows)
        else:
            write_csv(rows, bom)


def _rows(session: Any, bills: Iterable[Any], with_text: bool) -> Iterable[dict[str, Any]]:
    for bill in bills:
        row = bill_to_dict(session, bill, with_text=with_text)
        row["stance"] = stances(session, [bill.id]).get(bill.id)
        yield row


def terminal_filter() -> Callable[[str], str]:
    """strip_control when standard output is a terminal (data could move the cursor or link)."""
    # A file or pipe gets the data unchanged: export is also a backup format.
    return strip_control if sys.stdout.isatty() else str


def write_jsonl(rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object a line on standard output."""
    clean = terminal_filter()
    for row in rows:
        sys.stdout.write(clean(json.dumps(row, ensure_ascii=False)) + "\n")


def write_csv(rows: Iterable[dict[str, Any]], bom: bool = False) -> None:
    """CSV with a header (even with no rows); lists and objects as JSON in their cells."""
    if bom:
        sys.stdout.write("\ufeff")  # so spreadsheet programs read UTF-8 ("§") as UTF-8
    clean = terminal_filter()
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: clean(json.dumps(v, ensure_ascii=False))
                if isinstance(v, list | dict)
                else clean(v)
                if isinstance(v, str)
                else v
                for k, v in row.items()
            }
        )


def register(app: typer.Typer) -> None:
    """Add `export`."""
    app.command("export")(export)
