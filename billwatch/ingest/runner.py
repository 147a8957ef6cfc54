"""Hands a bulk ingest's records to the one Writer and keeps the run's score.

Every bulk ingest goes through an `Ingester`: its `billwatch.db.writer.Writer` commits each bill
on its own (so a bad bill never takes others with it, and nothing half-written is left) and
records the run as a CrawlRun row; the Ingester turns any failure into a reported (path, reason).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.store import Change
from billwatch.db.writer import Writer
from billwatch.db.writer import describe as writer_describe
from billwatch.records import BillRecord, CommitteeRecord, EventRecord, PersonRecord, VersionRecord

log = logging.getLogger(__name__)
BATCH = 200  # records a bulk ingest commits at once (see billwatch.db.writer)


@dataclass
class IngestStats:
    """What one ingest run read and wrote."""

    files: int = 0
    bills_created: int = 0
    bills_updated: int = 0
    bills_unchanged: int = 0
    versions_added: int = 0
    actions_added: int = 0
    people: int = 0
    committees: int = 0
    events: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, int]]:
        """(label, count) rows for the summary table."""
        return [
            ("files", self.files),
            ("bills created", self.bills_created),
            ("bills updated", self.bills_updated),
            ("bills unchanged", self.bills_unchanged),
            ("versions added", self.versions_added),
            ("actions added", self.actions_added),
            ("people", self.people),
            ("committees", self.committees),
            ("events", self.events),
            ("errors", len(self.errors)),
        ]

    def items(self) -> dict[str, int]:
        """Counts keyed for CrawlRun.items."""
        return {label.replace(" ", "_"): count for label, count in self.rows()}


def describe(exc: BaseException) -> str:
    """A one-line reason for a failure, without a traceback."""
    from billwatch.ingest.common import ParseError

    if isinstance(exc, ParseError):
        return str(exc)
    return writer_describe(exc)


class Ingester:
    """Hands a bulk ingest's records to the one Writer and counts what changed."""

    def __init__(
        self, factory: sessionmaker[Session], source: str, advance: Callable[[], None] | None = None
    ) -> None:
        self.source = source
        self.writer = Writer(factory, source, batch=BATCH)
        self.writer.on_error = self._failed  # a queued text may fail after its call returned
        self.writer.on_undone = self._undone
        self.factory = self.writer.reader()  # what parsers look up includes this run's batch
        self.stats = IngestStats()
        self.advance = advance or (lambda: None)
        self.resources = ExitStack()  # archives open for the run's inputs

    @property
    def run_id(self) -> int | None:
        """The run's crawl_runs row."""
        return self.writer.run_id

    def start(self) -> None:
        """Record the run as started."""
        self.writer.start()

    def error(self, path: str, reason: str) -> None:
        """Report a failed input; the run goes on."""
        self.writer.error(path, reason)  # which tells `_failed`

    def _failed(self, path: str, reason: str) -> None:
        self.stats.errors.append((path, reason))

    def _undone(self, change: Change) -> None:
        """A bill or text counted as stored failed with its batch: take it out of the counts."""
        if change.created:
            self.stats.bills_created -= 1
            self.stats.actions_added -= change.new_actions
        self.stats.versions_added -= len(change.new_versions)

    @contextmanager
    def guard(self, path: str) -> Iterator[None]:
        """Turn any failure inside into a reported error for `path`."""
        try:
            yield
        except Exception as exc:  # one bad input must never stop the run
            log.debug("failure on %s", path, exc_info=True)
            self.error(path, describe(exc))

    def bill(self, record: BillRecord, path: str) -> Change | None:
        """Upsert one bill in its own transaction; None when it failed (and was reported)."""
        with self.guard(path):
            change = self.writer.bill(record, path)
            self.count(change)
            return change
        return None

    def text(self, bill_id: int, version: VersionRecord, path: str) -> Change | None:
        """Store a fetched text on a stored bill; None when it failed (and was reported)."""
        with self.guard(path):
            change = self.writer.text_of(bill_id, version, path)
            self.count(change, whole_bill=False)
            return change
        return None

    def count(self, change: Change, whole_bill: bool = True) -> None:
        """Add one bill's change to the run's counts (a text alone adds only its version)."""
        if not whole_bill:
            self.stats.versions_added += len(change.new_versions)
            return
        if change.created:
            self.stats.bills_created += 1
        elif change.changed:
            self.stats.bills_updated += 1
        else:
            self.stats.bills_unchanged += 1
        self.stats.versions_added += len(change.new_versions)
        self.stats.actions_added += change.new_actions

    def person(self, record: PersonRecord, path: str) -> None:
        """Upsert one legislator in its own transaction."""
        with self.guard(path):
            self.writer.person(record)
            self.stats.people += 1

    def committee(self, record: CommitteeRecord, path: str) -> None:
        """Upsert one committee and its members in its own transaction."""
        with self.guard(path):
            self.writer.committee(record)
            self.stats.committees += 1

    def event(self, record: EventRecord, path: str) -> None:
        """Upsert one hearing and its agenda in its own transaction."""
        with self.guard(path):
            self.writer.event(record)
            self.stats.events += 1

    def finish(self) -> IngestStats:
        """Close the run's archives; record its end, counts and errors."""
        self.resources.close()
        self.writer.finish(self.stats.items(), stats={"files": self.stats.files})
        return self.stats


def today() -> dt.date:
    """Today's date (a seam for tests that freeze time)."""
    return dt.date.today()
