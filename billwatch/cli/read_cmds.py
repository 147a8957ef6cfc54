"""`billwatch show` and `search`: reading the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from billwatch.cli.common import console, fail, fail_safe, open_database
from billwatch.console import safe, strip_control
from billwatch.db.queries import SearchHit, bill_to_dict, find_bills
from billwatch.db.queries import search as search_bills
from billwatch.db.search_syntax import QuerySyntaxError
from billwatch.db.types import show_time

# A query longer than this is refused, not run: 10,000 words took over a minute (#11).
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32


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
    query: str = typer.Argument(
        ..., help='Words; "a phrase", OR, NOT (or -word), prefix*, ( ). See the README.'
    ),
    state: str | None = typer.Option(None, "--state", help="Two-letter state code."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Most results."),
) -> None:
    """Ranked full-text search over bill titles and texts."""
    check_query(query)
    factory = open_database()
    with factory() as session:
        try:
            hits = search_bills(session, query, state=state.upper() if state else None, limit=limit)
        except QuerySyntaxError as exc:
            fail(f"cannot read the search {query!r}: {exc}")
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
            snippet_text(hit),
        )
    return table


def snippet_text(hit: SearchHit) -> Text:
    """The passage as plain text (never read as markup) with the matched words in bold."""
    clean = strip_control(hit.snippet)
    text = Text(clean)
    # Offsets hold only while nothing was stripped; a snippet with control codes loses its bold.
    for start, end in hit.matches if clean == hit.snippet else []:
        text.stylize("bold yellow", start, end)
    return text


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
                f"hearing: {_local(event['start_time'], bill['jurisdiction'])}"
                f" {event['committee'] or event['name']}"
                f" at {event['location'] or '-'} ({event['status']})"
            )
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
            tags.add_row(
                safe(t["tag"]), f"{t['score']:.2f}", safe(t["version"]), safe(t["evidence"][:300])
            )
        console.print(tags)
    else:
        console.print("tags: none yet (run `billwatch classify`)")


def _local(iso: str | None, jurisdiction: str) -> str:
    """A stored UTC time as the jurisdiction's own wall time with its zone."""
    return show_time(dt.datetime.fromisoformat(iso), jurisdiction) if iso else "-"


def register(app: typer.Typer) -> None:
    """Add `show` and `search` (`export` is in export_cmds)."""
    app.command("show")(show)
    app.command("search")(search)
