"""Upserts of records on their natural keys, in SQLAlchemy Core with `ON CONFLICT` on both dialects.

Every function here writes inside the caller's transaction; `billwatch.db.writer.Writer` is what
runs them, one record per transaction. Each returns a `Change` (the one shape for every kind).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import us
from sqlalchemy import Connection, Table, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billwatch.actions import classify_action, derive_stage
from billwatch.db.models import (
    Bill,
    BillAction,
    BillVersion,
    Committee,
    Event,
    EventAgendaItem,
    Jurisdiction,
    LegislativeSession,
    Membership,
    Office,
    Person,
    Sponsorship,
    utcnow,
)
from billwatch.records import (
    BillRecord,
    CommitteeRecord,
    EventRecord,
    PersonRecord,
    VersionRecord,
    content_hash,
)

BILLS: Table = Bill.__table__  # type: ignore[assignment]
VERSIONS: Table = BillVersion.__table__  # type: ignore[assignment]
ACTIONS: Table = BillAction.__table__  # type: ignore[assignment]
SPONSORS: Table = Sponsorship.__table__  # type: ignore[assignment]
JURISDICTIONS: Table = Jurisdiction.__table__  # type: ignore[assignment]
SESSIONS: Table = LegislativeSession.__table__  # type: ignore[assignment]
PEOPLE: Table = Person.__table__  # type: ignore[assignment]


class InvalidRecord(ValueError):
    """A record that lacks what the database needs; it is reported, never stored."""


@dataclass
class Change:
    """What one upsert wrote; the same shape for bills, texts, events, people and committees."""

    id: int
    created: bool = False
    new_versions: list[int] = field(default_factory=list)
    new_actions: int = 0
    status_changed: bool = False
    fields_changed: list[str] = field(default_factory=list)
    # Versions stored by their link only: the texts a crawl should fetch next.
    needs_text: list[VersionRecord] = field(default_factory=list)

    @property
    def bill_id(self) -> int:
        """The bill's id (for a text, the bill it belongs to)."""
        return self.id

    @property
    def changed(self) -> bool:
        """Whether anything at all was written."""
        return bool(
            self.created
            or self.new_versions
            or self.new_actions
            or self.status_changed
            or self.fields_changed
        )


BillChange = Change  # the name callers used before every upsert returned a Change


def jurisdiction_name(code: str) -> tuple[str, str]:
    """(name, classification) for a two-letter code."""
    if code == "US":
        return "United States Congress", "country"
    state = us.states.lookup(code)
    if state is None:
        raise InvalidRecord(f"unknown jurisdiction code {code!r}")
    return state.name, "state"


def _ocd_id(code: str) -> str:
    if code == "US":
        return "ocd-jurisdiction/country:us/government"
    division = "district:dc" if code == "DC" else f"state:{code.lower()}"
    return f"ocd-jurisdiction/country:us/{division}/government"


def upsert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which has `on_conflict_do_nothing/update` on SQLite and PostgreSQL."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def jurisdiction_id(conn: Connection, code: str) -> int:
    """The id of the jurisdiction with code such as "CA", created on first use."""
    code = code.upper()
    query = select(JURISDICTIONS.c.id).where(JURISDICTIONS.c.code == code)
    found = conn.scalar(query)
    if found is None:
        name, classification = jurisdiction_name(code)
        values = {"code": code, "name": name, "classification": classification}
        conn.execute(
            upsert(conn, JURISDICTIONS)
            .values(**values, ocd_id=_ocd_id(code))
            .on_conflict_do_nothing(index_elements=["code"])
        )
        found = conn.scalar(query)
    assert found is not None  # inserted just now, or by a concurrent writer
    return int(found)


def session_id(conn: Connection, jurisdiction: int, identifier: str, name: str | None) -> int:
    """The id of a legislative session, created on first use (its name filled when known)."""
    query = select(SESSIONS.c.id).where(
        SESSIONS.c.jurisdiction_id == jurisdiction, SESSIONS.c.identifier == identifier
    )
    conn.execute(
        upsert(conn, SESSIONS)
        .values(jurisdiction_id=jurisdiction, identifier=identifier, name=name)
        .on_conflict_do_nothing(index_elements=["jurisdiction_id", "identifier"])
    )
    found = int(conn.scalar(query))  # type: ignore[arg-type]
    if name:
        conn.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == found, SESSIONS.c.name.is_(None))
            .values(name=name)
        )
    return found


