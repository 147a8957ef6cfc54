"""Crawl monitoring: one crawl-run row per run, health checks, and progress lines for the CLI."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter, LogFormatterResult
from sqlalchemy import select
from twisted.internet import task

from billwatch.db.models import CrawlRun, utcnow
from billwatch.db.session import get_sessionmaker
from billwatch.db.writer import start_run
from spiders.pipelines import BILL_FIELDS

REQUIRED_BILL_FIELDS = ("title", "actions")  # every source gives these for a real bill
# Where progress goes: set by spiders.run in a crawl child; None prints lines to stdout.
PROGRESS_SINK: Callable[[tuple[str, dict]], None] | None = None


@dataclass
class Thresholds:
    """When a run counts as unhealthy."""

    min_ratio: float = 0.5  # listed entries vs the previous good run
    min_coverage: float = 0.8  # share of bills having each required field
    max_error_ratio: float = 0.2  # errors per request


def stat_items(stats: dict[str, Any]) -> dict[str, int]:
    """Items stored by type, from the crawler stats."""
    prefix = "billwatch/items/"
    return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def coverage(stats: dict[str, Any]) -> dict[str, float]:
    """Share of bill items that had each field."""
    total = int(stats.get("billwatch/fields/bill/_total", 0))
    if not total:
        return {}
    return {f: stats.get(f"billwatch/fields/bill/{f}", 0) / total for f in BILL_FIELDS}


def health(
    *,
    listed: int,
    items: int,
    errors: int,
    requests: int,
    field_coverage: dict[str, float],
    previous_listed: int | None,
    thresholds: Thresholds,
    filtered: bool = False,
) -> str | None:
    """The reason a run is unhealthy, or None when it is healthy."""
    reasons = []
    if filtered:
        pass  # an "updated since" listing may rightly be empty
    elif listed == 0 and items == 0:
        reasons.append("no items: the listings returned nothing")
    elif previous_listed and listed < thresholds.min_ratio * previous_listed:
        reasons.append(f"far fewer entries than the previous run ({listed} vs {previous_listed})")
    for name in REQUIRED_BILL_FIELDS:
        share = field_coverage.get(name)
        if share is not None and share < thresholds.min_coverage:
            reasons.append(
                f"field coverage: {name} in {share:.0%} of bills (< {thresholds.min_coverage:.0%})"
            )
    if requests and errors / requests > thresholds.max_error_ratio:
        reasons.append(
            f"error ratio {errors}/{requests} requests (> {thresholds.max_error_ratio:.0%})"
        )
    return "; ".join(reasons) or None


class CrawlMonitor:
    """Writes the crawl-run row: created when the spider opens, completed when it closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.run_id: int | None = None
        self.started = time.monotonic()
        s = crawler.settings
        self.thresholds = Thresholds(
            s.getfloat("HEALTH_MIN_RATIO"),
            s.getfloat("HEALTH_MIN_COVERAGE"),
            s.getfloat("HEALTH_MAX_ERROR_RATIO"),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlMonitor:
        """Connect to the spider's open and close signals."""
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _sessions(self):  # type: ignore[no-untyped-def]
        return get_sessionmaker(getattr(self.crawler.spider, "database_url", None))

    def spider_opened(self, spider: Any) -> None:
        """Insert the running crawl-run row."""
        self.run_id = start_run(self._sessions(), spider.name, list(getattr(spider, "states", [])))
        if PROGRESS_SINK is not None:  # so the parent can close the row if this child dies
            PROGRESS_SINK(("run", {"id": self.run_id}))

    def _previous_listed(self, session: Any, spider: Any) -> int | None:
        query = (
            select(CrawlRun)
            .where(
                CrawlRun.source == spider.name, CrawlRun.status == "ok", CrawlRun.id != self.run_id
            )
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        )
        for run in session.scalars(query.limit(20)):
            if sorted(run.states or []) == sorted(getattr(spider, "states", [])):
                if not (run.stats or {}).get("filtered"):
                    return int((run.stats or {}).get("listed", 0)) or None
        return None

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Complete the row with counts, health and the memory for the next run."""
        stats = self.crawler.stats.get_stats()
        items = stat_items(stats)
        errors = int(stats.get("billwatch/errors", 0))
        requests = int(stats.get("downloader/request_count", 0))
        listed = int(stats.get("billwatch/listed", 0))
        field_coverage = coverage(stats)
        # A listing the server filtered by date ("updated since") is small by design.
        filtered = bool(getattr(spider, "filtered_listing", False))
        with self._sessions()() as session:
            run = session.get(CrawlRun, self.run_id)
            assert run is not None
            why: str | None
            if reason != "finished":
                status, why = "failed", f"crawl ended early: {reason}"
            else:
                why = health(
                    listed=listed,
                    items=sum(items.values()),
                    errors=errors,
                    requests=requests,
                    field_coverage=field_coverage,
                    previous_listed=self._previous_listed(session, spider),
                    thresholds=self.thresholds,
                    filtered=filtered,
                )
                status = "unhealthy" if why else "ok"
            run.finished_at = utcnow()
            run.status, run.health_reason = status, why
            run.requests = requests
            run.bytes = int(stats.get("downloader/response_bytes", 0))
            run.items = items
            run.errors = errors
            run.error_samples = list(getattr(spider, "error_samples", []))
            run.duration_s = round(time.monotonic() - self.started, 3)
            run.stats = {
                "listed": listed,
                "filtered": filtered,
                "unchanged": int(stats.get("billwatch/unchanged", 0)),
                "changed": {
                    k.rsplit("/", 1)[1]: v
                    for k, v in stats.items()
                    if k.startswith("billwatch/changed/")
                },
                "rejected": {
                    k.rsplit("/", 1)[1]: v
                    for k, v in stats.items()
                    if k.startswith("billwatch/rejected/")
                },
                "retries": {
                    k.rsplit("/", 1)[1]: v
                    for k, v in stats.items()
                    if k.startswith("billwatch/retry/")
                },
                "coverage": field_coverage,
                "memory": dict(getattr(spider, "memory", {})),
            }
            if status == "ok":
                self._drop_older_memory(session, spider.name)
            session.commit()
            self.crawler.billwatch_summary = summary(run)  # type: ignore[attr-defined]

    def _drop_older_memory(self, session: Any, source: str) -> None:
        """Keep the carried-forward memory (file hashes, dates) in the newest good run only."""
        older = select(CrawlRun).where(
            CrawlRun.source == source, CrawlRun.status == "ok", CrawlRun.id != self.run_id
        )
        for run in session.scalars(older):
            if (run.stats or {}).get("memory"):
                run.stats = {k: v for k, v in run.stats.items() if k != "memory"}


def summary(run: CrawlRun) -> dict[str, Any]:
    """The crawl-run row as the dict run_crawl returns."""
    return {
        "id": run.id,
        "source": run.source,
        "status": run.status,
        "health_reason": run.health_reason,
        "states": list(run.states or []),
        "requests": run.requests,
        "items": dict(run.items or {}),
        "errors": run.errors,
        "bytes": run.bytes,
        "duration_s": run.duration_s,
        "error_samples": list(run.error_samples or []),
        "listed": (run.stats or {}).get("listed", 0),
        "unchanged": (run.stats or {}).get("unchanged", 0),
        "retries": (run.stats or {}).get("retries", {}),
    }


class ProgressReporter:
    """Prints a JSON progress line to stdout every second, for the CLI's progress display."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.loop = task.LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        """Enabled by the BILLWATCH_PROGRESS setting."""
        if not crawler.settings.getbool("BILLWATCH_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        """Start reporting."""
        self.loop.start(1.0, now=True)

    def closed(self, spider: Any, reason: str) -> None:
        """Stop reporting, with one last line."""
        if self.loop.running:
            self.loop.stop()
        self.report()

    def report(self) -> None:
        """One progress line: requests, listed, items, errors."""
        stats = self.crawler.stats.get_stats()
        line = {
            "requests": int(stats.get("downloader/request_count", 0)),
            "listed": int(stats.get("billwatch/listed", 0)),
            "items": sum(stat_items(stats).values()),
            "errors": int(stats.get("billwatch/errors", 0)),
        }
        if PROGRESS_SINK is not None:
            PROGRESS_SINK(("progress", line))
        else:
            sys.stdout.write("PROGRESS " + json.dumps(line) + "\n")
            sys.stdout.flush()


class BriefLogFormatter(LogFormatter):
    """Scrapy's log lines, but a dropped item is named, not dumped (a bill carries its texts)."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        """One line: the reason, which already names the item's URL."""
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result
