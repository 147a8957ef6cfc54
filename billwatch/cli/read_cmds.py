"""`billwatch export`, `show` and `search`: reading the data."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from billwatch.cli.common import console, fail, open_database, parse_day
from billwatch.db.queries import SearchHit, bill_to_dict, find_bills, iter_bills
from billwatch.db.queries import search as search_bills

CSV_FIELDS = [
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "status",
    "stage",
    "last_action_date",
    "versions",
    "actions",
    "sponsors",
    "events",
    "tags",
]


class ExportFormat(StrEnum):
    """Export file formats."""

    jsonl = "jsonl"
    csv = "csv"


def export(
    format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv."),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    since: str | None = typer.Option(None, "--since", help="Bills changed on or after."),
    no_text: bool = typer.Option(False, "--no-text", help="Leave version texts out."),
) -> None:
    """Write one object per bill (versions, actions, sponsors, events, tags) to stdout."""
    since_date = parse_day(since, "--since")
    factory = open_database()
    with factory() as session:
        rows = (
            bill_to_dict(session, bill, with_text=not no_text)
            for bill in iter_bills(session, state=state, since=since_date)
        )
        if format is ExportFormat.jsonl:
            write_jsonl(rows)
        else:
            write_csv(rows)


def show(
    identifier: str = typer.Argument(..., help="Bill identifier, e.g. 'AB 831' or HB1."),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    session_id: str | None = typer.Option(None, "--session", help="Session identifier."),
) -> None:
    """Print a readable summary of one bill."""
    factory = open_database()
    with factory() as session:
        bills = find_bills(session, identifier, state=state, session_id=session_id)
        if not bills:
            fail(f"no bill {identifier!r}" + (f" in {state.upper()}" if state else ""), 1)
        places = {(b.jurisdiction.code, b.session.identifier) for b in bills}
        if len(places) > 1 and not (state and session_id):
            where = ", ".join(f"{b.jurisdiction.code} {b.session.identifier}" for b in bills)
            console.print(
                f"[yellow]{len(bills)} bills match ({where}); showing the first."
                " Use --state and --session to choose."
            )
        print_bill(bill_to_dict(session, bills[0], with_text=False))


def search(
    query: str = typer.Argument(..., help="Words to search for."),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Most results."),
) -> None:
    """Ranked full-text search over bill titles and texts."""
    factory = open_database()
    with factory() as session:
        hits = search_bills(session, query, state=state.upper() if state else None, limit=limit)
    if not hits:
        console.print(f"no bills match {query!r}")
        raise typer.Exit(1)
    console.print(hits_table(hits))


def write_jsonl(rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object a line on standard output."""
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(rows: Iterable[dict[str, Any]]) -> None:
    """CSV with a header (even with no rows); lists and objects as JSON in their cells."""
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                for k, v in row.items()
            }
        )


def hits_table(hits: list[SearchHit]) -> Table:
    """Search results, best first, with the passage that matched."""
    table = Table("#", "bill", "title", "status", "score", "passage", show_lines=True)
    for rank, hit in enumerate(hits, 1):
        table.add_row(
            str(rank),
            f"{hit.jurisdiction} {hit.session} {hit.identifier}",
            hit.title[:120],
            hit.status or "",
            f"{hit.score:.3f}",
            hit.snippet,
        )
    return table


def print_bill(bill: dict[str, Any]) -> None:
    """Render one exported bill object for a person."""
    head = (
        f"[bold]{bill['jurisdiction']} {bill['identifier']}[/] ({bill['session']})\n"
        f"{bill['title']}\n\nstatus: {bill['status'] or 'unknown'}"
        f"   last action: {bill['last_action_date'] or '-'}"
    )
    console.print(Panel(head, expand=False))
    if bill["sponsors"]:
        console.print(
            "sponsors: " + "; ".join(f"{s['name']} ({s['kind']})" for s in bill["sponsors"])
        )
    versions = Table("version", "date", "inserted", "struck", "hash", title="Versions")
    for v in bill["versions"]:
        versions.add_row(
            v["note"],
            v["date"] or "",
            str(len(v["inserted"])),
            str(len(v["struck"])),
            v["hash"][:12],
        )
    console.print(versions)
    actions = Table("date", "chamber", "action", "classification", title="Latest actions")
    for a in bill["actions"][-10:]:
        actions.add_row(
            a["date"], a["organization"] or "", a["description"], ", ".join(a["classification"])
        )
    console.print(actions)
    for event in bill["events"]:
        console.print(
            f"hearing: {event['start_time']} {event['committee'] or event['name']}"
            f" at {event['location'] or '-'} ({event['status']})"
        )
    for vote in bill.get("votes") or []:
        counts = ", ".join(f"{c['option']} {c['value']}" for c in vote["counts"])
        console.print(
            f"vote: {vote['start_date']} {escape(vote['motion_text'])}: {vote['result']}"
            f" ({counts})",
            highlight=False,
        )
    if bill["tags"]:
        tags = Table("tag", "score", "version", "evidence", title="Tags", show_lines=True)
        for t in bill["tags"]:
            tags.add_row(t["tag"], f"{t['score']:.2f}", t["version"], t["evidence"][:300])
        console.print(tags)
    else:
        console.print("tags: none yet (run `billwatch classify`)")


def register(app: typer.Typer) -> None:
    """Add `export`, `show` and `search`."""
    app.command("export")(export)
    app.command("show")(show)
    app.command("search")(search)