class Keys:
    """Jurisdiction and session ids a writer has seen, kept only once their transaction commits."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, ...], int] = {}
        self.pending: dict[tuple[str, ...], int] = {}

    def ids(self, conn: Connection, record: BillRecord) -> tuple[int, int]:
        """(jurisdiction id, session id) of a bill record."""
        code = record.jurisdiction.upper()
        jid = self._get(("j", code), lambda: jurisdiction_id(conn, code))
        sid = self._get(
            ("s", code, record.session, record.session_name or ""),
            lambda: session_id(conn, jid, record.session, record.session_name),
        )
        return jid, sid

    def cached(self, record: BillRecord) -> int | None:
        """The session id of a bill record, if known without a query."""
        code = record.jurisdiction.upper()
        return self.known.get(("s", code, record.session, record.session_name or ""))

    def _get(self, key: tuple[str, ...], make: Callable[[], int]) -> int:
        found = self.known.get(key) or self.pending.get(key)
        if found is None:
            found = self.pending[key] = make()
        return found

    def committed(self) -> None:
        """The transaction committed: what it created exists."""
        self.known.update(self.pending)
        self.pending.clear()

    def rolled_back(self) -> None:
        """The transaction rolled back: rows it created are gone."""
        self.pending.clear()


def ensure_jurisdiction(session: Session, code: str) -> Jurisdiction:
    """The jurisdiction row for a code such as "CA", created on first use."""
    found = session.get(Jurisdiction, jurisdiction_id(session.connection(), code))
    assert found is not None
    return found


def ensure_session(
    session: Session, jurisdiction: Jurisdiction, identifier: str, name: str | None = None
) -> LegislativeSession:
    """The legislative session row, created on first use."""
    sid = session_id(session.connection(), jurisdiction.id, identifier, name)
    found = session.get(LegislativeSession, sid)
    assert found is not None
    return found


def validate_bill(record: BillRecord) -> None:
    """Raise InvalidRecord when a bill lacks its natural key or has malformed parts."""
    for name in ("jurisdiction", "session", "identifier"):
        if not (getattr(record, name) or "").strip():
            raise InvalidRecord(f"bill record has no {name}")
    jurisdiction_name(record.jurisdiction.upper())
    for version in record.versions:
        validate_version(version, record.identifier)
    for action in record.actions:
        if not isinstance(action.date, dt.date):
            raise InvalidRecord(f"{record.identifier}: action {action.description!r} has no date")


def validate_version(version: VersionRecord, identifier: str) -> None:
    """Raise InvalidRecord when a version's spans fall outside its text."""
    for start, end in [*version.inserted, *version.struck]:
        if not 0 <= start <= end <= len(version.text):
            raise InvalidRecord(
                f"{identifier}: span [{start}, {end}] outside the text of version {version.note!r}"
            )


def find_bill(session: Session, jurisdiction: str, session_id: str, identifier: str) -> Bill | None:
    """The stored bill with this natural key, if any."""
    return session.scalar(
        select(Bill)
        .join(LegislativeSession, Bill.session_id == LegislativeSession.id)
        .join(Jurisdiction, Bill.jurisdiction_id == Jurisdiction.id)
        .where(
            Jurisdiction.code == jurisdiction.upper(),
            LegislativeSession.identifier == session_id,
            Bill.identifier == identifier,
        )
    )


def find_bill_id(conn: Connection, jurisdiction: str, session: str, identifier: str) -> int | None:
    """The id of the stored bill with this natural key, if any."""
    return conn.scalar(
        select(BILLS.c.id)
        .join(SESSIONS, BILLS.c.session_id == SESSIONS.c.id)
        .join(JURISDICTIONS, BILLS.c.jurisdiction_id == JURISDICTIONS.c.id)
        .where(
            JURISDICTIONS.c.code == jurisdiction.upper(),
            SESSIONS.c.identifier == session,
            BILLS.c.identifier == identifier,
        )
    )


def record_hash(record: BillRecord) -> str:
    """Hash of everything a bill record says: the same record again needs no write at all."""
    return hashlib.sha256(repr(record).encode("utf-8")).hexdigest()


def version_key(version: VersionRecord) -> str:
    """Content hash; a version known only by its address is keyed on the address until fetched."""
    if version.text.strip():
        return version.content_hash
    return "url:" + hashlib.sha256((version.url or version.note).encode()).hexdigest()[:60]


def action_key(date: dt.date, organization: str | None, description: str, nth: int) -> str:
    """Stable id of an action: the same action seen again is not new."""
    raw = f"{date.isoformat()}|{organization or ''}|{' '.join(description.split())}|{nth}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


@dataclass
class StoredVersion:
    """What the writer needs to know of a stored version (never its text)."""

    id: int
    content_hash: str
    url: str | None
    source_key: str | None
    has_text: bool
    note: str
    date: dt.date | None


