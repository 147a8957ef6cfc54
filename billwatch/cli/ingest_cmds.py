"""`billwatch ingest SOURCE PATH...`: bulk ingest of the files a source publishes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from billwatch import scheduler
from billwatch.cli.common import console, err_console, fail_safe, open_database
from billwatch.console import safe
from billwatch.ingest.runner import IngestStats
from billwatch.ingest.sources import ingest_sources, run_ingest
from billwatch.redact import redact

SOURCE_HELP = "The source: " + "; ".join(
    f"{s.name} ({s.summary.rstrip('.')})" for s in ingest_sources().values()
)


def ingest(
    source: str = typer.Argument(..., metavar="SOURCE", help=SOURCE_HELP),
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH", help="Files, folders or zips; one or more."
    ),
) -> None:
    """Bulk ingest files of one source, with a progress bar; exit 1 if any input failed."""
    name = source_or_fail(source)
    factory = open_database()
    holder = scheduler.holder_id()
    lock = scheduler.ingest_lock_name(name, holder)
    scheduler.acquire_lock(factory, holder, name=lock)
    try:
        closed = scheduler.close_stale_runs(factory, name, holder)
        if closed:
            err_console.print(
                f"note: {closed} earlier {name} ingest(s) never finished: marked failed"
            )
        with scheduler.KeepLock(factory, holder, name=lock):
            stats = run_with_progress(factory, name, paths)
    finally:
        scheduler.release_lock(factory, holder, name=lock)
    print_stats(name, stats)
    if stats.errors:
        raise typer.Exit(1)


def source_or_fail(source: str) -> str:
    """The registered name of `source`, noting an old hyphenated name; exit 2 if unknown."""
    sources = ingest_sources()
    if source in sources:
        return source
    renamed = source.replace("-", "_")
    if renamed in sources:
        err_console.print(safe(f"note: {source!r} is now {renamed!r}; the old name will go away"))
        return renamed
    fail_safe(f"unknown source {source!r}; one of {', '.join(sources)}")


def run_with_progress(
    factory: sessionmaker[Session], source: str, paths: list[Path]
) -> IngestStats:
    """Ingest `paths` as `source` with a progress bar on standard error."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(f"ingest {source}", total=None)
        return run_ingest(
            factory,
            source,
            paths,
            total=lambda n: progress.update(task, total=n),
            advance=lambda: progress.advance(task),
        )


def print_stats(source: str, stats: IngestStats) -> None:
    """The run's counts as a table, then each error on standard error."""
    table = Table(title=f"ingest {source}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in stats.rows():
        table.add_row(label, str(count))
    console.print(table)
    for where, reason in stats.errors:
        err_console.print(
            f"[bold red]error:[/] {safe(redact(f'{where}: {reason}'))}",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add `ingest`."""
    app.command("ingest")(ingest)
