"""`billwatch export`, `show` and `search`: reading the data."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table

from billwatch.cli.common import console, fail, fail_safe, open_database, parse_day
from billwatch.console import safe, strip_control
from billwatch.db.queries import SearchHit, bill_to_dict, find_bills, iter_bills
from billwatch.db.queries import search as search_bills

# A query longer than this is refused, not run: 10,000 words took over a minute (#11).
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
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
            where = f" in {state.upper()}" if state else ""
            fail_safe(f"no bill {identifier!r}{where}", 1)
        places = {(b.jurisdiction.code, b.session.identifier) for b in bills}
        if len(places) > 1 and not (state and session_id):
            where = ", ".join(f"{b.jurisdiction.code} {b.session.identifier}" for b in bills)
            console.print(
                f"[yellow]{len(bills)} bills match ({safe(where)}); showing the first."
                " Use --state and --session to choose."
            )
        print_bill(bill_to_dict(session, bills[0], with_text=False))


def search(
    query: str = typer.Argument(..., help="Words to search for."),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Most results."),
) -> None:
    """Ranked full-text search over bill titles and texts."""
    check_query(query)
    factory = open_database()
    with factory() as session:
        hits = search_bills(session, query, state=state.upper() if state else None, limit=limit)
    if not hits:
        console.print(f"no bills match {safe(repr(query))}")
        raise typer.Exit(1)
    console.print(hits_table(hits))


def check_query(query: str) -> None:
    """Exit 2 with a clear message for a query too long or with too many words to run quickly."""
    terms = len(query.split())
    if len(query) > MAX_QUERY_CHARS or terms > MAX_QUERY_TERMS:
        fail(
            f"the query is too long ({len(query)} characters, {terms} words): search takes at"
            f" most {MAX_QUERY_CHARS} characters and {MAX_QUERY_TERMS} words"
        )


def write_jsonl(rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object a line on standard output."""
    clean = terminal_filter()
    for row in rows:
        sys.stdout.write(clean(json.dumps(row, ensure_ascii=False)) + "\n")


def write_csv(rows: Iterable[dict[str, Any]]) -> None:
    """CSV with a header (even with no rows); lists and objects as JSON in their cells."""
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


def terminal_filter() -> Callable[[str], str]:
    """strip_control when standard output is a terminal (data could move the cursor or link)."""
    # A file or pipe gets the data unchanged: export is also a backup format.
    return strip_control if sys.stdout.isatty() else str


def hits_table(hits: list[SearchHit]) -> Table:
    """Search results, best first, with the passage that matched."""
    table = Table("#", "bill", "title", "status", "score", "passage", show_lines=True)
    for rank, hit in enumerate(hits, 1):
        table.add_row(
            str(rank),
            safe(f"{hit.jurisdiction} {hit.session} {hit.identifier}"),
            safe(hit.title[:120]),
            safe(hit.status or ""),
            f"{hit.score:.3f}",
            safe(hit.snippet),
        )
    return table


def print_bill(bill: dict[str, Any]) -> None:
    """Render one exported bill object for a person; every stored value is printed literally."""
    head = (
        f"[bold]{safe(bill['jurisdiction'])} {safe(bill['identifier'])}[/]"
        f" ({safe(bill['session'])})\n"
        f"{safe(bill['title'])}\n\nstatus: {safe(bill['status'] or 'unknown')}"
        f"   last action: {safe(bill['last_action_date'] or '-')}"
    )
    console.print(Panel(head, expand=False))
    if bill["sponsors"]:
        names = "; ".join(f"{s['name']} ({s['kind']})" for s in bill["sponsors"])
        console.print("sponsors: " + safe(names))
    versions = Table("version", "date", "inserted", "struck", "hash", title="Versions")
    for v in bill["versions"]:
        versions.add_row(
            safe(v["note"]),
            safe(v["date"] or ""),
            str(len(v["inserted"])),
            str(len(v["struck"])),
            safe(v["hash"][:12]),
        )
    console.print(versions)
    actions = Table("date", "chamber", "action", "classification", title="Latest actions")
    for a in bill["actions"][-10:]:
        actions.add_row(
            *(safe(c) for c in (a["date"], a["organization"] or "", a["description"])),
            safe(", ".join(a["classification"])),
        )
    console.print(actions)
    for event in bill["events"]:
        console.print(
            safe(
                f"hearing: {event['start_time']} {event['committee'] or event['name']}"
                f" at {event['location'] or '-'} ({event['status']})"
            )
        )
    if bill["tags"]:
        tags = Table("tag", "score", "version", "evidence", title="Tags", show_lines=True)
        for t in bill["tags"]:
            tags.add_row(
                safe(t["tag"]), f"{t['score']:.2f}", safe(t["version"]), safe(t["evidence"][:300])
            )
        console.print(tags)
    else:
        console.print("tags: none yet (run `billwatch classify`)")


def register(app: typer.Typer) -> None:
    """Add `export`, `show` and `search`."""
    app.command("export")(export)
    app.command("show")(show)
    app.command("search")(search)