# bill id -> its versions, for bills a writer has just written (so their texts need no query)
VersionCache = dict[int, list[StoredVersion]]
_VERSION_COLUMNS = (
    VERSIONS.c.id,
    VERSIONS.c.content_hash,
    VERSIONS.c.url,
    VERSIONS.c.source_key,
    VERSIONS.c.text != "",
    VERSIONS.c.note,
    VERSIONS.c.date,
)


_BILL_COLUMNS = (
    "id",
    "record_hash",
    "title",
    "classification",
    "subjects",
    "source_urls",
    "extras",
    "status",
    "stage",
    "last_action_date",
)
_ACTION_COLUMNS = ("action_key", "order", "date", "organization", "classification")


def _build_statements(dialect: Any) -> dict[str, Any]:
    """The writer's statements, built once per dialect: building them costs more than running."""
    ins = dialect.insert
    # inline(): no RETURNING of the new id on a single row (none is needed, and none can be
    # read in pipeline mode).
    sponsors = (
        ins(SPONSORS)
        .inline()
        .values(
            # The person, when stored, is found in the same statement: no lookup round trip.
            person_id=select(PEOPLE.c.id)
            .where(PEOPLE.c.source_key == bindparam("ref"))
            .scalar_subquery()
        )
    )
    return {
        "bill": ins(BILLS)
        .on_conflict_do_nothing(index_elements=["session_id", "identifier"])
        .returning(BILLS.c.id),
        "versions": ins(VERSIONS)
        .on_conflict_do_nothing(index_elements=["bill_id", "content_hash"])
        .returning(*_VERSION_COLUMNS, sort_by_parameter_order=True),
        "actions": ins(ACTIONS)
        .on_conflict_do_nothing(index_elements=["bill_id", "action_key"])
        .returning(ACTIONS.c.id),
        "sponsors": sponsors.on_conflict_do_update(
            index_elements=["bill_id", "name", "classification"],
            set_={
                "entity_type": sponsors.excluded.entity_type,
                "person_ref": func.coalesce(sponsors.excluded.person_ref, SPONSORS.c.person_ref),
                "person_id": func.coalesce(SPONSORS.c.person_id, sponsors.excluded.person_id),
            },
        ),
        # A new bill on PostgreSQL: its ids are drawn ahead (IdPool), so nothing is returned
        # and its rows go in one round trip (see `pipelined`).
        "new_bill": ins(BILLS).inline(),
        "new_versions": ins(VERSIONS)
        .inline()
        .on_conflict_do_nothing(index_elements=["bill_id", "content_hash"]),
        "new_actions": ins(ACTIONS)
        .inline()
        .on_conflict_do_nothing(index_elements=["bill_id", "action_key"]),
        "update_bill": update(BILLS).where(BILLS.c.id == bindparam("bid")),
        "update_version": update(VERSIONS).where(VERSIONS.c.id == bindparam("vid")),
        "stored_bill": select(*(BILLS.c[name] for name in _BILL_COLUMNS)).where(
            BILLS.c.session_id == bindparam("sid"), BILLS.c.identifier == bindparam("ident")
        ),
        "stored_versions": select(*_VERSION_COLUMNS)
        .where(VERSIONS.c.bill_id == bindparam("bid"))
        .order_by(VERSIONS.c.id),
        "stored_actions": select(*(ACTIONS.c[name] for name in _ACTION_COLUMNS)).where(
            ACTIONS.c.bill_id == bindparam("bid")
        ),
    }


_STATEMENTS = {
    name: _build_statements(d) for name, d in (("sqlite", sqlite), ("postgresql", postgresql))
}


