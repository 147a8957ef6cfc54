"""The one writer: every crawl and bulk ingest stores its records and its run through a Writer.

Each record is written whole or not at all, so one bad record never takes others with it and
nothing is ever half-written. A bulk ingest commits a batch of records at a time (`batch`, at
most BATCH_SECONDS apart): a commit costs as much as the writes of a whole bill (an fsync on
PostgreSQL, WAL pages on SQLite), and a process killed mid-batch loses only that batch's
uncommitted records, whole, which the next run writes again. Within a batch one SAVEPOINT marks
its start (a savepoint per record would cost two more round trips each); when a record fails,
the batch goes back to that savepoint and writes its other records again, each in a savepoint
of its own, and the failed one is reported. A crawl, whose items come at the pace of the
network, commits each record.

In a batch a new bill costs no statement of its own: its ids are drawn ahead (from the
sequences on PostgreSQL, counted up from the largest under the batch's write lock on SQLite),
and its rows wait in a buffer (`store.insert_new_bill`) that goes out as one multi-row INSERT
per table before any other record's statement, any read, or the commit. On PostgreSQL fetched
texts are queued in psycopg's pipeline mode, and so is the buffer's INSERT; the queue's
results are read once, before the next statement that is not queued (a bill that is not new, a
read) or at the commit. A row or text refused then sends the batch back like any failure, and
is reported under the name its caller gave (`text_of(..., where)`); a new bill written again
goes in one round trip of its own, and should that fail, the ordinary way.
An unchanged bill costs a dictionary lookup: the writer loads the record hashes of a session's
stored bills once, and writes nothing for a record whose hash is stored (it only marks the bill
as seen, in batches).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import CrawlRun, utcnow
from billwatch.db.store import (
    BILLS,
    VERSIONS,
    Change,
    IdPool,
    InvalidRecord,
    Keys,
    RowBuffer,
    VersionCache,
    find_bill_id,
    insert_buffered,
    insert_new_bill,
    record_hash,
    upsert_committee,
    upsert_event,
    upsert_person,
    validate_bill,
    validate_version,
    write_bill,
    write_text,
)
from billwatch.db.votes import upsert_vote
from billwatch.records import (
    BillRecord,
    CommitteeRecord,
    EventRecord,
    PersonRecord,
    VersionRecord,
    VersionText,
    VoteRecord,
)

log = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 50  # per run, for crawls and ingests alike
TOUCH_BATCH = 500  # unchanged bills marked as seen per UPDATE
BATCH_SECONDS = 1.0  # the longest a batch keeps its records (and SQLite's write lock) uncommitted


@dataclass
class ErrorLog:
    """A run's failures: all counted, the first MAX_ERROR_SAMPLES kept with their reasons."""

    count: int = 0
    samples: list[dict[str, str]] = field(default_factory=list)

    def add(self, where: str, reason: str) -> None:
        """Count one failure at `where` (a URL or a path) and keep it if there is room."""
        self.count += 1
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append({"url": where, "reason": reason})


def describe(exc: BaseException) -> str:
    """A one-line reason for a failure, without a traceback."""
    if isinstance(exc, InvalidRecord):
        return str(exc)
    message = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {message[:300]}"


def contended(exc: DBAPIError) -> bool:
    """Whether a failure came from a concurrent writer (a deadlock, a busy SQLite file)."""
    code = getattr(exc.orig, "sqlstate", None)  # psycopg: deadlock, serialization failure
    return code in ("40P01", "40001") or "database is locked" in str(exc.orig)


def start_run(factory: sessionmaker[Session], source: str, states: list[str]) -> int:
    """Insert a running crawl-run row; returns its id."""
    with factory.begin() as session:
        run = CrawlRun(source=source, states=states, started_at=utcnow(), status="running")
        session.add(run)
        session.flush()
        return run.id


@dataclass
class _Replay:
    """How to write a record again, where to report it if it then fails, and the change its
    first writing reported (undone, should it fail)."""

    write: Callable[[], Any]
    where: str = "a record written again after another failed"
    change: Change | None = None

    def __call__(self) -> Any:
        return self.write()


class _FastInsertFailed(Exception):
    """A new bill's one-round-trip insert failed (see `billwatch.db.store.insert_new_bill`)."""


