"""What every spider shares: arguments, requests, JSON checks, error reports, stored state."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from billwatch.db.models import Bill, CrawlRun, Jurisdiction, Person
from billwatch.db.runs import latest_run
from billwatch.db.session import get_sessionmaker
from billwatch.db.writer import ErrorLog
from billwatch.ingest.common import ParseError, describe
from billwatch.records import BillRecord, VersionRecord
from billwatch.redact import configured_secrets, redact
from spiders.middlewares import RefusedRedirect

logger = logging.getLogger(__name__)


class BadResponse(ParseError):
    """A response that is not what the API documents (HTML error page, truncated JSON...)."""


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """A list from a comma-separated string (Scrapy `-a` arguments) or an iterable."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def parse_since(value: str | dt.date | None) -> dt.date | None:
    """A date from an ISO string or a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def load_json(response: Response) -> Any:
    """The JSON body of `response`, or BadResponse saying clearly what came instead."""
    body = response.body
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    head = body.lstrip()[:200].lower()
    if "html" in content_type or head.startswith((b"<!doctype", b"<html")):
        title = re.search(rb"<title>(.*?)</title>", body, re.I | re.S)
        label = title.group(1).decode("utf-8", "replace").strip() if title else "no title"
        raise BadResponse(f"expected JSON, got an HTML page ({label!r})")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadResponse(
            f"invalid JSON ({exc.msg} at byte {exc.pos} of {len(body)}; truncated?)"
        ) from exc
    except RecursionError:
        raise BadResponse("invalid JSON (nested too deeply)") from None


def hide_keys(text: str, *keys: str) -> str:
    """`text` with the configured keys, `keys` and any key parameter or header masked."""
    return redact(text, [*configured_secrets(), *keys])


class RedactKeys(logging.Filter):
    """A logging filter that hides API keys in every message (Scrapy logs request URLs)."""

    def __init__(self, *keys: str):
        super().__init__()
        self.keys = [k for k in keys if k]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message with keys hidden; never drops a record."""
        message = record.getMessage()
        hidden = hide_keys(message, *self.keys)
        if hidden != message:
            record.msg, record.args = hidden, ()
        if record.exc_info and not record.exc_text:  # a traceback quoting a URL with its key
            record.exc_text = hide_keys(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def hide_keys_in_logs(*keys: str) -> None:
    """Put RedactKeys on every root handler (Scrapy installs its handler when a crawl starts)."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactKeys)]:
            handler.removeFilter(old)
        handler.addFilter(RedactKeys(*keys))


def guarded(callback: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """Wrap a parse callback so one bad response is reported with its URL and the crawl goes on."""

    @functools.wraps(callback)
    def wrapper(self: BillwatchSpider, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from callback(self, response, **kwargs)
        except Exception as exc:  # one bad bill must never stop the crawl
            self.report_error(response.url, describe(exc))

    return wrapper


class BillwatchSpider(scrapy.Spider):
    """Base spider: arguments every source takes, polite requests, error reports, memory."""

    # A source's facts; the registry (spiders/registry.py) and `spiders.run` read them.
    # `name`: the source's one name (`crawl`, `ingest`, its parser module, the settings).
    # `custom_settings`: Scrapy's per-spider settings (politeness delays, size limits).
    default_base_url = ""
    api_key_env: str | None = None  # the environment variable of the API key, if one is needed
    api_key_url = ""  # where to get a key
    fixed_states: tuple[str, ...] = ()  # the jurisdictions of a single-jurisdiction source

    def __init__(
        self,
        base_url: str | None = None,
        states: str | Iterable[str] | None = None,
        sessions: str | Iterable[str] | None = None,
        since: str | dt.date | None = None,
        api_key: str | None = None,
        database_url: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.states = [s.upper() for s in split_list(states)]
        self.sessions = split_list(sessions)
        self.since = parse_since(since)
        self.api_key = api_key or ""
        self.database_url = database_url
        self.errors = ErrorLog()
        self.memory: dict[str, Any] = {}
        self._memory_on_store: dict[int, tuple[str, str, Any]] = {}
        self._sessionmaker: sessionmaker[Session] | None = None
        self.filtered_listing = False  # set when the server filters the listing by date
        self._later: list[scrapy.Request] = []

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BillwatchSpider:
        """Build the spider and listen for the moment it runs out of requests."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def later(self, request: scrapy.Request) -> None:
        """Send `request` once everything else is done (hearings after the bills they list)."""
        self._later.append(request)

    def on_idle(self) -> None:
        """Schedule the requests kept for later, and keep the spider open for them."""
        if self._later:
            requests, self._later = self._later, []
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[Any]:
        """Load what earlier runs remembered, then yield the source's first requests."""
        hide_keys_in_logs(self.api_key)
        self.load_memory()
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[scrapy.Request]:
        """The listing requests a crawl starts from."""
        raise NotImplementedError

    # -- requests -------------------------------------------------------------------------
    def api_request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request to a keyed API: robots.txt does not apply to documented API endpoints."""
        # `api_request`: a redirect of it to another host is refused (spiders/middlewares.py).
        meta = {"dont_obey_robotstxt": True, "api_request": True, **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)

    def site_request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request to a legislature's own site, which obeys its robots.txt."""
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    # -- errors ---------------------------------------------------------------------------
    def report_error(self, url: str, reason: str) -> None:
        """Log and count one failure with its URL; keep a sample for the crawl-run row."""
        # A timeout or a cancelled download quotes the request URL, key included (#11).
        url, reason = hide_keys(url, self.api_key), hide_keys(reason, self.api_key)
        logger.error("%s: %s", url, reason)
        if self.crawler:
            self.crawler.stats.inc_value("billwatch/errors")
        self.errors.add(url, reason)

    @property
    def error_samples(self) -> list[dict[str, str]]:
        """The first failures with their reasons, for the crawl-run row."""
        return self.errors.samples

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: a final HTTP error, a timeout, robots.txt, a refused link."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            retries = request.meta.get("retry_times", 0)
            reason = f"HTTP {status}" + (f" after {retries} retries" if retries else "")
        elif failure.check(TxTimeoutError):
            reason = f"timed out after {request.meta.get('retry_times', 0)} retries"
        elif failure.check(RefusedRedirect):
            reason = failure.getErrorMessage()
        elif failure.check(scrapy.exceptions.IgnoreRequest):
            self.crawler.stats.inc_value("billwatch/ignored")
            logger.warning(
                "%s: skipped (%s)",
                hide_keys(request.url, self.api_key),
                hide_keys(failure.getErrorMessage(), self.api_key),
            )
            return
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.report_error(request.url, reason)

    # -- counts ---------------------------------------------------------------------------
    def listed(self, n: int = 1) -> None:
        """Count entries seen in a listing (changed or not): the run's size for health checks."""
        self.crawler.stats.inc_value("billwatch/listed", n)

    def skipped(self, n: int = 1) -> None:
        """Count listing entries left alone because they have not changed."""
        self.crawler.stats.inc_value("billwatch/unchanged", n)

    # -- stored state ---------------------------------------------------------------------
    def db(self) -> Session:
        """A read-only session on the crawl's database (writes go through the pipeline)."""
        if self._sessionmaker is None:
            self._sessionmaker = get_sessionmaker(self.database_url)
        return self._sessionmaker()

    def stored_bill_extras(self, state: str, key: str, id_field: str = "id") -> dict[str, dict]:
        """{source id: extras[key]} of the stored bills of a state, for change detection."""
        found: dict[str, dict] = {}
        with self.db() as session:
            rows = session.execute(
                select(Bill.extras).join(Jurisdiction).where(Jurisdiction.code == state.upper())
            )
            for (extras,) in rows:
                mine = (extras or {}).get(key) or {}
                if mine.get(id_field) is not None:
                    found[str(mine[id_field])] = mine
        return found

    def stored_person_extras(self, state: str, key: str) -> dict[str, dict]:
        """{person source key: extras[key]} of the stored people of a state."""
        with self.db() as session:
            rows = session.execute(
                select(Person.source_key, Person.extras)
                .join(Jurisdiction)
                .where(Jurisdiction.code == state.upper())
            )
            return {source_key: (extras or {}).get(key) or {} for source_key, extras in rows}

    def last_good_run(self) -> CrawlRun | None:
        """The last run of this source that finished healthy."""
        with self.db() as session:
            return latest_run(session, self.name, "ok")

    def load_memory(self) -> None:
        """What earlier good runs remembered (file dates, blob hashes), carried forward."""
        run = self.last_good_run()
        self.memory = dict((run.stats or {}).get("memory", {})) if run else {}

    def remember(self, key: str, value: Any) -> None:
        """Keep `value` for the next run (saved in the crawl-run row when this run ends)."""
        self.memory[key] = value

    def remember_when_stored(self, item: object, key: str, name: str, value: Any) -> None:
        """Set memory[key][name] once the pipeline has stored `item` (so a failure is retried)."""
        self._memory_on_store[id(item)] = (key, name, value)

    def text_requests(
        self, record: BillRecord, versions: list[VersionRecord]
    ) -> Iterable[scrapy.Request]:
        """Requests for the texts of `versions`, which the store holds by their link only.

        The store pipeline asks for them once `record` is committed (so never for a bad bill);
        their callbacks yield `VersionText` items. Sources that fetch no texts yield nothing.
        """
        return []

    def item_stored(self, item: object) -> None:
        """Called by the store pipeline after `item` is committed."""
        pending = self._memory_on_store.pop(id(item), None)
        if pending:
            key, name, value = pending
            self.memory[key] = {**self.memory.get(key, {}), name: value}

    def item_failed(self, item: object) -> None:
        """Called by the pipelines when `item` was not stored."""
        self._memory_on_store.pop(id(item), None)