def statement(conn: Connection, name: str) -> Any:
    """A prepared statement of the writer for the connection's dialect."""
    return _STATEMENTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"][name]


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, send the statements inside without waiting for each (psycopg's pipeline
    mode): they reach the server in one round trip and a failure raises by the block's end.
    Statements inside must not return rows. Elsewhere (SQLite, in process) a plain block."""
    if conn.dialect.name != "postgresql":
        yield
        return
    with conn.connection.driver_connection.pipeline():  # type: ignore[union-attr]
        yield


class IdPool:
    """Primary keys drawn ahead, so a new bill's rows need no RETURNING and can be buffered.

    On PostgreSQL they come from the sequences, a growing number per query. Sequences are not
    transactional: ids drawn but not used (the run ended, a batch went back) are skipped, as
    they are by any rolled-back insert. On SQLite they are counted up from the table's largest
    id, which holds only while the writer's transaction keeps the write lock (BEGIN IMMEDIATE):
    the writer calls `release` whenever it commits or rolls back.
    """

    LARGEST = 256

    def __init__(self) -> None:
        self.free: dict[str, list[int]] = {}
        self.size: dict[str, int] = {}
        self.next: dict[str, int] = {}  # SQLite: the next id of each table, under the lock

    def take(self, conn: Connection, table: Table, count: int) -> list[int]:
        """`count` unused ids of `table`."""
        if conn.dialect.name != "postgresql":
            return self._count_up(conn, table, count)
        free = self.free.setdefault(table.name, [])
        if len(free) < count:
            size = min(self.LARGEST, 2 * self.size.get(table.name, 1))
            size = self.size[table.name] = max(size, count - len(free))
            rows = conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": size},
            )
            free.extend(int(row[0]) for row in rows)
        taken = free[:count]
        del free[:count]
        return taken

    def _count_up(self, conn: Connection, table: Table, count: int) -> list[int]:
        first = self.next.get(table.name)
        if first is None:
            first = (conn.scalar(select(func.max(table.c.id))) or 0) + 1
        self.next[table.name] = first + count
        return list(range(first, first + count))

    def reserve(self, conn: Connection, table: Table, count: int) -> None:
        """Have `count` ids of `table` at hand, so taking them later runs no query."""
        if conn.dialect.name == "postgresql":
            self.free.setdefault(table.name, [])[:0] = self.take(conn, table, count)
        elif table.name not in self.next:
            self.next[table.name] = self.take(conn, table, count)[0]

    def release(self) -> None:
        """Forget the ids counted up on SQLite: another writer may take them once the lock goes."""
        self.next.clear()


def stored_versions(
    conn: Connection, bill_id: int, cache: VersionCache | None = None
) -> list[StoredVersion]:
    """The versions of a bill, oldest first."""
    if cache is not None and bill_id in cache:
        return cache[bill_id]
    rows = conn.execute(statement(conn, "stored_versions"), {"bid": bill_id})
    return [StoredVersion(*row) for row in rows]


def _version_values(version: VersionRecord, key: str) -> dict[str, Any]:
    return {
        "note": version.note,
        "date": version.date,
        "url": version.url,
        "media_type": version.media_type,
        "source_key": version.source_key,
        "text": version.text,
        "inserted": [list(s) for s in version.inserted],
        "struck": [list(s) for s in version.struck],
        "content_hash": key,
    }


def _fill(conn: Connection, row: StoredVersion, version: VersionRecord, key: str) -> None:
    """Give a version stored by its link the text now fetched, keeping what the link knew."""
    values = _version_values(version, key)
    for name in ("date", "url", "media_type", "source_key"):
        if values[name] is None:
            del values[name]
    conn.execute(statement(conn, "update_version"), {**values, "vid": row.id})


def _write_versions(
    conn: Connection,
    bill_id: int,
    record: BillRecord,
    now: dt.datetime,
    change: Change,
    cache: VersionCache | None,
) -> None:
    existing = {} if change.created else {v.content_hash: v for v in stored_versions(conn, bill_id)}
    # A link to a version whose text is already stored is not a new placeholder.
    fetched = {ref for v in existing.values() if v.has_text for ref in (v.url, v.source_key) if ref}
    rows: list[dict[str, Any]] = []
    for version in record.versions:
        key = version_key(version)
        has_text = bool(version.text.strip())
        if key in existing or any(r["content_hash"] == key for r in rows):
            stored = existing.get(key)
            if stored is not None and not stored.has_text and (version.url or version.source_key):
                change.needs_text.append(version)
            continue
        if not has_text and fetched & {version.url, version.source_key}:
            continue
        # The text of a version first seen only as a link has now been fetched.
        placeholder = existing.get(version_key(VersionRecord(version.note, url=version.url)))
        if has_text and version.url and placeholder is not None:
            _fill(conn, placeholder, version, key)
            change.new_versions.append(placeholder.id)
            continue
        rows.append({**_version_values(version, key), "bill_id": bill_id, "created_at": now})
        if not has_text and (version.url or version.source_key):
            change.needs_text.append(version)
    if rows:
        # ON CONFLICT: a concurrent writer may have added the same text a moment ago.
        inserted = [StoredVersion(*row) for row in conn.execute(statement(conn, "versions"), rows)]
        change.new_versions.extend(v.id for v in inserted if v.has_text)
        if cache is not None and change.created:
            cache[bill_id] = inserted
    if cache is not None and not change.created:
        cache.pop(bill_id, None)


def _action_rows(record: BillRecord, now: dt.datetime) -> list[dict[str, Any]]:
    rows, seen = [], Counter[str]()
    for order, action in enumerate(record.actions):
        base = f"{action.date}|{action.organization}|{action.description}"
        key = action_key(action.date, action.organization, action.description, seen[base])
        seen[base] += 1
        classes = action.classification or classify_action(action.description)
        rows.append(
            {
                "action_key": key,
                "order": action.order or order,
                "date": action.date,
                "organization": action.organization,
                "description": action.description,
                "classification": list(classes),
                "created_at": now,
            }
        )
    return rows


def _write_actions(
    conn: Connection, bill_id: int, rows: list[dict[str, Any]], change: Change
) -> list[tuple[int, dt.date, str | None, list[str]]]:
    """Insert the new actions; returns every action as (order, date, organization, classes)."""
    stored: list[tuple[int, dt.date, str | None, list[str]]] = []
    known: set[str] = set()
    if not change.created:
        for key, *rest in conn.execute(statement(conn, "stored_actions"), {"bid": bill_id}):
            known.add(key)
            stored.append(tuple(rest))  # type: ignore[arg-type]
    new = [{**row, "bill_id": bill_id} for row in rows if row["action_key"] not in known]
    if new:
        result = conn.execute(statement(conn, "actions"), new)
        change.new_actions += len(result.all())
    stored += [(r["order"], r["date"], r["organization"], r["classification"]) for r in new]
    return stored


# New bills' rows by statement, in the order they must be inserted (each refers to a bill).
RowBuffer = dict[str, list[dict[str, Any]]]
BUFFERED = ("new_bill", "new_versions", "new_actions", "sponsors")


def insert_buffered(conn: Connection, buffer: RowBuffer) -> None:
    """Insert new bills' buffered rows, one multi-row statement per table."""
    for name in BUFFERED:
        if buffer.get(name):
            conn.execute(statement(conn, name), buffer[name])


