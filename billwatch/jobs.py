"""The main job's steps as plain functions: crawl, classify, rapid response, digests, send.

`billwatch/scheduler.py` wires them; `billwatch run --once` calls `run_cycle`. The crawl and
classify steps take their engines as injectable callables so the wiring is testable without
spiders or models.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import Composed, compose_alerts, compose_digests, digest_due
from alerts.preflight import check_mail_settings
from alerts.send import SendSummary, Transport, send_pending, transport_for
from billwatch.db.models import utcnow
from billwatch.db.session import get_sessionmaker
from billwatch.settings import Settings, get_settings

log = logging.getLogger(__name__)
CrawlFn = Callable[..., dict[str, Any]]
ClassifyFn = Callable[..., int]


def _crawler() -> CrawlFn:
    from spiders.run import run_crawl  # the spiders' entry point: one crawl in a child process

    return run_crawl


def _classifier() -> ClassifyFn:
    from classifier.store import classify_versions

    return classify_versions


def _sessionmaker(settings: Settings) -> sessionmaker[Session]:
    return get_sessionmaker(settings.database_url)


def crawl_job(
    source: str,
    *,
    settings: Settings | None = None,
    base_url: str | None = None,
    states: list[str] | None = None,
    since: dt.date | None = None,
    run_crawl: CrawlFn | None = None,
) -> dict[str, Any]:
    """Crawl one source (its configured base URL unless given) and return its run summary."""
    settings = settings or get_settings()
    crawl = run_crawl or _crawler()
    base_url = base_url or settings.source_base_urls.get(source)
    log.info("crawl %s%s", source, f" from {base_url}" if base_url else "")
    # The spiders read their own settings; `settings=` of run_crawl is Scrapy overrides.
    return crawl(
        source,
        states=states or settings.states or None,
        since=since,
        base_url=base_url,
        database_url=settings.database_url,
    )


def classify_job(
    *, settings: Settings | None = None, classify_versions: ClassifyFn | None = None
) -> int:
    """Tag every version that has not been classified yet; returns how many."""
    settings = settings or get_settings()
    classify = classify_versions or _classifier()
    count = classify(_sessionmaker(settings), pending_only=True)
    log.info("classified %d versions", count)
    return count


def alerts_job(
    *,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    preview: Path | None = None,
    queue: bool | None = None,
) -> Composed:
    """Enqueue rapid-response alerts for ALERT bills that just moved."""
    settings = settings or get_settings()
    with _sessionmaker(settings).begin() as session:
        composed = compose_alerts(session, now or utcnow(), settings, preview=preview, queue=queue)
    log.info("rapid response: %d alerts enqueued", composed.enqueued)
    return composed


def digest_job(
    frequency: str,
    *,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    only_due: bool = True,
    preview: Path | None = None,
    queue: bool | None = None,
) -> Composed:
    """Enqueue this period's digests (when their time has come, unless `only_due` is False)."""
    settings = settings or get_settings()
    now = now or utcnow()
    if only_due and not digest_due(frequency, now, settings):
        log.info("%s digest not due yet", frequency)
        return Composed()
    with _sessionmaker(settings).begin() as session:
        composed = compose_digests(session, frequency, now, settings, preview=preview, queue=queue)
    log.info(
        "%s digests: %d enqueued, %d with nothing new", frequency, composed.enqueued, composed.empty
    )
    return composed


def send_job(
    *,
    settings: Settings | None = None,
    transport: Transport | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> SendSummary:
    """Send what is due in the outbox over BILLWATCH_SMTP_URL."""
    settings = settings or get_settings()
    check_mail_settings(settings)  # no mail with a forgeable unsubscribe link
    with transport or transport_for(settings.smtp_url) as chosen:
        summary = send_pending(
            _sessionmaker(settings),
            chosen,
            sender=settings.mail_from,
            clock=clock,
            max_attempts=settings.send_max_attempts,
            retry_base_s=settings.send_retry_base_s,
        )
    log.info(
        "outbox: %d sent, %d to retry, %d failed", summary.sent, summary.retried, summary.failed
    )
    return summary


@dataclass
class CycleSummary:
    """What one full cycle did."""

    crawls: dict[str, dict[str, Any]] = field(default_factory=dict)
    crawl_errors: dict[str, str] = field(default_factory=dict)
    classified: int = 0
    classify_error: str | None = None
    alerts: int = 0
    digests: dict[str, int] = field(default_factory=dict)
    empty_digests: int = 0
    previews: list[Path] = field(default_factory=list)
    send: SendSummary | None = None

    @property
    def ok(self) -> bool:
        """No step failed (failed deliveries to bad addresses do not count)."""
        return not self.crawl_errors and self.classify_error is None


def run_cycle(
    *,
    settings: Settings | None = None,
    sources: dict[str, str | None] | None = None,
    states: list[str] | None = None,
    since: dt.date | None = None,
    force_digests: bool = False,
    send: bool = True,
    preview: Path | None = None,
    html: Path | None = None,
    run_crawl: CrawlFn | None = None,
    classify_versions: ClassifyFn | None = None,
    transport: Transport | None = None,
    now: dt.datetime | None = None,
) -> CycleSummary:
    """One cycle of the main job: crawl sources, classify, alerts, due digests, send.

    `preview` writes alerts and digests as files instead of queueing them; `html` queues and
    sends them as usual and also writes each one's files there (the demo's HTML preview).
    """
    settings = settings or get_settings()
    summary = CycleSummary()
    if sources is None:
        sources = {s: settings.source_base_urls.get(s) for s in settings.crawl_sources}
    for source, base_url in sources.items():
        try:
            summary.crawls[source] = crawl_job(
                source,
                settings=settings,
                base_url=base_url,
                states=states,
                since=since,
                run_crawl=run_crawl,
            )
        except Exception as exc:  # one broken source must not stop the others or the alerts
            log.exception("crawl of %s failed", source)
            summary.crawl_errors[source] = f"{type(exc).__name__}: {exc}"
    try:
        summary.classified = classify_job(settings=settings, classify_versions=classify_versions)
    except Exception as exc:  # alerts and digests still go out on what is classified
        log.exception("classification failed")
        summary.classify_error = f"{type(exc).__name__}: {exc}"
    now = now or utcnow()
    files, queue = (preview, False) if preview else (html, True)
    composed = alerts_job(settings=settings, now=now, preview=files, queue=queue)
    summary.alerts = composed.enqueued if queue else len(composed.previews)
    summary.previews += composed.previews
    for frequency in ("daily", "weekly"):
        done = digest_job(
            frequency,
            settings=settings,
            now=now,
            only_due=not force_digests,
            preview=files,
            queue=queue,
        )
        summary.digests[frequency] = done.enqueued if queue else len(done.previews)
        summary.empty_digests += done.empty
        summary.previews += done.previews
    if send and preview is None:
        summary.send = send_job(settings=settings, transport=transport)
    return summary
