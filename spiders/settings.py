"""Scrapy settings for every spider, in one place, read from billwatch settings."""

from __future__ import annotations

from typing import Any

from billwatch.settings import get_settings

# Keyed APIs are rate-limited per key; state sites are shared public servers, so go gently.
PER_SOURCE: dict[str, dict[str, Any]] = {
    "legiscan": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5},
    "openstates": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 1.0},
    "ny_openleg": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5},
    "ca_pubinfo": {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 2.0,
        "DOWNLOAD_MAXSIZE": 1024 * 1024 * 1024,
    },
    # api.data.gov allows 5,000 requests an hour per key: 0.8 s apart stays under it.
    "congress": {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0.8},
    "people": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5},
}


def user_agent() -> str:
    """An identifying user agent with the contact address from settings."""
    return f"billwatch/0.1 (legislative tracking; +mailto:{get_settings().contact_email})"


def build_settings(source: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Scrapy settings for one crawl of `source`, with `overrides` (tests lower delays)."""
    settings: dict[str, Any] = {
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
    settings.update(PER_SOURCE.get(source, {}))
    settings.update(overrides or {})
    return settings