def _write_sponsors(conn: Connection, bill_id: int, record: BillRecord) -> None:
    rows = _sponsor_rows(bill_id, record)
    if rows:
        conn.execute(statement(conn, "sponsors"), rows)


def _sponsor_rows(bill_id: int, record: BillRecord) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}  # one row per key: PostgreSQL insists
    for sponsor in record.sponsors:
        old = rows.get((sponsor.name, sponsor.classification), {})
        ref = sponsor.person_ref or old.get("person_ref")
        rows[(sponsor.name, sponsor.classification)] = {
            "bill_id": bill_id,
            "name": sponsor.name,
            "classification": sponsor.classification,
            "entity_type": sponsor.entity_type,
            "person_ref": ref,
            "ref": ref,
        }
    return list(rows.values())


def _status(
    record: BillRecord, actions: Iterable[tuple[int, dt.date, str | None, list[str]]]
) -> tuple[str | None, str | None, dt.date | None]:
    """(status, stage, last action date) from the record and every stored action."""
    ordered = sorted(actions, key=lambda a: (a[0], a[1]))
    stage = derive_stage((org, list(classes)) for _, _, org, classes in ordered)
    last = max((a[1] for a in ordered), default=None)
    return record.status or stage, stage, last


def stored_bill(conn: Connection, session: int, identifier: str) -> Any:
    """The bill row's fields the writer compares, or None."""
    return conn.execute(
        statement(conn, "stored_bill"), {"sid": session, "ident": identifier}
    ).first()


def write_bill(
    conn: Connection,
    record: BillRecord,
    keys: Keys,
    now: dt.datetime,
    digest: str | None = None,
    *,
    absent: bool = False,
    cache: VersionCache | None = None,
) -> Change:
    """Insert or update one bill and its parts within the caller's transaction.

    `absent` says the caller knows the bill is not stored (ON CONFLICT still checks);
    `cache` receives the versions of a new bill, for its texts to come.
    """
    validate_bill(record)
    digest = digest or record_hash(record)
    jid, sid = keys.ids(conn, record)
    row = None if absent else stored_bill(conn, sid, record.identifier)
    actions = _action_rows(record, now)
    if row is None:
        bill_id = _insert_bill(conn, record, jid, sid, now, digest, actions)
        if bill_id is not None:
            return _fill_new_bill(conn, bill_id, record, now, actions, cache)
        # A concurrent writer inserted the same bill a moment ago: update it instead.
        row = stored_bill(conn, sid, record.identifier)
    if row.record_hash == digest:
        conn.execute(statement(conn, "update_bill"), {"bid": row.id, "last_seen": now})
        return Change(id=row.id)
    return _update_bill(conn, row, record, now, digest, actions, cache)


