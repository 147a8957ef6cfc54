"""`billwatch db`: migrate and inspect the schema."""

from __future__ import annotations

import typer

from billwatch.cli.common import console, fail
from billwatch.db.session import current_revision, get_engine, head_revision
from billwatch.db.session import upgrade as migrate

db = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@db.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database (BILLWATCH_DATABASE_URL) to the newest schema."""
    try:
        migrate(revision=revision)
    except Exception as exc:  # any failure of a migration, reported without a traceback
        fail(f"migration failed: {exc}")
    console.print(f"database at revision {current_revision(get_engine())}")


@db.command("current")
def current() -> None:
    """Print the database's schema revision and the newest one."""
    console.print(f"current: {current_revision(get_engine())}  newest: {head_revision()}")


@db.command("grant-readonly")
def grant_readonly(
    role: str = typer.Argument(..., help="Role name, e.g. billwatch_analyst."),
) -> None:
    """PostgreSQL: create a role that may SELECT the bills, people and views, nothing else."""
    from billwatch.db.roles import RoleError
    from billwatch.db.roles import grant_readonly as grant

    try:
        tables = grant(get_engine(), role)
    except RoleError as exc:
        fail(str(exc))
    console.print(
        f"role {role} may read {len(tables)} tables and views; "
        f"give it to an analyst with: GRANT {role} TO <login role>",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    app.add_typer(db, name="db")
