"""The one writer of records to the database: upserts on natural keys, one bill at a time."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field

import us
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

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


class InvalidRecord(ValueError):
    """A record that lacks what the database needs; it is reported, never stored."""


@dataclass
class BillChange:
    """What one upsert changed."""

    bill_id: int
    created: bool = False
    new_versions: list[int] = field(default_factory=list)
    new_actions: int = 0
    status_changed: bool = False
    fields_changed: list[str] = field(default_factory=list)

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


def jurisdiction_name(code: str) -> tuple[str, str]:
    """(name, classification) for a two-letter code."""
    if code == "US":
        return "United States Congress", "country"
    state = us.states.lookup(code)
    if state is None:
        raise InvalidRecord(f"unknown jurisdiction code {code!r}")
    return state.name, "state"


def ensure_jurisdiction(session: Session, code: str) -> Jurisdiction:
    """The jurisdiction row for a code such as "CA", created on first use."""
    code = code.upper()
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found:
        return found
    name, classification = jurisdiction_name(code)
    division = "district:dc" if code == "DC" else f"state:{code.lower()}"
    ocd = (
        "ocd-jurisdiction/country:us/government"
        if code == "US"
        else f"ocd-jurisdiction/country:us/{division}/government"
    )
    jurisdiction = Jurisdiction(code=code, name=name, classification=classification, ocd_id=ocd)
    session.add(jurisdiction)
    session.flush()
    return jurisdiction


def ensure_session(
    session: Session, jurisdiction: Jurisdiction, identifier: str, name: str | None = None
) -> LegislativeSession:
    """The legislative session row, created on first use."""
    found = session.scalar(
        select(LegislativeSession).where(
            LegislativeSession.jurisdiction_id == jurisdiction.id,
            LegislativeSession.identifier == identifier,
        )
    )
    if found:
        if name and not found.name:
            found.name = name
        return found
    row = LegislativeSession(jurisdiction_id=jurisdiction.id, identifier=identifier, name=name)
    session.add(row)
    session.flush()
    return row


def validate_bill(record: BillRecord) -> None:
    """Raise InvalidRecord when a bill lacks its natural key or has malformed parts."""
    for name in ("jurisdiction", "session", "identifier"):
        if not (getattr(record, name) or "").strip():
            raise InvalidRecord(f"bill record has no {name}")
    jurisdiction_name(record.jurisdiction.upper())
    for version in record.versions:
        for start, end in [*version.inserted, *version.struck]:
            if not 0 <= start <= end <= len(version.text):
                raise InvalidRecord(
                    f"{record.identifier}: span [{start}, {end}] outside the text of"
                    f" version {version.note!r}"
                )
    for action in record.actions:
        if not isinstance(action.date, dt.date):
            raise InvalidRecord(f"{record.identifier}: action {action.description!r} has no date")


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


def _version_key(version: VersionRecord) -> str:
    """Content hash; a version known only by its address is keyed on the address until fetched."""
    if version.text.strip():
        return version.content_hash
    return "url:" + hashlib.sha256((version.url or version.note).encode()).hexdigest()[:60]


def _upsert_versions(session: Session, bill: Bill, record: BillRecord, change: BillChange) -> None:
    existing = {v.content_hash: v for v in bill.versions}
    # A link to a version whose text is already stored is not a new placeholder.
    fetched = {ref for v in bill.versions if v.text for ref in (v.url, v.source_key) if ref}
    for version in record.versions:
        key = _version_key(version)
        if key in existing:
            continue
        if not version.text.strip() and fetched & {version.url, version.source_key}:
            continue
        placeholder = None
        if version.text.strip() and version.url:
            # The text of a version first seen only as a link has now been fetched.
            url_key = _version_key(VersionRecord(note=version.note, url=version.url))
            placeholder = existing.get(url_key)
        row = placeholder or BillVersion(bill=bill)
        row.note = version.note
        row.date = version.date or row.date
        row.url = version.url or row.url
        row.media_type = version.media_type or row.media_type
        row.source_key = version.source_key or row.source_key
        row.text = version.text
        row.inserted = [list(s) for s in version.inserted]
        row.struck = [list(s) for s in version.struck]
        row.content_hash = key
        if placeholder is None:
            session.add(row)
        session.flush()
        existing[key] = row
        if version.text.strip():
            change.new_versions.append(row.id)


def action_key(date: dt.date, organization: str | None, description: str, nth: int) -> str:
    """Stable id of an action: the same action seen again is not new."""
    raw = f"{date.isoformat()}|{organization or ''}|{' '.join(description.split())}|{nth}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _upsert_actions(session: Session, bill: Bill, record: BillRecord, change: BillChange) -> None:
    existing = {a.action_key for a in bill.actions}
    seen: Counter[str] = Counter()
    for order, action in enumerate(record.actions):
        base = f"{action.date}|{action.organization}|{action.description}"
        key = action_key(action.date, action.organization, action.description, seen[base])
        seen[base] += 1
        if key in existing:
            continue
        classes = action.classification or classify_action(action.description)
        row = BillAction(
            bill=bill,
            action_key=key,
            order=action.order or order,
            date=action.date,
            organization=action.organization,
            description=action.description,
            classification=list(classes),
        )
        session.add(row)
        existing.add(key)
        change.new_actions += 1


def _upsert_sponsors(session: Session, bill: Bill, record: BillRecord) -> None:
    existing = {(s.name, s.classification): s for s in bill.sponsorships}
    for sponsor in record.sponsors:
        row = existing.get((sponsor.name, sponsor.classification))
        if row is None:
            row = Sponsorship(bill=bill, name=sponsor.name, classification=sponsor.classification)
            session.add(row)
            existing[(sponsor.name, sponsor.classification)] = row
        row.entity_type = sponsor.entity_type
        row.person_ref = sponsor.person_ref or row.person_ref
        if row.person_ref and row.person_id is None:
            row.person_id = session.scalar(
                select(Person.id).where(Person.source_key == row.person_ref)
            )


def _set(bill: Bill, name: str, value: object, change: BillChange) -> None:
    if value not in (None, "", []) and getattr(bill, name) != value:
        setattr(bill, name, value)
        change.fields_changed.append(name)


def upsert_bill(session: Session, record: BillRecord, now: dt.datetime | None = None) -> BillChange:
    """Insert or update one bill and its parts; returns what changed. The caller commits."""
    validate_bill(record)
    now = now or utcnow()
    jurisdiction = ensure_jurisdiction(session, record.jurisdiction)
    leg_session = ensure_session(session, jurisdiction, record.session, record.session_name)
    bill = session.scalar(
        select(Bill)
        .where(Bill.session_id == leg_session.id, Bill.identifier == record.identifier)
        .options(
            selectinload(Bill.versions), selectinload(Bill.actions), selectinload(Bill.sponsorships)
        )
    )
    created = bill is None
    if bill is None:
        bill = Bill(
            jurisdiction_id=jurisdiction.id,
            session_id=leg_session.id,
            identifier=record.identifier,
            title=record.title,
            first_seen=now,
            last_seen=now,
            updated_at=now,
            classification=list(record.classification),
            subjects=list(record.subjects),
            source_urls=list(record.source_urls),
            extras=dict(record.extras),
        )
        session.add(bill)
        session.flush()
    change = BillChange(bill_id=bill.id, created=created)
    if not created:
        _set(bill, "title", record.title, change)
        _set(bill, "classification", list(record.classification), change)
        _set(bill, "subjects", sorted(set(bill.subjects) | set(record.subjects)), change)
        _set(
            bill,
            "source_urls",
            list(dict.fromkeys([*bill.source_urls, *record.source_urls])),
            change,
        )
        _set(bill, "extras", {**bill.extras, **record.extras}, change)
    _upsert_versions(session, bill, record, change)
    _upsert_actions(session, bill, record, change)
    _upsert_sponsors(session, bill, record)
    session.flush()
    # New actions were appended to bill.actions by their relationship; keep history order.
    actions = sorted(bill.actions, key=lambda a: (a.order, a.date))
    stage = derive_stage((a.organization, list(a.classification)) for a in actions)
    status = record.status or stage
    if bill.actions:
        _set(bill, "last_action_date", max(a.date for a in bill.actions), change)
    if status and status != bill.status:
        change.status_changed = not created
        bill.status = status
    if stage and stage != bill.stage:
        bill.stage = stage
    bill.last_seen = now
    if change.changed:
        bill.updated_at = now
    return change


def _utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one (as SQLite returns them) is taken to be UTC already."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def upsert_event(session: Session, record: EventRecord) -> tuple[Event, bool]:
    """Insert or update a hearing and its agenda; returns (event, changed)."""
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
    return event, changed


def upsert_person(session: Session, record: PersonRecord) -> tuple[Person, bool]:
    """Insert or update a legislator and their offices; returns (person, created)."""
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
    return person, created


def upsert_committee(session: Session, record: CommitteeRecord) -> tuple[Committee, bool]:
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
    return committee, created


__all__ = [
    "BillChange",
    "InvalidRecord",
    "content_hash",
    "ensure_jurisdiction",
    "ensure_session",
    "find_bill",
    "upsert_bill",
    "upsert_committee",
    "upsert_event",
    "upsert_person",
    "validate_bill",
]
