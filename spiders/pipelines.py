"""Item pipelines: validate records, then write each through the one billwatch.db.writer.Writer."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from billwatch.db.session import get_sessionmaker
from billwatch.db.store import InvalidRecord, validate_bill, validate_version
from billwatch.db.writer import Writer, describe
from billwatch.records import (
    BillRecord,
    CommitteeRecord,
    EventRecord,
    PersonRecord,
    VersionText,
    VoteRecord,
)
from spiders.base import BillwatchSpider

logger = logging.getLogger(__name__)

# Fields whose coverage over bill items the monitor checks.
BILL_FIELDS = ("title", "actions", "sponsors", "versions")


def item_type(item: Any) -> str:
    """A short name of an item's type for counts: bill, version, event, person, committee."""
    names = {
        BillRecord: "bill",
        VersionText: "version",
        EventRecord: "event",
        PersonRecord: "person",
        CommitteeRecord: "committee",
        VoteRecord: "vote",
    }
    return names.get(type(item), type(item).__name__)


def item_url(item: Any) -> str:
    """The source address to name in an error about `item`."""
    if isinstance(item, VersionText):
        return item.version.url or f"{item.jurisdiction} {item.identifier}"
    urls = getattr(item, "source_urls", None)
    if urls:
        return urls[0]
    key = getattr(item, "identifier", None) or getattr(item, "source_key", None)
    return f"{getattr(item, 'jurisdiction', '?')} {key or getattr(item, 'name', '?')}"


class _Pipeline:
    """Common plumbing: the crawler, its stats, and error reports through the spider."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Pipeline:
        """Build with the crawler."""
        return cls(crawler)

    def reject(self, item: Any, reason: str) -> DropItem:
        """Report a bad item with its URL, count it, and return the DropItem to raise."""
        spider = self.crawler.spider
        url = item_url(item)
        if isinstance(spider, BillwatchSpider):
            spider.report_error(url, reason)
            spider.item_failed(item)
        self.crawler.stats.inc_value(f"billwatch/rejected/{item_type(item)}")
        return DropItem(f"{url}: {reason}")


class ValidatePipeline(_Pipeline):
    """Keep malformed records out of the database, naming what is wrong."""

    def process_item(self, item: Any) -> Any:
        """Check a record's natural key and parts; raise DropItem for a bad one."""
        try:
            if isinstance(item, BillRecord):
                validate_bill(item)
                self._count_fields(item)
            elif isinstance(item, VersionText):
                validate_version(item.version, item.identifier)
                if not item.version.text.strip():
                    raise InvalidRecord("the document has no text")
            elif isinstance(item, VoteRecord):
                if not (item.source_key and item.jurisdiction):
                    raise InvalidRecord("vote has no id or jurisdiction")
            elif isinstance(item, EventRecord | PersonRecord | CommitteeRecord):
                if not (item.jurisdiction and (getattr(item, "name", "") or "").strip()):
                    raise InvalidRecord(f"{item_type(item)} has no jurisdiction or name")
            else:
                raise InvalidRecord(f"unknown item type {type(item).__name__}")
        except InvalidRecord as exc:
            raise self.reject(item, f"invalid {item_type(item)}: {exc}") from exc
        return item

    def _count_fields(self, bill: BillRecord) -> None:
        stats = self.crawler.stats
        stats.inc_value("billwatch/fields/bill/_total")
        for name in BILL_FIELDS:
            if getattr(bill, name):
                stats.inc_value(f"billwatch/fields/bill/{name}")


class StorePipeline(_Pipeline):
    """Hand each record to the one Writer (its own transaction); then ask for missing texts."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.writer: Writer | None = None

    def open_spider(self) -> None:
        """Bind to the crawl's database; the schema is checked by spiders.run, never created."""
        spider = self.crawler.spider
        sessions = get_sessionmaker(getattr(spider, "database_url", None))
        self.writer = Writer(sessions, getattr(spider, "name", "crawl"))

    def close_spider(self) -> None:
        """Make every write durable and release the connection."""
        if self.writer is not None:
            self.writer.close()

    def process_item(self, item: Any) -> Any:
        """Write one record; on any error nothing of it is kept and the crawl goes on."""
        assert self.writer is not None
        kind = item_type(item)
        try:
            change = self.writer.write(item)
        except Exception as exc:
            raise self.reject(item, f"not stored: {describe(exc)}") from exc
        self.crawler.stats.inc_value(f"billwatch/items/{kind}")
        if change.changed:
            self.crawler.stats.inc_value(f"billwatch/changed/{kind}")
        spider = self.crawler.spider
        if isinstance(spider, BillwatchSpider):
            spider.item_stored(item)
            if isinstance(item, BillRecord) and change.needs_text:
                # Texts are asked for only now that their bill is committed.
                for request in spider.text_requests(item, change.needs_text):
                    self.crawler.engine.crawl(request)
        return item