def _insert_bill(
    conn: Connection,
    record: BillRecord,
    jid: int,
    sid: int,
    now: dt.datetime,
    digest: str,
    actions: list[dict[str, Any]],
) -> int | None:
    values = _bill_values(record, jid, sid, now, digest, actions)
    return conn.scalar(statement(conn, "bill"), values)


def _bill_values(
    record: BillRecord,
    jid: int,
    sid: int,
    now: dt.datetime,
    digest: str,
    actions: list[dict[str, Any]],
) -> dict[str, Any]:
    status, stage, last = _status(
        record, ((a["order"], a["date"], a["organization"], a["classification"]) for a in actions)
    )
    return {
        "jurisdiction_id": jid,
        "session_id": sid,
        "identifier": record.identifier,
        "title": record.title,
        "classification": list(record.classification),
        "subjects": list(record.subjects),
        "source_urls": list(record.source_urls),
        "extras": dict(record.extras),
        "status": status,
        "stage": stage,
        "last_action_date": last,
        "record_hash": digest,
        "first_seen": now,
        "last_seen": now,
        "updated_at": now,
    }


def insert_new_bill(
    conn: Connection,
    record: BillRecord,
    keys: Keys,
    now: dt.datetime,
    digest: str,
    pool: IdPool,
    cache: VersionCache | None = None,
    buffer: RowBuffer | None = None,
) -> Change:
    """Insert a bill known to be absent with ids drawn ahead: on PostgreSQL in one round trip.

    It stores the same rows as `write_bill` would. The bill's INSERT has no ON CONFLICT: when a
    concurrent writer stored the same bill first, it fails, and the caller, having rolled it
    back, writes the record again with `write_bill` (which also raises a bad record's failure).
    With `buffer`, the rows are added to it instead, for the caller to insert with other bills'
    rows (`insert_buffered`): nothing is sent, and a failure comes then.
    """
    jid, sid = keys.ids(conn, record)
    actions = _action_rows(record, now)
    values = _bill_values(record, jid, sid, now, digest, actions)
    change = Change(id=pool.take(conn, BILLS, 1)[0], created=True)
    rows: dict[str, dict[str, Any]] = {}  # as _write_versions writes them for a new bill
    for version in record.versions:
        key = version_key(version)
        if key in rows:
            continue
        rows[key] = {**_version_values(version, key), "bill_id": change.id, "created_at": now}
        if not version.text.strip() and (version.url or version.source_key):
            change.needs_text.append(version)
    for row, vid in zip(rows.values(), pool.take(conn, VERSIONS, len(rows)), strict=True):
        row["id"] = vid
    # ON CONFLICT DO NOTHING keeps the first of two actions with one key: so does this.
    new: dict[str, dict[str, Any]] = {}
    for row in actions:
        new.setdefault(row["action_key"], {**row, "bill_id": change.id})
    batch: RowBuffer = {name: [] for name in BUFFERED} if buffer is None else buffer
    batch.setdefault("new_bill", []).append({**values, "id": change.id})
    batch.setdefault("new_versions", []).extend(rows.values())
    batch.setdefault("new_actions", []).extend(new.values())
    batch.setdefault("sponsors", []).extend(_sponsor_rows(change.id, record))
    if buffer is None:
        with pipelined(conn):  # the rows in one round trip
            insert_buffered(conn, batch)
    stored = [
        StoredVersion(
            r["id"],
            r["content_hash"],
            r["url"],
            r["source_key"],
            r["text"] != "",
            r["note"],
            r["date"],
        )
        for r in rows.values()
    ]
    change.new_versions = [v.id for v in stored if v.has_text]
    change.new_actions = len(new)
    if cache is not None:
        cache[change.id] = stored
    return change


def _fill_new_bill(
    conn: Connection,
    bill_id: int,
    record: BillRecord,
    now: dt.datetime,
    actions: list[dict[str, Any]],
    cache: VersionCache | None,
) -> Change:
    change = Change(id=bill_id, created=True)
    _write_versions(conn, bill_id, record, now, change, cache)
    _write_actions(conn, bill_id, actions, change)
    _write_sponsors(conn, bill_id, record)
    return change


