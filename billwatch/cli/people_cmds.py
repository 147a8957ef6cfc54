"""`billwatch people list|merge|review`: one person per legislator across sources."""

from __future__ import annotations

import getpass

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from billwatch.cli.common import console, fail, open_database
from billwatch.db.models import Jurisdiction, Person
from billwatch.db.people import UnknownMatch, copies, decide, merge_people, pending_matches

people_app = typer.Typer(help="Legislators, one per person across sources.", no_args_is_help=True)


def list_people(
    state: str = typer.Option(..., "--state", help="Two-letter code, e.g. CA."),
) -> None:
    """List a state's legislators, one row per person, with the sources merged into each."""
    factory = open_database()
    with factory() as session:
        jurisdiction = session.scalar(
            select(Jurisdiction).where(Jurisdiction.code == state.upper())
        )
        if jurisdiction is None:
            fail(f"no legislators stored for {state!r}")
        people = session.scalars(
            select(Person)
            .where(Person.jurisdiction_id == jurisdiction.id, Person.merged_into_id.is_(None))
            .order_by(Person.chamber, Person.name)
        ).all()
        table = Table(title=f"{jurisdiction.code} legislators")
        for column in ("id", "name", "chamber", "district", "party", "email", "sources"):
            table.add_column(column)
        for person in people:
            keys = ", ".join(p.source_key for p in copies(session, person))
            table.add_row(
                str(person.id),
                escape(person.name),
                person.chamber or "",
                escape(person.district or ""),
                escape(person.party or ""),
                escape(person.email or ""),
                escape(keys),
            )
        console.print(table)


def merge() -> None:
    """Merge every source's copy of each legislator now (ingests and crawls do it too)."""
    factory = open_database()
    with factory.begin() as session:
        report = merge_people(session)
    console.print(
        f"{report.merged} source record(s) merged, {report.relinked} link(s) re-pointed,"
        f" {report.resolved_by_name} sponsor(s) found by name,"
        f" {report.pending} new match(es) to review"
    )


def review(
    accept: list[int] = typer.Option([], "--accept", help="Merge this match (repeatable)."),
    reject: list[int] = typer.Option([], "--reject", help="Never propose it again (repeatable)."),
) -> None:
    """List uncertain matches; --accept ID merges a pair, --reject ID keeps them apart."""
    factory = open_database()
    by = getpass.getuser()
    with factory.begin() as session:
        try:
            for match_id in accept:
                decide(session, match_id, True, by)
            for match_id in reject:
                decide(session, match_id, False, by)
        except UnknownMatch as exc:
            fail(str(exc))
    if accept or reject:
        console.print(f"{len(accept)} accepted, {len(reject)} rejected")
        return
    with factory() as session:
        matches = pending_matches(session)
        if not matches:
            console.print("no matches to review")
            return
        table = Table(title="possible same legislator")
        for column in ("match", "score", "first", "second", "why"):
            table.add_column(column)
        for match, a, b in matches:
            table.add_row(
                str(match.id),
                f"{match.score:.0f}",
                escape(f"{a.name} ({a.source_key})"),
                escape(f"{b.name} ({b.source_key})"),
                escape(match.reason),
            )
        console.print(table)
        console.print("billwatch people review --accept ID | --reject ID")


def register(app: typer.Typer) -> None:
    """Add the `people` group."""
    people_app.command("list")(list_people)
    people_app.command("merge")(merge)
    people_app.command("review")(review)
    app.add_typer(people_app, name="people")
