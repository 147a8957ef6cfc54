"""`billwatch run`: the scheduler in the foreground, or one full cycle with `--once`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from alerts.preflight import MailConfigError, check_mail_settings
from billwatch import scheduler
from billwatch.cli.common import console, err_console, fail, fail_safe, open_database, parse_day
from billwatch.console import safe
from billwatch.jobs import CycleSummary, run_cycle
from billwatch.redact import redact
from billwatch.settings import Settings, get_settings


def _sources(
    source: list[str], base_url: list[str], configured: list[str], bases: dict[str, str]
) -> dict[str, str | None]:
    """{source: base URL} from --source NAME[=URL] and --base-url NAME=URL over the settings."""
    chosen: dict[str, str | None] = {}
    for item in source or configured:
        name, _, url = item.partition("=")
        chosen[name.strip()] = url.strip() or bases.get(name.strip())
    for item in base_url:
        name, sep, url = item.partition("=")
        if not sep or not url:
            fail_safe(f"--base-url takes SOURCE=URL, not {item!r}")
        chosen[name.strip()] = url.strip()
    return chosen


def unhealthy_crawls(summary: CycleSummary) -> dict[str, str]:
    """{source: why} of the crawls that ran but did not end healthy (HTML instead of JSON...)."""
    bad = {}
    for source, stats in summary.crawls.items():
        status = stats.get("status", "ok") if isinstance(stats, dict) else "ok"
        if status != "ok":
            samples = stats.get("error_samples") or []
            first = f"; first error: {samples[0]['url']}: {samples[0]['reason']}" if samples else ""
            bad[source] = f"{status}: {stats.get('health_reason') or 'no reason given'}{first}"
    return bad


def crawl_result(stats: dict) -> str:
    """One line for a healthy crawl: its items per kind, or that it stored nothing."""
    items = stats.get("items") if isinstance(stats, dict) else None
    if not items:
        return f"nothing new ({stats.get('requests', 0)} requests)"
    return ", ".join(f"{kind} {count}" for kind, count in sorted(items.items()))


def _print_summary(summary: CycleSummary) -> None:
    table = Table("step", "result", title="billwatch run --once")
    if not summary.crawls and not summary.crawl_errors:
        table.add_row("crawl", "no sources (use --source or BILLWATCH_CRAWL_SOURCES)")
    unhealthy = unhealthy_crawls(summary)
    for source, stats in summary.crawls.items():
        if source in unhealthy:
            table.add_row(f"crawl {safe(source)}", f"[red]{safe(redact(unhealthy[source]))}")
        else:
            table.add_row(f"crawl {safe(source)}", safe(crawl_result(stats)))
    for source, error in summary.crawl_errors.items():
        table.add_row(f"crawl {safe(source)}", f"[red]failed: {safe(redact(error))}")
    table.add_row(
        "classify",
        f"[red]failed: {safe(redact(summary.classify_error))}"
        if summary.classify_error
        else f"{summary.classified} versions",
    )
    table.add_row("rapid-response alerts", str(summary.alerts))
    for frequency, n in summary.digests.items():
        table.add_row(f"{frequency} digests", str(n))
    table.add_row("subscribers with nothing new", str(summary.empty_digests))
    if summary.send is not None:
        s = summary.send
        table.add_row(
            "outbox",
            f"sent {s.sent}, retry {s.retried}, failed {s.failed}, "
            f"cancelled {s.cancelled}, unconfirmed {s.unconfirmed}",
        )
    if summary.previews:
        table.add_row("previews", f"{len(summary.previews)} files")
    console.print(table)


def run(
    once: bool = typer.Option(False, "--once", help="Run one full cycle and exit."),
    source: list[str] = typer.Option(
        [],
        "--source",
        help="Source to crawl, NAME or NAME=BASE_URL (repeatable; "
        "default: BILLWATCH_CRAWL_SOURCES).",
    ),
    base_url: list[str] = typer.Option(
        [],
        "--base-url",
        help="SOURCE=URL: crawl SOURCE from another server, such as a "
        "local replay server (repeatable; adds SOURCE to the crawl).",
    ),
    states: str = typer.Option("", "--states", help="Only these states: CA,NY."),
    since: str = typer.Option(None, "--since", help="Only changes since YYYY-MM-DD."),
    no_crawl: bool = typer.Option(False, "--no-crawl", help="Skip crawling."),
    all_digests: bool = typer.Option(
        False, "--all-digests", help="Send daily and weekly digests now, due or not."
    ),
    send: bool = typer.Option(True, "--send/--no-send", help="Send the outbox at the end."),
    preview: Path = typer.Option(
        None,
        "--preview",
        help="Write alerts and digests as files here instead of queueing them.",
    ),
    html: Path = typer.Option(
        None,
        "--html",
        help="Queue and send as usual, and also write each message as .html/.txt/.eml here.",
    ),
    lookback_days: int = typer.Option(
        None,
        "--lookback-days",
        help="Actions this many days old still raise alerts "
        "(default BILLWATCH_ALERT_LOOKBACK_DAYS, 3).",
    ),
) -> None:
    """Run the scheduler in the foreground, or with --once one cycle: crawl, classify,
    rapid-response alerts, due digests, send."""
    settings = get_settings()
    if lookback_days is not None:
        settings = settings.model_copy(update={"alert_lookback_days": lookback_days})
    try:
        check_mail_settings(settings)  # refuse at the start, not after a long crawl
    except MailConfigError as exc:
        fail(str(exc))
    factory = open_database()
    logging.getLogger().setLevel(logging.INFO)
    if not once:
        run_scheduler(settings)
        return
    since_date = parse_day(since, "--since")
    sources = (
        {}
        if no_crawl
        else _sources(source, base_url, settings.crawl_sources, settings.source_base_urls)
    )
    with scheduler_lock(factory):
        summary = run_cycle(
            settings=settings,
            sources=sources,
            states=[s.strip().upper() for s in states.split(",") if s.strip()] or None,
            since=since_date,
            force_digests=all_digests,
            send=send,
            preview=preview,
            html=html,
        )
    _print_summary(summary)
    if not summary.ok or unhealthy_crawls(summary):
        err_console.print("[red]some steps failed (see above)")
        raise typer.Exit(1)


def run_scheduler(settings: Settings) -> None:
    """The scheduler in the foreground until Ctrl-C or SIGTERM; exit 1 if another holds the lock."""
    console.print(
        f"billwatch scheduler on {settings.database_url.split('@')[-1]}, "
        f"sources {', '.join(settings.crawl_sources) or 'none'}; Ctrl-C stops"
    )
    try:
        scheduler.run(settings, blocking=True)
    except scheduler.LockHeld as exc:
        fail_safe(str(exc), code=1)
    except ValueError as exc:  # settings naming a source no spider has
        fail_safe(str(exc))
    except (KeyboardInterrupt, SystemExit):
        pass


@contextmanager
def scheduler_lock(factory: sessionmaker[Session]) -> Iterator[None]:
    """Hold the scheduler's lock for one cycle, so a running scheduler and we never overlap."""
    holder = scheduler.holder_id() + ":once"
    if not scheduler.acquire_lock(factory, holder):
        fail(
            "a billwatch scheduler is running against this database; stop it or let it do the work",
            code=1,
        )
    try:
        # A cycle's crawl can outlast STALE_AFTER: keep beating so nobody takes the lock over.
        with scheduler.KeepLock(factory, holder):
            yield
    finally:
        scheduler.release_lock(factory, holder)


def register(app: typer.Typer) -> None:
    """Add the `run` command."""
    app.command("run")(run)
