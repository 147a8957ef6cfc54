"""Scrapy settings every spider shares, in one place, read from billwatch settings."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from billwatch.settings import get_settings


def user_agent() -> str:
    """An identifying user agent with the contact address from settings."""
    return f"billwatch/0.1 (legislative tracking; +mailto:{get_settings().contact_email})"


def build_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The Scrapy settings of a crawl: ours at project priority, `overrides` above the spider's.

    Each spider's `custom_settings` (its politeness) come between the two, as Scrapy applies
    them when it creates the crawler; `overrides` (a replay server's zero delays, a test's
    limits) are set at command-line priority so that they still win.
    """
    base: dict[str, Any] = {
        "BOT_NAME": "billwatch",
        "USER_AGENT": user_agent(),
        # robots.txt is obeyed everywhere; keyed API requests opt out per request (base.py).
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS": 8,
        "DOWNLOAD_TIMEOUT": 60,
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 16 * 1024 * 1024,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "RETRY_BACKOFF_BASE": 2.0,  # seconds; doubled on each retry
        "RETRY_BACKOFF_MAX": 120.0,
        "RETRY_AFTER_MAX": 600.0,  # a longer Retry-After gives up rather than stall the crawl
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "spiders.middlewares.BackoffRetryMiddleware": 550,
            # Keys never follow a redirect to another host (#11).
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "spiders.middlewares.SafeRedirectMiddleware": 600,
        },
        "ITEM_PIPELINES": {
            "spiders.pipelines.ValidatePipeline": 100,
            "spiders.pipelines.StorePipeline": 300,
        },
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "spiders.monitor.CrawlMonitor": 500,
            "spiders.monitor.ProgressReporter": 510,
        },
        "HTTPERROR_ALLOW_ALL": False,
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOG_FORMATTER": "spiders.monitor.BriefLogFormatter",
        "PDF_TIMEOUT": 60,
        "PDF_MEMORY_MB": 512,
        "BILLWATCH_PROGRESS": False,
        # Health thresholds of a run (monitor.py).
        "HEALTH_MIN_RATIO": 0.5,
        "HEALTH_MIN_COVERAGE": 0.8,
        "HEALTH_MAX_ERROR_RATIO": 0.2,
    }
    settings = Settings(base, priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings
