"""Writes parsed records through the store, one transaction per bill, and keeps the run's score.

Every bulk ingest goes through an `Ingester`: it commits each bill on its own (so a bad bill never
takes others with it, and nothing half-written is left), turns any failure into a reported
(path, reason) and records the run as a CrawlRun row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import CrawlRun, utcnow
from billwatch.db.store import (
    BillChange,
    upsert_bill,
    upsert_committee,
    upsert_event,
    upsert_person,
)
from billwatch.records import BillRecord, CommitteeRecord, EventRecord, PersonRecord

log = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 50


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
    from billwatch.db.store import InvalidRecord
    from billwatch.ingest.common import ParseError

    if isinstance(exc, ParseError | InvalidRecord):
        return str(exc)
    message = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {message[:300]}"


class Ingester:
    """Upserts records for one run and counts what changed."""

    def __init__(
        self, factory: sessionmaker[Session], source: str, advance: Callable[[], None] | None = None
    ) -> None:
        self.factory = factory
        self.source = source
        self.stats = IngestStats()
        self.advance = advance or (lambda: None)
        self.started = time.monotonic()
        self.run_id: int | None = None
        self.states: set[str] = set()
        self.resources = ExitStack()  # archives open for the run's inputs

    def start(self) -> None:
        """Record the run as started."""
        with self.factory.begin() as session:
            run = CrawlRun(source=self.source, started_at=utcnow(), status="running")
            session.add(run)
            session.flush()
            self.run_id = run.id

    def error(self, path: str, reason: str) -> None:
        """Report a failed input; the run goes on."""
        log.info("%s: %s", path, reason)
        self.stats.errors.append((path, reason))

    @contextmanager
    def guard(self, path: str) -> Iterator[None]:
        """Turn any failure inside into a reported error for `path`."""
        try:
            yield
        except Exception as exc:  # one bad input must never stop the run
            log.debug("failure on %s", path, exc_info=True)
            self.error(path, describe(exc))

    def bill(self, record: BillRecord, path: str) -> BillChange | None:
        """Upsert one bill in its own transaction; None when it failed (and was reported)."""
        change: BillChange | None = None
        self.states.add(record.jurisdiction.upper())
        with self.guard(path):
            with self.factory.begin() as session:
                change = upsert_bill(session, record)
            self.count(change)
            return change
        return None

    def count(self, change: BillChange, whole_bill: bool = True) -> None:
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
            with self.factory.begin() as session:
                upsert_person(session, record)
            self.stats.people += 1

    def committee(self, record: CommitteeRecord, path: str) -> None:
        """Upsert one committee and its members in its own transaction."""
        with self.guard(path):
            with self.factory.begin() as session:
                upsert_committee(session, record)
            self.stats.committees += 1

    def event(self, record: EventRecord, path: str) -> None:
        """Upsert one hearing and its agenda in its own transaction."""
        with self.guard(path):
            with self.factory.begin() as session:
                upsert_event(session, record)
            self.stats.events += 1

    def finish(self) -> IngestStats:
        """Close the run's archives; record its end, counts and errors."""
        self.resources.close()
        errors = self.stats.errors
        with self.factory.begin() as session:
            run = session.get(CrawlRun, self.run_id) if self.run_id else None
            if run is None:
                run = CrawlRun(source=self.source, started_at=utcnow())
                session.add(run)
            run.finished_at = utcnow()
            run.duration_s = round(time.monotonic() - self.started, 3)
            run.status = "ok" if not errors else "unhealthy"
            run.health_reason = f"{len(errors)} input(s) failed" if errors else None
            run.items = self.stats.items()
            run.errors = len(errors)
            run.error_samples = [f"{p}: {r}" for p, r in errors[:MAX_ERROR_SAMPLES]]
            run.stats = {"files": self.stats.files}
            run.states = sorted(self.states)
        return self.stats


def today() -> dt.date:
    """Today's date (a seam for tests that freeze time)."""
    return dt.date.today()
