"""`billwatch db`: migrate and inspect the schema."""

from __future__ import annotations

import typer

from billwatch.cli.common import console, fail


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    db = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
        """Migrate the database (BILLWATCH_DATABASE_URL) to the newest schema."""
        from billwatch.db.session import current_revision, get_engine, upgrade

        try:
            upgrade(revision=revision)
        except Exception as exc:
            fail(f"migration failed: {exc}")
        console.print(f"database at revision {current_revision(get_engine())}")

    @db.command("current")
    def current() -> None:
        """Print the database's schema revision and the newest one."""
        from billwatch.db.session import current_revision, get_engine, head_revision

        console.print(f"current: {current_revision(get_engine())}  newest: {head_revision()}")

    app.add_typer(db, name="db")