def _update_bill(
    conn: Connection,
    row: Any,
    record: BillRecord,
    now: dt.datetime,
    digest: str,
    actions: list[dict[str, Any]],
    cache: VersionCache | None,
) -> Change:
    change = Change(id=row.id)
    wanted = {
        "title": record.title,
        "classification": list(record.classification),
        "subjects": sorted(set(row.subjects) | set(record.subjects)),
        "source_urls": list(dict.fromkeys([*row.source_urls, *record.source_urls])),
        "extras": {**row.extras, **record.extras},
    }
    values: dict[str, Any] = {}
    for name, value in wanted.items():
        if value not in (None, "", []) and getattr(row, name) != value:
            values[name] = value
            change.fields_changed.append(name)
    _write_versions(conn, row.id, record, now, change, cache)
    every = _write_actions(conn, row.id, actions, change)
    _write_sponsors(conn, row.id, record)
    status, stage, last = _status(record, every)
    if last is not None and last != row.last_action_date:
        values["last_action_date"] = last
        change.fields_changed.append("last_action_date")
    if status and status != row.status:
        values["status"] = status
        change.status_changed = True
    if stage and stage != row.stage:
        values["stage"] = stage
    values.update(last_seen=now, record_hash=digest)
    if change.changed:
        values["updated_at"] = now
    conn.execute(statement(conn, "update_bill"), {**values, "bid": row.id})
    return change


def upsert_bill(session: Session, record: BillRecord, now: dt.datetime | None = None) -> Change:
    """Insert or update one bill and its parts in the session's transaction; the caller commits."""
    session.flush()
    change = write_bill(session.connection(), record, Keys(), now or utcnow())
    session.expire_all()  # rows were written beside the ORM: reload what it holds
    return change


def write_text(
    conn: Connection,
    bill_id: int,
    version: VersionRecord,
    now: dt.datetime,
    cache: VersionCache | None = None,
    queue: IdPool | None = None,
) -> Change:
    """Store a version's fetched text on its bill, filling the version its link stood for.

    With `queue` (ids drawn ahead), on PostgreSQL inside the caller's open pipeline, its
    statements return nothing: they are queued, and fail, if they do, when the caller syncs.
    """
    if not version.text.strip():
        raise InvalidRecord("the document has no text")
    validate_version(version, f"bill {bill_id}")
    change = Change(id=bill_id)
    versions = stored_versions(conn, bill_id, cache)
    if cache is not None:
        cache.pop(bill_id, None)  # it changes below; a later text queries afresh
    same_ref = [
        v
        for v in versions
        if not v.has_text
        and ((version.source_key and v.source_key == version.source_key) or v.url == version.url)
    ]
    key = version.content_hash
    if any(v.content_hash == key for v in versions):
        # The same text under another document id is not a new version; the link that stood
        # for it goes, so later runs do not fetch it again.
        if same_ref:
            conn.execute(delete(VERSIONS).where(VERSIONS.c.id.in_([v.id for v in same_ref])))
        return change
    if same_ref:
        placeholder = same_ref[0]
        version = VersionRecord(
            note=placeholder.note or version.note,
            date=version.date or placeholder.date,
            url=placeholder.url or version.url,
            media_type=version.media_type,
            text=version.text,
            inserted=version.inserted,
            struck=version.struck,
            source_key=version.source_key or placeholder.source_key,
        )
        with nullcontext() if queue else pipelined(conn):  # both updates in one round trip
            _fill(conn, placeholder, version, key)
            conn.execute(statement(conn, "update_bill"), {"bid": bill_id, "updated_at": now})
        change.new_versions.append(placeholder.id)
        return change
    values = {**_version_values(version, key), "bill_id": bill_id, "created_at": now}
    if queue is not None:
        vid: int | None = queue.take(conn, VERSIONS, 1)[0]  # a read: it waits for the queue
        conn.execute(statement(conn, "new_versions"), {**values, "id": vid})
    else:
        vid = conn.scalar(statement(conn, "versions"), values)
    change.new_versions += [vid] if vid is not None else []
    if change.new_versions:
        conn.execute(statement(conn, "update_bill"), {"bid": bill_id, "updated_at": now})
    return change


