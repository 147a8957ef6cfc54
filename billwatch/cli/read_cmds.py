"""`billwatch export`, `show` and `search`: reading the data."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from enum import StrEnum

import typer
from rich.panel import Panel
from rich.table import Table

from billwatch.cli.common import console, fail, open_database

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


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not a date (YYYY-MM-DD)")


def register(app: typer.Typer) -> None:
    """Add export, show and search."""

    @app.command("export")
    def export(
        format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv."),
        state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
        since: str | None = typer.Option(None, "--since", help="Bills changed on or after."),
        no_text: bool = typer.Option(False, "--no-text", help="Leave version texts out."),
    ) -> None:
        """Write one object per bill (versions, actions, sponsors, events, tags) to stdout."""
        from billwatch.db.queries import bill_to_dict, iter_bills

        since_date = _parse_date(since)
        Session = open_database()
        writer = None
        with Session() as session:
            for bill in iter_bills(session, state=state, since=since_date):
                row = bill_to_dict(session, bill, with_text=not no_text)
                if format is ExportFormat.jsonl:
                    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                    continue
                if writer is None:
                    writer = csv.DictWriter(
                        sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore"
                    )
                    writer.writeheader()
                writer.writerow(
                    {
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                        for k, v in row.items()
                    }
                )
        if format is ExportFormat.csv and writer is None:
            csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS).writeheader()

    @app.command("show")
    def show(
        identifier: str = typer.Argument(..., help="Bill identifier, e.g. 'AB 831' or HB1."),
        state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
        session_id: str | None = typer.Option(None, "--session", help="Session identifier."),
    ) -> None:
        """Print a readable summary of one bill."""
        from billwatch.db.queries import bill_to_dict, find_bills

        Session = open_database()
        with Session() as session:
            bills = find_bills(session, identifier, state=state, session_id=session_id)
            if not bills:
                fail(f"no bill {identifier!r}" + (f" in {state.upper()}" if state else ""), 1)
            if len({(b.jurisdiction.code, b.session.identifier) for b in bills}) > 1 and not (
                state and session_id
            ):
                places = ", ".join(f"{b.jurisdiction.code} {b.session.identifier}" for b in bills)
                console.print(
                    f"[yellow]{len(bills)} bills match ({places}); showing the first."
                    " Use --state and --session to choose."
                )
            _print_bill(bill_to_dict(session, bills[0], with_text=False))

    @app.command("search")
    def search(
        query: str = typer.Argument(..., help="Words to search for."),
        state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
        limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Most results."),
    ) -> None:
        """Ranked full-text search over bill titles and texts."""
        from billwatch.db.queries import search as run_search

        Session = open_database()
        with Session() as session:
            hits = run_search(session, query, state=state.upper() if state else None, limit=limit)
        if not hits:
            console.print(f"no bills match {query!r}")
            raise typer.Exit(1)
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
        console.print(table)


def _print_bill(bill: dict) -> None:
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
    if bill["tags"]:
        tags = Table("tag", "score", "version", "evidence", title="Tags", show_lines=True)
        for t in bill["tags"]:
            tags.add_row(t["tag"], f"{t['score']:.2f}", t["version"], t["evidence"][:300])
        console.print(tags)
    else:
        console.print("tags: none yet (run `billwatch classify`)")