class Writer:
    """Writes records one transaction each, remembers what is stored, and records the run."""

    def __init__(self, factory: sessionmaker[Session], source: str, batch: int = 1) -> None:
        self.factory = factory
        self.batch = batch
        self.source = source
        self.engine: Engine = factory.kw["bind"]
        self.errors = ErrorLog()
        self.keys = Keys()
        self.states: set[str] = set()
        self.run_id: int | None = None
        self.started = time.monotonic()
        self._conn: Connection | None = None
        self._outer: Any = None  # the batch's transaction, while one is open
        self._in_batch = 0
        self._batch_started = 0.0
        # session id -> {identifier: (bill id, record hash)}; bill id -> stored content hashes
        self._bills: dict[int, dict[str, tuple[int, str | None]]] = {}
        self._texts: dict[int, set[str]] = {}
        self._fetched: dict[int, set[str]] = {}  # bill id -> URLs and keys of stored texts
        self._versions: VersionCache = {}  # versions of the bills written by this writer
        self._seen: list[int] = []  # unchanged bills not yet marked as seen
        self._pool = IdPool()  # ids drawn ahead for new bills
        # A batch (batch > 1) writes without a savepoint per record: one savepoint marks its
        # start, and when a record fails the batch goes back to it and writes its records again,
        # each in a savepoint of its own. `_ops` replays them; `_alias` maps a bill id handed out
        # before the replay to the id the replay gave the same bill.
        self._mark: Any = None
        self._ops: list[Callable[[], Any]] = []
        self._alias: dict[int, int] = {}
        self._replaying = False
        self._falls = 0  # how many times a batch went back: a queued text checks it
        # A bulk ingest on PostgreSQL queues its texts' updates in psycopg's pipeline mode and
        # reads their results once (`_sync`): before any other statement, or at the commit.
        self._pipe: Any = None
        self._queueing = False
        # New bills' rows, buffered in a batch until another statement needs them.
        self._rows: RowBuffer = {}
        self._buffering = False  # inside a buffered bill: its reads need no earlier rows
        self._flushing = False
        self.on_error: Callable[[str, str], None] | None = None  # told of every reported error
        # Told of a change reported for a record (a buffered bill, a queued text) that failed
        # when its batch was written: it is not stored after all.
        self.on_undone: Callable[[Change], None] | None = None

    # -- transactions ---------------------------------------------------------------------
    @property
    def conn(self) -> Connection:
        """The writer's own connection, held for its life."""
        if self._conn is None:
            self._conn = self.engine.connect()
            event.listen(self._conn, "before_execute", self._before_execute)
        return self._conn

    def _before_execute(self, *_args: Any) -> None:
        if self._flushing:
            return
        if self._rows and not self._buffering:
            self._flush()  # whatever comes next may read or refer to the buffered bills
        if self._pipe is not None and not self._queueing:
            self._sync()  # a statement that is not queued (a read, a savepoint, a bill) waits

    def _open_pipe(self, conn: Connection) -> None:
        """Enter psycopg's pipeline mode, if not in it: what follows is only queued."""
        if self._pipe is None:
            self._pipe = conn.connection.driver_connection.pipeline()  # type: ignore[union-attr]
            self._pipe.__enter__()

    def _flush(self) -> None:
        """Queue the buffered new bills' rows, one multi-row INSERT per table; should one be
        refused, go back to the batch's start and write its records again, one by one."""
        rows, self._rows = self._rows, {}
        if not rows:
            return
        self._flushing = True
        try:
            if self.conn.dialect.name == "postgresql":
                self._open_pipe(self.conn)  # queued: their results are read with the texts'
            insert_buffered(self.conn, rows)
        except DBAPIError:
            log.debug("a buffered bill failed", exc_info=True)
            self._fall_back()  # the failed bill is reported where it came from
        finally:
            self._flushing = False

    def _sync(self) -> None:
        """Leave the pipeline of queued texts: wait for their results, and should one have
        failed, go back to the batch's start and write its records again, one by one."""
        pipe, self._pipe = self._pipe, None
        if pipe is None:
            return
        try:
            pipe.__exit__(None, None, None)
        except Exception:
            log.debug("a queued text failed", exc_info=True)
            self._fall_back()  # the failed text is reported where it came from

    @contextmanager
    def transaction(
        self,
        replay: list[Callable[[], Any]] | None = None,
        queued: bool = False,
        buffered: bool = False,
    ) -> Iterator[Connection]:
        """One record's transaction: committed whole, or rolled back whole.

        `replay` receives, from the caller once its writes are done, how to write the record
        again: a batch needs it to go back to its start when a later record fails. A `queued`
        record's statements join the pipeline's queue; a `buffered` one adds its rows to the
        buffer (and, of its own, only reads what no buffered row changes).
        """
        conn = self.conn
        if not buffered:
            self._flush()  # before the record: a failure there is another record's
        if not queued:
            self._sync()
        if self._outer is None:
            self._outer = conn.begin()
            self._batch_started = time.monotonic()
            if conn.dialect.name == "sqlite":
                # pysqlite begins only before DML; without this the first SAVEPOINT would be
                # the outermost transaction and its RELEASE a commit. IMMEDIATE takes the write
                # lock now, so a concurrent writer waits (busy_timeout) instead of failing.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        optimistic = self.batch > 1 and replay is not None and not self._replaying
        try:
            if optimistic:
                if self._mark is None:
                    self._mark = conn.begin_nested()
                self._buffering = buffered
                try:
                    yield conn
                except BaseException:
                    self._fall_back()  # the others of the batch are written again, one by one
                    raise
                finally:
                    self._buffering = False
                self._ops.extend(replay or [])
            else:
                with conn.begin_nested():
                    yield conn
        except BaseException:
            self.keys.rolled_back()
            raise
        finally:
            self._in_batch += 1
            if self._in_batch >= self.batch or self._batch_age() > BATCH_SECONDS:
                self.commit()
        self.keys.committed()

    def _fall_back(self) -> None:
        """Undo the batch so far, then write its records again, each in its own savepoint."""
        self._falls += 1
        mark, self._mark = self._mark, None
        ops, self._ops = self._ops, []
        self._rows = {}  # not sent: their records are written again below
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            with suppress(Exception):  # its failure, if any, is one of the records below
                pipe.__exit__(None, None, None)
        mark.rollback()
        self._forget()
        self._replaying = True
        try:
            for op in ops:
                self._write_again(op)
        finally:
            self._replaying = False

    def _write_again(self, op: Callable[[], Any]) -> None:
        """Write a record of a batch that went back; report it, and undo its change, if it fails."""
        try:
            op()
        except Exception as exc:  # one bad record must never stop the batch
            where = getattr(op, "where", _Replay.where)
            log.debug("failure on %s", where, exc_info=True)
            self.error(where, describe(exc))
            change = getattr(op, "change", None)
            if change is not None and self.on_undone is not None:
                self.on_undone(change)

    def _forget(self) -> None:
        """What the writer remembers of uncommitted writes is wrong: forget it."""
        self.keys = Keys()
        self._bills.clear()
        self._texts.clear()
        self._fetched.clear()
        self._versions.clear()

    def _id(self, bill_id: int) -> int:
        """The current id of a bill whose id was handed out before a batch was written again."""
        while bill_id in self._alias:
            bill_id = self._alias[bill_id]
        return bill_id

    def reader(self) -> sessionmaker[Session]:
        """Sessions on the writer's connection: they see its batch before it is committed."""
        return sessionmaker(bind=self.conn, expire_on_commit=False)

    def _batch_age(self) -> float:
        return time.monotonic() - self._batch_started

    def commit(self) -> None:
        """Commit the open batch; if that fails, forget what the batch wrote and re-raise."""
        if self._outer is not None:
            self._flush()
            self._sync()
        outer, self._outer, self._in_batch = self._outer, None, 0
        self._mark, self._ops = None, []
        if outer is None:
            return
        try:
            outer.commit()
        except BaseException:
            # Nothing of the batch is stored: what the writer remembers of it is wrong.
            self._forget()
            raise
        finally:
            self._pool.release()  # SQLite's write lock is gone, and with it the counted ids

    def close(self) -> None:
        """Mark the unchanged bills as seen, commit, and hand the connection back."""
        self._touch()
        self.commit()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- records --------------------------------------------------------------------------
    def bill(self, record: BillRecord, where: str = "") -> Change:
        """Upsert one bill and its parts; raises (with nothing written) when it fails.

        In a batch a new bill's rows are sent later: should the database refuse
        them, the failure is reported then, as `where`, and its change undone (`on_undone`).
        """
        validate_bill(record)
        self.states.add(record.jurisdiction.upper())
        if len(self._seen) >= TOUCH_BATCH:
            self._touch()
        digest = record_hash(record)
        known = self._cached(record)
        if known is not None and known[1] == digest and known[0] in self._fetched:
            # The same record as last time: nothing to write but that it was seen.
            self._seen.append(known[0])
            return Change(known[0], needs_text=self._missing_texts(self.conn, known[0], record))
        try:
            return self._write_bill(record, digest, where)
        except DBAPIError as exc:
            if not contended(exc):
                raise
            # Another writer holds rows this batch waits for, and waits for ours: commit what
            # this batch has (releasing its locks), then write the record again.
            log.debug("retrying %s after %s", record.identifier, exc)
            self.commit()
            return self._write_bill(record, digest, where)

    def _write_bill(self, record: BillRecord, digest: str, where: str = "") -> Change:
        # Ids drawn ahead pay on PostgreSQL always (one round trip); on SQLite in a batch, whose
        # write lock keeps the counted ids free (one commit a bill would count them each time).
        if self.engine.dialect.name == "postgresql" or self.batch > 1:
            try:
                return self._write_bill_as(record, digest, where, fast=True)
            except _FastInsertFailed:
                # Gone back like any failure (with its batch); a concurrent writer stored the
                # bill first, or the record is bad: the ordinary way updates it or says why.
                log.debug("writing %s again the ordinary way", record.identifier)
        return self._write_bill_as(record, digest, where, fast=False)

    def _write_bill_as(self, record: BillRecord, digest: str, where: str, fast: bool) -> Change:
        fresh: VersionCache = {}
        replay: list[Callable[[], Any]] = []
        # In a batch a new bill's rows wait in the buffer, sent with other bills' rows.
        buffer = self._rows if fast and self.batch > 1 and not self._replaying else None
        with self.transaction(replay, buffered=buffer is not None) as conn:
            _, sid = self.keys.ids(conn, record)
            known = self._known(conn, sid).get(record.identifier)
            if known is not None and known[1] == digest:
                self._seen.append(known[0])
                return Change(known[0], needs_text=self._missing_texts(conn, known[0], record))
            if fast and known is None:
                try:
                    change = insert_new_bill(
                        conn, record, self.keys, utcnow(), digest, self._pool, fresh, buffer
                    )
                except Exception as exc:
                    raise _FastInsertFailed from exc
            else:
                change = write_bill(
                    conn, record, self.keys, utcnow(), digest, absent=known is None, cache=fresh
                )
            again = _Replay(
                lambda: self._rewrite_bill(change.id, record, digest, where), change=change
            )
            again.where = where or again.where
            replay.append(again)
        self._versions.pop(change.id, None)
        self._versions.update(fresh)
        self._bills[sid][record.identifier] = (change.id, digest)
        self._texts.setdefault(change.id, set()).update(
            v.content_hash for v in record.versions if v.text.strip()
        )
        self._fetched.pop(change.id, None)
        return change

    def _rewrite_bill(self, bill_id: int, record: BillRecord, digest: str, where: str) -> None:
        change = self._write_bill(record, digest, where)
        if change.id != bill_id:
            self._alias[bill_id] = change.id

    def _cached(self, record: BillRecord) -> tuple[int, str | None] | None:
        """(id, record hash) of a stored bill, when the writer knows it without a query."""
        sid = self.keys.cached(record)
        bills = self._bills.get(sid) if sid is not None else None
        return bills.get(record.identifier) if bills is not None else None

    def _missing_texts(
        self, conn: Connection, bill_id: int, record: BillRecord
    ) -> list[VersionRecord]:
        """Versions of an unchanged bill still stored by their link only (a fetch failed)."""
        links = [v for v in record.versions if not v.text.strip() and (v.url or v.source_key)]
        if not links:
            return []
        if bill_id not in self._fetched:
            rows = conn.execute(
                select(VERSIONS.c.url, VERSIONS.c.source_key).where(
                    VERSIONS.c.bill_id == bill_id, VERSIONS.c.text != ""
                )
            )
            self._fetched[bill_id] = {ref for row in rows for ref in row if ref}
        fetched = self._fetched[bill_id]
        return [v for v in links if not fetched & {v.url, v.source_key}]

    def text(self, item: VersionText) -> Change:
        """Store a version's fetched text on the bill with the item's natural key."""
        replay: list[Callable[[], Any]] = [lambda: self.text(item)]
        with self.transaction(replay) as conn:
            bill_id = find_bill_id(conn, item.jurisdiction, item.session, item.identifier)
            if bill_id is None:
                raise InvalidRecord(
                    f"bill {item.jurisdiction} {item.session} {item.identifier}"
                    " is not stored, so its text cannot be"
                )
            change = write_text(conn, bill_id, item.version, utcnow())
        self._fetched.pop(bill_id, None)
        self._versions.pop(bill_id, None)
        return change

    def text_of(self, bill_id: int, version: VersionRecord, where: str = "") -> Change:
        """Store a version's fetched text on the bill with this id.

        In a batch on PostgreSQL, the text of a version its bill left as a link is queued: its
        failure, should the database refuse it, is reported at the batch's end (as `where`),
        when the batch goes back and writes its records again one by one.
        """
        # Buffered bills go out first, and their results are read: should one fail, the
        # batch is written again and this bill may have a new id, which the alias gives.
        if self._rows:
            self._flush()
            self._sync()
        bill_id = self._id(bill_id)
        known = self._texts.get(bill_id)
        if known is not None and version.text.strip() and version.content_hash in known:
            return Change(id=bill_id)  # the same text again: the common case on a re-run
        if not version.text.strip():
            raise InvalidRecord("the document has no text")  # before a batch has to go back
        validate_version(version, f"bill {bill_id}")
        replay: list[Callable[[], Any]] = [
            _Replay(lambda: self.text_of(bill_id, version), where or _Replay.where)
        ]
        queue = (
            self.batch > 1
            and not self._replaying
            and bill_id in self._versions
            and self.engine.dialect.name == "postgresql"
        )
        try:
            change = self._queue_text(bill_id, version, replay) if queue else None
            if change is None:  # not queued, or the queue failed: write it now
                bill_id = self._id(bill_id)  # the batch may have been written again
                replay = [_Replay(lambda: self.text_of(bill_id, version), where or _Replay.where)]
                with self.transaction(replay) as conn:
                    change = write_text(conn, bill_id, version, utcnow(), self._versions)
            for op in replay:  # should a later failure send it back, this change is undone
                if isinstance(op, _Replay):
                    op.change = change
        finally:
            self._versions.pop(bill_id, None)  # changed, or rolled back: ask the database
            self._fetched.pop(bill_id, None)
        if known is not None:
            known.add(version.content_hash)
        return change

    def _queue_text(
        self, bill_id: int, version: VersionRecord, replay: list[Callable[[], Any]]
    ) -> Change | None:
        """Queue a text's writes; None when a queued write failed (psycopg may tell while
        queueing the next one): the batch has then gone back and been written again."""
        failed = False
        falls = self._falls
        with self.transaction(replay, queued=True) as conn:
            self._pool.reserve(conn, VERSIONS, 1)  # a query: it waits for the queue
            if self._falls != falls:
                # An earlier queued text failed there and the batch was written again: this
                # text's bill may have a new id, so the caller writes it on its own.
                replay.clear()
                return None
            if self._mark is None:
                self._mark = conn.begin_nested()  # the batch's start, before anything queued
            self._open_pipe(conn)
            self._queueing = True
            try:
                change = write_text(conn, bill_id, version, utcnow(), self._versions, self._pool)
            except DBAPIError:
                # This text's write or an earlier one's failed: nothing of this one is kept.
                replay.clear()
                failed = True
            finally:
                self._queueing = False
        if failed:
            if self._mark is not None:
                self._fall_back()  # each record again, one by one; the failed one reported
            return None
        return change

    def event(self, record: EventRecord) -> Change:
        """Upsert one hearing and its agenda."""
        self.commit()  # its agenda links to bills: they must be visible, and SQLite unlocked
        with self.factory.begin() as session:
            return upsert_event(session, record)

    def person(self, record: PersonRecord) -> Change:
        """Upsert one legislator and their offices."""
        self.commit()
        with self.factory.begin() as session:
            return upsert_person(session, record)

    def committee(self, record: CommitteeRecord) -> Change:
        """Upsert one committee and its members."""
        self.commit()
        with self.factory.begin() as session:
            return upsert_committee(session, record)

    def vote(self, record: VoteRecord) -> Change:
        """Upsert one roll call with its counts and each legislator's vote."""
        self.commit()  # it links to its bill, which must be visible
        with self.factory.begin() as session:
            event, changed = upsert_vote(session, record)
            return Change(event.id, fields_changed=["vote"] if changed else [])

    def write(self, item: Any) -> Change:
        """Write any record or fetched text by its type."""
        writers: dict[type, Callable[[Any], Change]] = {
            BillRecord: self.bill,
            VersionText: self.text,
            EventRecord: self.event,
            PersonRecord: self.person,
            CommitteeRecord: self.committee,
            VoteRecord: self.vote,
        }
        writer = writers.get(type(item))
        if writer is None:
            raise InvalidRecord(f"unknown item type {type(item).__name__}")
        return writer(item)

    def _known(self, conn: Connection, session_id: int) -> dict[str, tuple[int, str | None]]:
        """Stored bills of a session and their versions' hashes, loaded once per session."""
        if session_id not in self._bills:
            rows = conn.execute(
                select(BILLS.c.identifier, BILLS.c.id, BILLS.c.record_hash).where(
                    BILLS.c.session_id == session_id
                )
            )
            self._bills[session_id] = {ident: (bid, digest) for ident, bid, digest in rows}
            versions = conn.execute(
                select(
                    VERSIONS.c.bill_id,
                    VERSIONS.c.content_hash,
                    VERSIONS.c.url,
                    VERSIONS.c.source_key,
                    VERSIONS.c.text != "",
                )
                .join(BILLS, VERSIONS.c.bill_id == BILLS.c.id)
                .where(BILLS.c.session_id == session_id)
            )
            for bill_id, digest, url, source_key, has_text in versions:
                self._texts.setdefault(bill_id, set()).add(digest)
                fetched = self._fetched.setdefault(bill_id, set())
                if has_text:
                    fetched.update(ref for ref in (url, source_key) if ref)
        return self._bills[session_id]

    def _touch(self) -> None:
        """Mark the unchanged bills met since the last call as seen now."""
        if not self._seen:
            return
        ids, self._seen = sorted({self._id(i) for i in self._seen}), []
        self._mark_seen(ids)

    def _mark_seen(self, ids: list[int]) -> None:
        replay: list[Callable[[], Any]] = [lambda: self._mark_seen([self._id(i) for i in ids])]
        with self.transaction(replay) as conn:
            conn.execute(update(BILLS).where(BILLS.c.id.in_(ids)).values(last_seen=utcnow()))

    # -- the run --------------------------------------------------------------------------
    def start(self, states: list[str] | None = None) -> int:
        """Record the run as started."""
        self.run_id = start_run(self.factory, self.source, states or [])
        return self.run_id

    def error(self, where: str, reason: str) -> None:
        """Report a failed input or item; the run goes on."""
        log.info("%s: %s", where, reason)
        self.errors.add(where, reason)
        if self.on_error is not None:
            self.on_error(where, reason)

    @contextmanager
    def guard(
        self, where: str, reason: Callable[[BaseException], str] = describe
    ) -> Iterator[None]:
        """Turn any failure inside into a reported error for `where`."""
        try:
            yield
        except Exception as exc:  # one bad input must never stop the run
            log.debug("failure on %s", where, exc_info=True)
            self.error(where, reason(exc))

    def finish(self, items: dict[str, int], **fields: Any) -> CrawlRun:
        """Close the writer and complete the run's row with counts, errors and `fields`."""
        self.close()
        with self.factory.begin() as session:
            run = session.get(CrawlRun, self.run_id) if self.run_id else None
            if run is None:
                run = CrawlRun(source=self.source, started_at=utcnow())
                session.add(run)
            errors = self.errors.count
            run.finished_at = utcnow()
            run.duration_s = round(time.monotonic() - self.started, 3)
            run.status = "ok" if not errors else "unhealthy"
            run.health_reason = f"{errors} input(s) failed" if errors else None
            run.items = items
            run.errors = errors
            run.error_samples = list(self.errors.samples)
            run.states = sorted(self.states | set(run.states or []))
            for name, value in fields.items():
                setattr(run, name, value)
        return run

    def describe(self) -> dict[str, Any]:
        """The run so far: source, states, errors and their samples."""
        return {
            "source": self.source,
            "run_id": self.run_id,
            "states": sorted(self.states),
            "errors": self.errors.count,
            "error_samples": list(self.errors.samples),
            "duration_s": round(time.monotonic() - self.started, 3),
        }
