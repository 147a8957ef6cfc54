"""`billwatch ingest`: bulk ingest of LegiScan, CA pubinfo, NY OpenLeg, Congress, people."""

from __future__ import annotations

from pathlib import Path

import typer

from billwatch.cli.common import console, err_console, open_database

PATHS = typer.Argument(
    ..., metavar="PATH", help="Files, folders, or (legiscan, ca-pubinfo) zips; one or more."
)


def _run(source: str, paths: list[Path]) -> None:
    """Ingest `paths` with a progress bar, print the summary, exit 1 when anything failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from billwatch.ingest.sources import run_ingest

    factory = open_database()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(f"ingest {source}", total=None)
        stats = run_ingest(
            factory,
            source,
            paths,
            total=lambda n: progress.update(task, total=n),
            advance=lambda: progress.advance(task),
        )
    table = Table(title=f"ingest {source}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in stats.rows():
        table.add_row(label, str(count))
    console.print(table)
    for where, reason in stats.errors:
        err_console.print(f"[bold red]error:[/] {where}: {reason}", highlight=False, soft_wrap=True)
    if stats.errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `ingest` command group."""
    ingest = typer.Typer(
        help="Bulk ingest of the formats legislatures and aggregators publish.",
        no_args_is_help=True,
    )

    @ingest.command("legiscan")
    def legiscan(paths: list[Path] = PATHS) -> None:
        """LegiScan datasets (JSON, or older XML): folders or zips, or bill/text/people files."""
        _run("legiscan", paths)

    @ingest.command("ca-pubinfo")
    def ca_pubinfo(paths: list[Path] = PATHS) -> None:
        """California pubinfo: a folder of .dat tables and .lob CAML files, or a pubinfo zip."""
        _run("ca-pubinfo", paths)

    @ingest.command("ny-openleg")
    def ny_openleg(paths: list[Path] = PATHS) -> None:
        """New York Open Legislation API v3 bill JSON (files or a folder)."""
        _run("ny-openleg", paths)

    @ingest.command("congress")
    def congress(paths: list[Path] = PATHS) -> None:
        """govinfo BILLSTATUS XML and bill texts in USLM or bill.dtd XML (files or a folder)."""
        _run("congress", paths)

    @ingest.command("people")
    def people(paths: list[Path] = PATHS) -> None:
        """openstates/people YAML: <st>/legislature/*.yml and <st>/committees/*.yml."""
        _run("people", paths)

    app.add_typer(ingest, name="ingest")