def _utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one (as SQLite returns them) is taken to be UTC already."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def upsert_event(session: Session, record: EventRecord) -> Change:
    """Insert or update a hearing and its agenda."""
    jurisdiction = ensure_jurisdiction(session, record.jurisdiction)
    event = session.scalar(
        select(Event).where(
            Event.jurisdiction_id == jurisdiction.id, Event.source_key == record.source_key
        )
    )
    created = event is None
    if event is None:
        event = Event(jurisdiction_id=jurisdiction.id, source_key=record.source_key)
        session.add(event)
    stored = _utc(event.start_time) if event.start_time else None
    before = (event.name, stored, event.location, event.status, event.committee)
    event.name = record.name
    event.committee = record.committee
    event.chamber = record.chamber
    # Stored in UTC: SQLite keeps no offset, so a local time would read back as another instant.
    event.start_time = _utc(record.start_time)
    event.location = record.location
    event.status = record.status
    event.description = record.description
    event.source_urls = list(record.source_urls)
    event.livestream_url = record.livestream_url
    if record.committee:
        event.committee_id = session.scalar(
            select(Committee.id).where(
                Committee.jurisdiction_id == jurisdiction.id, Committee.name == record.committee
            )
        )
    old_agenda = [(a.bill_identifier, a.description) for a in event.agenda]
    new_agenda = [(a.bill_identifier, a.description) for a in record.agenda]
    if old_agenda != new_agenda:
        event.agenda.clear()
        for order, item in enumerate(record.agenda):
            bill_id = None
            if item.bill_identifier:
                query = select(Bill.id).where(
                    Bill.jurisdiction_id == jurisdiction.id,
                    Bill.identifier == item.bill_identifier,
                )
                if item.session:
                    query = query.join(LegislativeSession).where(
                        LegislativeSession.identifier == item.session
                    )
                bill_id = session.scalars(query.order_by(Bill.id.desc())).first()
            event.agenda.append(
                EventAgendaItem(
                    order=order,
                    bill_identifier=item.bill_identifier,
                    bill_id=bill_id,
                    description=item.description,
                )
            )
    after = (event.name, _utc(event.start_time), event.location, event.status, event.committee)
    changed = created or before != after or old_agenda != new_agenda
    if changed:
        event.updated_at = utcnow()
    session.flush()
    return Change(id=event.id, created=created, fields_changed=["event"] if changed else [])


def upsert_person(session: Session, record: PersonRecord) -> Change:
    """Insert or update a legislator and their offices (always rewritten: people are few)."""
    jurisdiction = ensure_jurisdiction(session, record.jurisdiction)
    person = session.scalar(select(Person).where(Person.source_key == record.source_key))
    created = person is None
    if person is None:
        person = Person(
            source_key=record.source_key, jurisdiction_id=jurisdiction.id, name=record.name
        )
        session.add(person)
    person.jurisdiction_id = jurisdiction.id
    person.name = record.name
    person.party = record.party
    person.chamber = record.chamber
    person.district = record.district
    person.email = record.email
    person.image = record.image
    person.active = record.active
    person.extras = dict(record.extras)
    person.updated_at = utcnow()
    person.offices.clear()
    for office in record.offices:
        person.offices.append(
            Office(
                classification=office.classification,
                name=office.name,
                address=office.address,
                voice=office.voice,
                fax=office.fax,
            )
        )
    session.flush()
    # Sponsorships and memberships seen before the person can now be linked.
    for model in (Sponsorship, Membership):
        session.execute(
            update(model)
            .where(model.person_ref == record.source_key, model.person_id.is_(None))
            .values(person_id=person.id)
        )
    return Change(id=person.id, created=created, fields_changed=["person"])


def upsert_committee(session: Session, record: CommitteeRecord) -> Change:
    """Insert or update a committee and replace its membership list."""
    jurisdiction = ensure_jurisdiction(session, record.jurisdiction)
    query = select(Committee).where(Committee.jurisdiction_id == jurisdiction.id)
    if record.source_key:
        committee = session.scalar(query.where(Committee.source_key == record.source_key))
    else:
        committee = None
    committee = committee or session.scalar(
        query.where(Committee.chamber == record.chamber, Committee.name == record.name)
    )
    created = committee is None
    if committee is None:
        committee = Committee(jurisdiction_id=jurisdiction.id, name=record.name)
        session.add(committee)
    committee.name = record.name
    committee.chamber = record.chamber
    committee.source_key = record.source_key or committee.source_key
    committee.memberships.clear()
    session.flush()
    seen: set[str] = set()
    for member in record.members:
        if member.name in seen:
            continue
        seen.add(member.name)
        person_id = None
        if member.person_ref:
            person_id = session.scalar(
                select(Person.id).where(Person.source_key == member.person_ref)
            )
        committee.memberships.append(
            Membership(
                name=member.name,
                role=member.role,
                person_ref=member.person_ref,
                person_id=person_id,
            )
        )
    session.flush()
    return Change(id=committee.id, created=created, fields_changed=["committee"])


__all__ = [
    "BillChange",
    "Change",
    "InvalidRecord",
    "Keys",
    "content_hash",
    "ensure_jurisdiction",
    "ensure_session",
    "find_bill",
    "find_bill_id",
    "upsert_bill",
    "upsert_committee",
    "upsert_event",
    "upsert_person",
    "validate_bill",
    "write_bill",
    "write_text",
]
