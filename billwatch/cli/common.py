"""Helpers every command module shares: consoles, opening the database, failing clearly."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from billwatch.console import safe
from billwatch.db.session import SchemaOutOfDate, check_schema, get_sessionmaker
from billwatch.redact import redact

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to standard error and exit with `code`."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def fail_safe(message: str, code: int = 2) -> NoReturn:
    """`fail` for a message quoting data (a title, a URL, an error): keys hidden, escaped."""
    fail(safe(redact(message)), code)


def open_database(url: str | None = None) -> sessionmaker[Session]:
    """A sessionmaker for the configured database, refusing an out-of-date schema."""
    try:
        check_schema(url)
    except SchemaOutOfDate as exc:
        fail_safe(str(exc))
    except Exception as exc:  # a wrong URL or a server that is down
        fail_safe(f"cannot open the database: {exc}")
    return get_sessionmaker(url)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """The date an option gives as YYYY-MM-DD; exit 2 with a clear error otherwise."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail_safe(f"{option} {value!r} is not a date (YYYY-MM-DD)")
