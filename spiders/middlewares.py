"""Downloader middlewares: retries with backoff (Retry-After on 429 and 503), safe redirects."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting before each retry: Retry-After if given, else 2^n backoff."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 600.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        """Build from the crawler's settings."""
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    def _delay(self, request: Request, response: Response | None) -> float | None:
        """How long to wait before retrying `request`; None means give up now."""
        if response is not None and response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None:
                if wait > self.retry_after_max:
                    return None
                return wait
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * (2**attempt))

    # Scrapy accepts coroutine middleware methods (and no longer passes the spider).
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        """Retry a retryable status after the backoff delay."""
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request, response)
        reason = response_status_message(response.status)
        if delay is None:
            logger.warning("Giving up on %s: Retry-After too long (%s)", request.url, reason)
            return response
        retry = self._retry(request, reason)
        if retry is None:
            return response
        self.crawler.stats.inc_value(f"billwatch/retry/{response.status}")
        await asyncio.sleep(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry timeouts and connection errors after the backoff delay."""
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        self.crawler.stats.inc_value("billwatch/retry/exception")
        await asyncio.sleep(self._delay(request, None) or 0.0)
        return retry


# Headers and query parameters that carry a credential (X-Api-Key: congress.gov, Open States;
# ?key=: LegiScan, NY OpenLegislation). Scrapy itself drops only Authorization and Cookie.
CREDENTIAL_HEADERS = (b"X-Api-Key", b"Api-Key", b"Authorization", b"Proxy-Authorization")
CREDENTIAL_PARAM = re.compile(r"^(key|api[_-]?key|access[_-]?token|token)$", re.IGNORECASE)


class RefusedRedirect(IgnoreRequest):
    """A redirect of a keyed API request to another host: following it could hand the key over."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `url`, default ports filled in: what "the same host" compares."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), parts.port or default


def strip_key_params(url: str) -> str:
    """`url` without query parameters that look like credentials."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not CREDENTIAL_PARAM.match(k)]
    if len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def carries_credentials(request: Request) -> bool:
    """Whether `request` sends a key: in a credential header or a key query parameter."""
    if any(request.headers.get(name) for name in CREDENTIAL_HEADERS):
        return True
    query = urlparse_cached(request).query
    return any(CREDENTIAL_PARAM.match(k) for k, _ in parse_qsl(query, keep_blank_values=True))


class SafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, but a key never follows a redirect to another host.

    An API request (meta `api_request`, set by BillwatchSpider.api_request) redirected with its
    key to another scheme, host or port is refused, reported as an error naming the host; any
    other cross-host redirect loses its credential headers and key parameters on the way.
    """

    def _build_redirect_request(
        self, source_request: Request, response: Response, *, url: str, **kwargs: object
    ) -> Request:
        redirected = super()._build_redirect_request(source_request, response, url=url, **kwargs)
        if origin(source_request.url) == origin(redirected.url):
            return redirected
        if source_request.meta.get("api_request") and carries_credentials(source_request):
            raise RefusedRedirect(
                f"refused a redirect from {origin(source_request.url)[1]} to another host"
                f" ({origin(redirected.url)[1]}:{origin(redirected.url)[2]}):"
                " it would carry the API key there"
            )
        for name in CREDENTIAL_HEADERS:
            redirected.headers.pop(name, None)
        return redirected.replace(url=strip_key_params(redirected.url))
