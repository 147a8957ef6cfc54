"""Item pipelines: validate records, then write each through billwatch.db.store, one at a time."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.session import get_sessionmaker
from billwatch.db.store import (
    InvalidRecord,
    find_bill,
    upsert_bill,
    upsert_committee,
    upsert_event,
    upsert_person,
    validate_bill,
)
from billwatch.db.votes import upsert_vote
from billwatch.records import BillRecord, CommitteeRecord, EventRecord, PersonRecord, VoteRecord
from spiders.base import BillwatchSpider, VersionItem

logger = logging.getLogger(__name__)

# Fields whose coverage over bill items the monitor checks.
BILL_FIELDS = ("title", "actions", "sponsors", "versions")


def item_type(item: Any) -> str:
    """A short name of an item's type for counts: bill, version, event, person, committee."""
    names = {
        BillRecord: "bill",
        VersionItem: "version",
        EventRecord: "event",
        PersonRecord: "person",
        CommitteeRecord: "committee",
        VoteRecord: "vote",
    }
    return names.get(type(item), type(item).__name__)


def item_url(item: Any) -> str:
    """The source address to name in an error about `item`."""
    if isinstance(item, VersionItem):
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
            elif isinstance(item, VersionItem):
                validate_bill(
                    BillRecord(
                        item.jurisdiction, item.session, item.identifier, versions=[item.version]
                    )
                )
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
    """Upsert each record in its own transaction; a failure rolls back that record only."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.sessions: sessionmaker[Session] | None = None

    def open_spider(self) -> None:
        """Bind to the crawl's database; the schema is checked by spiders.run, never created."""
        spider = self.crawler.spider
        self.sessions = get_sessionmaker(getattr(spider, "database_url", None))

    def process_item(self, item: Any) -> Any:
        """Write one record; on any error nothing of it is kept and the crawl goes on."""
        assert self.sessions is not None
        kind = item_type(item)
        session = self.sessions()
        try:
            changed = self._write(session, item)
            session.commit()
        except Exception as exc:
            session.rollback()
            raise self.reject(item, f"not stored: {type(exc).__name__}: {exc}") from exc
        finally:
            session.close()
        self.crawler.stats.inc_value(f"billwatch/items/{kind}")
        if changed:
            self.crawler.stats.inc_value(f"billwatch/changed/{kind}")
        spider = self.crawler.spider
        if isinstance(spider, BillwatchSpider):
            spider.item_stored(item)
        return item

    def _write(self, session: Session, item: Any) -> bool:
        if isinstance(item, BillRecord):
            return upsert_bill(session, item).changed
        if isinstance(item, VersionItem):
            return self._write_version(session, item)
        if isinstance(item, EventRecord):
            return upsert_event(session, item)[1]
        if isinstance(item, PersonRecord):
            upsert_person(session, item)
            return True
        if isinstance(item, VoteRecord):
            return upsert_vote(session, item)[1]
        upsert_committee(session, item)
        return True

    def _write_version(self, session: Session, item: VersionItem) -> bool:
        """Attach fetched text to its stored bill, filling the version known so far by link."""
        bill = find_bill(session, item.jurisdiction, item.session, item.identifier)
        if bill is None:
            raise InvalidRecord(
                f"bill {item.jurisdiction} {item.session} {item.identifier}"
                " is not stored, so its text cannot be"
            )
        version = item.version
        if any(row.content_hash == version.content_hash for row in bill.versions):
            # The same text under another document id is not a new version; the link that
            # stood for it goes, so later runs do not fetch it again.
            for row in list(bill.versions):
                if not row.text and (
                    row.url == version.url
                    or (version.source_key and row.source_key == version.source_key)
                ):
                    bill.versions.remove(row)
            return False
        for row in bill.versions:
            # The placeholder is keyed on its URL: carry it over so the text fills it.
            same_key = version.source_key and row.source_key == version.source_key
            if not row.text and (same_key or row.url == version.url):
                version.url = row.url
                version.note = version.note or row.note
                version.date = version.date or row.date
                version.source_key = version.source_key or row.source_key
                break
        record = BillRecord(
            jurisdiction=item.jurisdiction,
            session=item.session,
            identifier=item.identifier,
            title=bill.title,
            classification=list(bill.classification),
            status=bill.status,
            versions=[version],
        )
        return bool(upsert_bill(session, record).new_versions)
