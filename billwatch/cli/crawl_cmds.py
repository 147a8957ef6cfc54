"""`billwatch crawl SOURCE` (one spider run, with progress) and `billwatch status`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billwatch.cli.common import console, fail, open_database
from billwatch.db.models import Bill, BillAction, CrawlRun, Jurisdiction

SOURCES_HELP = "legiscan, openstates, ny_openleg, ca_pubinfo, congress or people"


def _age(then: dt.datetime | dt.date | None, now: dt.datetime) -> str:
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
    from spiders import SOURCES

    rows = []
    for source in SOURCES:
        runs = session.scalars(
            select(CrawlRun)
            .where(CrawlRun.source == source)
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        )
        latest = runs.first()
        good = session.scalar(
            select(CrawlRun)
            .where(CrawlRun.source == source, CrawlRun.status == "ok")
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        )
        if latest is None:
            rows.append([source, "never run", "-", "-", "-", "-", ""])
            continue
        note = "" if latest.status == "ok" else f"latest {latest.status}: {latest.health_reason}"
        if good is None:
            rows.append([source, "no good run", "-", "-", "-", "-", note])
            continue
        rows.append(
            [
                source,
                (good.finished_at or good.started_at).strftime("%Y-%m-%d %H:%M"),
                _age(good.finished_at or good.started_at, now),
                str(sum((good.items or {}).values())),
                str(good.requests),
                str(good.errors),
                note,
            ]
        )
    return rows


def freshness_rows(session: Session, now: dt.datetime) -> list[list[str]]:
    """One row per jurisdiction: bills, newest action date and its age."""
    query = (
        select(Jurisdiction.code, func.count(func.distinct(Bill.id)), func.max(BillAction.date))
        .join(Bill, Bill.jurisdiction_id == Jurisdiction.id)
        .outerjoin(BillAction, BillAction.bill_id == Bill.id)
        .group_by(Jurisdiction.code)
        .order_by(Jurisdiction.code)
    )
    return [
        [code, str(bills), newest.isoformat() if newest else "-", _age(newest, now)]
        for code, bills, newest in session.execute(query)
    ]


def summary_table(summary: dict[str, Any]) -> Table:
    """The end-of-crawl summary of one run."""
    table = Table(title=f"crawl run {summary['id']}: {summary['source']}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    colour = {"ok": "green", "unhealthy": "yellow"}.get(summary["status"], "red")
    table.add_row("status", f"[{colour}]{summary['status']}[/]")
    if summary.get("health_reason"):
        table.add_row("health", summary["health_reason"])
    table.add_row("states", ", ".join(summary.get("states") or []) or "-")
    table.add_row("requests", str(summary["requests"]))
    table.add_row(
        "listed / unchanged", f"{summary.get('listed', 0)} / {summary.get('unchanged', 0)}"
    )
    for kind, count in sorted((summary.get("items") or {}).items()):
        table.add_row(f"items: {kind}", str(count))
    table.add_row("errors", str(summary["errors"]))
    table.add_row(
        "retries", ", ".join(f"{k}: {v}" for k, v in (summary.get("retries") or {}).items()) or "0"
    )
    table.add_row("downloaded", f"{summary.get('bytes', 0) / 1024:.0f} KiB")
    table.add_row("duration", f"{summary.get('duration_s') or 0:.1f} s")
    for sample in (summary.get("error_samples") or [])[:5]:
        table.add_row("[red]error", f"{sample['url']}: {sample['reason']}")
    return table


def register(app: typer.Typer) -> None:
    """Add crawl and status."""

    @app.command("crawl")
    def crawl(
        source: str = typer.Argument(..., help=f"The source: {SOURCES_HELP}."),
        state: list[str] = typer.Option([], "--state", help="A state code; repeat for more."),
        session: list[str] = typer.Option([], "--session", help="A session; repeat for more."),
        since: str | None = typer.Option(None, "--since", help="Only what changed since (date)."),
        base_url: str | None = typer.Option(
            None, "--base-url", help="Crawl this server instead (a local replay)."
        ),
    ) -> None:
        """Run one spider, with a progress display and a summary table; exit 1 if unhealthy."""
        from spiders.run import CrawlError, check_source, resolve_key, run_crawl

        try:
            check_source(source)
            resolve_key(source, base_url)
            since_date = dt.date.fromisoformat(since) if since else None
        except CrawlError as exc:
            fail(str(exc))
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)")
        open_database()  # a clear error for a missing or out-of-date schema
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{source}: starting", total=None)

            def show(p: dict[str, int]) -> None:
                progress.update(
                    task,
                    description=(
                        f"{source}: {p['requests']} requests, {p['listed']} listed,"
                        f" {p['items']} items stored, {p['errors']} errors"
                    ),
                )

            try:
                summary = run_crawl(
                    source,
                    states=[s.upper() for s in state] or None,
                    sessions=session or None,
                    since=since_date,
                    base_url=base_url,
                    on_progress=show,
                )
            except CrawlError as exc:
                fail(str(exc))
        console.print(summary_table(summary))
        if summary["status"] != "ok":
            raise typer.Exit(1)

    @app.command("status")
    def status() -> None:
        """Each source's last good crawl, and each state's data freshness."""
        Session = open_database()  # noqa: N806 - a factory
        now = dt.datetime.now(dt.UTC)
        with Session() as session:
            runs = Table(title="Crawls: last good run per source")
            for column in (
                "source",
                "last good run (UTC)",
                "age",
                "items",
                "requests",
                "errors",
                "note",
            ):
                runs.add_column(column)
            for row in source_rows(session, now):
                runs.add_row(*row)
            fresh = Table(title="Data freshness per jurisdiction")
            for column in ("jurisdiction", "bills", "newest action", "age"):
                fresh.add_column(column)
            for row in freshness_rows(session, now):
                fresh.add_row(*row)
        console.print(runs)
        console.print(fresh)
