"""`billwatch crawl SOURCE` (one spider run, with progress) and `billwatch status`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from billwatch.cli.common import console, fail_safe, open_database, parse_day
from billwatch.console import safe
from billwatch.db.models import CrawlRun
from billwatch.db.runs import freshness, latest_run
from billwatch.redact import redact
from spiders.registry import source_names
from spiders.run import CrawlError, check_source, resolve_key, run_crawl

RUN_COLUMNS = ("source", "last good run (UTC)", "age", "items", "requests", "errors", "note")
FRESHNESS_COLUMNS = ("jurisdiction", "bills", "newest action", "age")


def crawl(
    source: str = typer.Argument(..., help=f"The source: {', '.join(source_names())}."),
    state: list[str] = typer.Option([], "--state", help="A state code; repeat for more."),
    session: list[str] = typer.Option([], "--session", help="A session; repeat for more."),
    since: str | None = typer.Option(None, "--since", help="Only what changed since (date)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Crawl this server instead (a local replay)."
    ),
) -> None:
    """Run one spider, with a progress display and a summary table; exit 1 if unhealthy."""
    try:
        check_source(source)
        resolve_key(source, base_url)
    except CrawlError as exc:
        fail_safe(str(exc))
    since_date = parse_day(since, "--since")
    open_database()  # a clear error for a missing or out-of-date schema
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        try:
            summary = run_crawl(
                source,
                states=[s.upper() for s in state] or None,
                sessions=session or None,
                since=since_date,
                base_url=base_url,
                on_progress=progress_line(progress, source),
            )
        except CrawlError as exc:
            fail_safe(str(exc))
    console.print(summary_table(summary))
    if summary["status"] != "ok":
        raise typer.Exit(1)


def status() -> None:
    """Each source's last good crawl, and each state's data freshness."""
    factory = open_database()
    now = dt.datetime.now(dt.UTC)
    with factory() as session:
        runs = table("Crawls: last good run per source", RUN_COLUMNS, source_rows(session, now))
        fresh = table(
            "Data freshness per jurisdiction", FRESHNESS_COLUMNS, freshness_rows(session, now)
        )
    console.print(runs)
    console.print(fresh)


def progress_line(progress: Progress, source: str) -> Callable[[dict[str, int]], None]:
    """A callback showing a crawl's running counts on one progress line."""
    task = progress.add_task(f"{source}: starting", total=None)

    def show(p: dict[str, int]) -> None:
        progress.update(
            task,
            description=(
                f"{source}: {p['requests']} requests, {p['listed']} listed,"
                f" {p['items']} items stored, {p['errors']} errors"
            ),
        )

    return show


def table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    """A rich table with a header row; the cells are data, printed literally."""
    result = Table(title=title)
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*(safe(cell) for cell in row))
    return result


def age(then: dt.datetime | dt.date | None, now: dt.datetime) -> str:
    """A short age ("3 h", "12 d") of a time or date before `now`."""
    if then is None:
        return "-"
    if isinstance(then, dt.datetime):
        then = then if then.tzinfo else then.replace(tzinfo=dt.UTC)
        hours = (now - then).total_seconds() / 3600
        if hours < 1:
            return f"{hours * 60:.0f} min"
        return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"
    return f"{(now.date() - then).days} d"


def source_rows(session: Session, now: dt.datetime) -> list[list[str]]:
    """One row per source: its last good run, and the latest run when that was not good."""
    return [
        run_row(source, latest_run(session, source), latest_run(session, source, "ok"), now)
        for source in source_names()
    ]


def run_row(
    source: str, latest: CrawlRun | None, good: CrawlRun | None, now: dt.datetime
) -> list[str]:
    """The status row of one source."""
    if latest is None:
        return [source, "never run", "-", "-", "-", "-", ""]
    note = "" if latest.status == "ok" else f"latest {latest.status}: {latest.health_reason}"
    note = redact(note)
    if good is None:
        return [source, "no good run", "-", "-", "-", "-", note]
    when = good.finished_at or good.started_at
    items = str(sum((good.items or {}).values()))
    return [
        source,
        when.strftime("%Y-%m-%d %H:%M"),
        age(when, now),
        items,
        str(good.requests),
        str(good.errors),
        note,
    ]


def freshness_rows(session: Session, now: dt.datetime) -> list[list[str]]:
    """One row per jurisdiction: bills, newest action date and its age."""
    return [
        [code, str(bills), newest.isoformat() if newest else "-", age(newest, now)]
        for code, bills, newest in freshness(session)
    ]


def summary_table(summary: dict[str, Any]) -> Table:
    """The end-of-crawl summary of one run."""
    result = Table(title=f"crawl run {summary['id']}: {safe(summary['source'])}", show_header=False)
    result.add_column(style="bold")
    result.add_column()
    colour = {"ok": "green", "unhealthy": "yellow"}.get(summary["status"], "red")
    result.add_row("status", f"[{colour}]{safe(summary['status'])}[/]")
    if summary.get("health_reason"):
        result.add_row("health", safe(redact(summary["health_reason"])))
    result.add_row("states", safe(", ".join(summary.get("states") or []) or "-"))
    result.add_row("requests", str(summary["requests"]))
    listed, unchanged = summary.get("listed", 0), summary.get("unchanged", 0)
    result.add_row("listed / unchanged", f"{listed} / {unchanged}")
    for kind, count in sorted((summary.get("items") or {}).items()):
        result.add_row(f"items: {safe(kind)}", str(count))
    result.add_row("errors", str(summary["errors"]))
    retries = ", ".join(f"{k}: {v}" for k, v in (summary.get("retries") or {}).items())
    result.add_row("retries", safe(retries or "0"))
    result.add_row("downloaded", f"{summary.get('bytes', 0) / 1024:.0f} KiB")
    result.add_row("duration", f"{summary.get('duration_s') or 0:.1f} s")
    for sample in (summary.get("error_samples") or [])[:5]:
        result.add_row("[red]error", safe(redact(f"{sample['url']}: {sample['reason']}")))
    return result


def register(app: typer.Typer) -> None:
    """Add `crawl` and `status`."""
    app.command("crawl")(crawl)
    app.command("status")(status)
