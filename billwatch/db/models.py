"""SQLAlchemy models of the legislative database, after Open Civic Data / Open States."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from billwatch.db.types import UtcDateTime


def utcnow() -> dt.datetime:
    """Timezone-aware now, the one clock the models use."""
    return dt.datetime.now(dt.UTC)


def new_unsubscribe_nonce() -> str:
    """A fresh unguessable per-subscriber value for unsubscribe tokens (128 bits)."""
    return secrets.token_urlsafe(16)


class Base(DeclarativeBase):
    """Declarative base of every billwatch table."""

    # JSONB on PostgreSQL: comparable, indexable, and what analysts expect to query.
    type_annotation_map = {
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
        list[Any]: JSON().with_variant(JSONB(), "postgresql"),
    }


class Jurisdiction(Base):
    """A state, DC or the US Congress."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)  # "CA", "DC", "US"
    name: Mapped[str] = mapped_column(String(100))
    classification: Mapped[str] = mapped_column(String(20), default="state")
    ocd_id: Mapped[str | None] = mapped_column(String(200))

    sessions: Mapped[list[LegislativeSession]] = relationship(back_populates="jurisdiction")


class LegislativeSession(Base):
    """A legislative session of one jurisdiction."""

    __tablename__ = "legislative_sessions"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    identifier: Mapped[str] = mapped_column(String(50))
    name: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="sessions")
    bills: Mapped[list[Bill]] = relationship(back_populates="session")


class Bill(Base):
    """A bill, unique on (jurisdiction, session, identifier)."""

    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("session_id", "identifier"),
        Index("ix_bills_jurisdiction_last_action", "jurisdiction_id", "last_action_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("legislative_sessions.id"))
    identifier: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[list[Any]] = mapped_column(default=list)
    subjects: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str | None] = mapped_column(String(40))
    last_action_date: Mapped[dt.date | None] = mapped_column(Date)
    source_urls: Mapped[list[Any]] = mapped_column(default=list)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Hash of the last record written: the same record again only compares this.
    record_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    session: Mapped[LegislativeSession] = relationship(back_populates="bills")
    versions: Mapped[list[BillVersion]] = relationship(
        back_populates="bill", order_by="BillVersion.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[BillAction]] = relationship(
        back_populates="bill", order_by="BillAction.order", cascade="all, delete-orphan"
    )
    sponsorships: Mapped[list[Sponsorship]] = relationship(
        back_populates="bill", cascade="all, delete-orphan"
    )


class BillVersion(Base):
    """One text version of a bill, identified by its content hash."""

    __tablename__ = "bill_versions"
    __table_args__ = (UniqueConstraint("bill_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(String(100))
    source_key: Mapped[str | None] = mapped_column(String(100), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    inserted: Mapped[list[Any]] = mapped_column(default=list)  # [[start, end], ...] into text
    struck: Mapped[list[Any]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    bill: Mapped[Bill] = relationship(back_populates="versions")
    tags: Mapped[list[Tag]] = relationship(back_populates="version", cascade="all, delete-orphan")


class BillAction(Base):
    """An action in a bill's history, in source order."""

    __tablename__ = "bill_actions"
    __table_args__ = (UniqueConstraint("bill_id", "action_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    action_key: Mapped[str] = mapped_column(String(64))  # hash of date, organisation, text, nth
    order: Mapped[int] = mapped_column(Integer, default=0)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    organization: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    classification: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    bill: Mapped[Bill] = relationship(back_populates="actions")


class Sponsorship(Base):
    """A sponsor of a bill, linked to a person when known."""

    __tablename__ = "sponsorships"
    __table_args__ = (UniqueConstraint("bill_id", "name", "classification"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    classification: Mapped[str] = mapped_column(String(20), default="primary")
    entity_type: Mapped[str] = mapped_column(String(20), default="person")
    person_ref: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    bill: Mapped[Bill] = relationship(back_populates="sponsorships")
    person: Mapped[Person | None] = relationship()


class Committee(Base):
    """A legislative committee (an OCD organization)."""

    __tablename__ = "committees"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "chamber", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    chamber: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    source_key: Mapped[str | None] = mapped_column(String(200), index=True)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="committee", cascade="all, delete-orphan"
    )


class Person(Base):
    """A legislator with the current role and contacts."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200), unique=True)  # ocd-person id
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(100))
    chamber: Mapped[str | None] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(300))
    image: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set on a source's copy of a legislator stored under another row; upserts never touch it,
    # so a re-ingest keeps the merge (see billwatch.db.people).
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )

    jurisdiction: Mapped[Jurisdiction] = relationship()
    offices: Mapped[list[Office]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class PersonMatch(Base):
    """A possible same-legislator pair that a person must confirm or reject."""

    __tablename__ = "person_matches"
    __table_args__ = (UniqueConstraint("person_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)  # name similarity, 0 to 100
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # confirmed, rejected
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Office(Base):
    """A legislator's office: address, phone, fax."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    classification: Mapped[str] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(String(50))
    fax: Mapped[str | None] = mapped_column(String(50))

    person: Mapped[Person] = relationship(back_populates="offices")


class Membership(Base):
    """A person's seat on a committee."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50), default="member")
    person_ref: Mapped[str | None] = mapped_column(String(200))

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    person: Mapped[Person | None] = relationship(back_populates="memberships")


class Event(Base):
    """A committee hearing or meeting."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    source_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    committee: Mapped[str | None] = mapped_column(String(300))
    chamber: Mapped[str | None] = mapped_column(String(20))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    start_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    location: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    description: Mapped[str] = mapped_column(Text, default="")
    source_urls: Mapped[list[Any]] = mapped_column(default=list)
    livestream_url: Mapped[str | None] = mapped_column(Text)  # when the source gives one
    first_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    agenda: Mapped[list[EventAgendaItem]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventAgendaItem.order"
    )


class EventAgendaItem(Base):
    """A bill on a hearing's agenda."""

    __tablename__ = "event_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    order: Mapped[int] = mapped_column(Integer, default=0)
    bill_identifier: Mapped[str | None] = mapped_column(String(50))
    bill_id: Mapped[int | None] = mapped_column(
        ForeignKey("bills.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda")
    bill: Mapped[Bill | None] = relationship()


class VoteEvent(Base):
    """A roll call on a bill: motion, date, chamber, result (after OCD / Open States)."""

    __tablename__ = "vote_events"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    source_key: Mapped[str] = mapped_column(String(200))
    bill_id: Mapped[int | None] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    bill_identifier: Mapped[str | None] = mapped_column(String(50))
    session_identifier: Mapped[str | None] = mapped_column(String(50))
    bill_ref: Mapped[str | None] = mapped_column(String(100))  # "legiscan:415647"
    chamber: Mapped[str | None] = mapped_column(String(20))
    organization: Mapped[str | None] = mapped_column(String(300))
    motion_text: Mapped[str] = mapped_column(Text, default="")
    motion_classification: Mapped[list[Any]] = mapped_column(default=list)
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    result: Mapped[str] = mapped_column(String(20))  # pass, fail
    source_urls: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    counts: Mapped[list[VoteCount]] = relationship(
        cascade="all, delete-orphan", order_by="VoteCount.id"
    )
    votes: Mapped[list[PersonVote]] = relationship(
        cascade="all, delete-orphan", order_by="PersonVote.id"
    )


class VoteCount(Base):
    """The number of votes cast for one OCD option in a roll call."""

    __tablename__ = "vote_counts"
    __table_args__ = (UniqueConstraint("vote_event_id", "option"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_event_id: Mapped[int] = mapped_column(
        ForeignKey("vote_events.id", ondelete="CASCADE"), index=True
    )
    option: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(Integer)


class PersonVote(Base):
    """How one legislator voted in a roll call."""

    __tablename__ = "person_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_event_id: Mapped[int] = mapped_column(
        ForeignKey("vote_events.id", ondelete="CASCADE"), index=True
    )
    option: Mapped[str] = mapped_column(String(20))  # yes, no, absent, abstain, not voting, ...
    voter_name: Mapped[str] = mapped_column(String(200))
    person_ref: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )


class VersionClassification(Base):
    """That a version was tagged by one classifier version, with the bill-level stance."""

    __tablename__ = "version_classifications"
    __table_args__ = (UniqueConstraint("version_id", "classifier_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("bill_versions.id", ondelete="CASCADE"), index=True
    )
    classifier_version: Mapped[str] = mapped_column(String(50))
    stance: Mapped[str] = mapped_column(String(10))  # ALERT, TRACK, mixed, none
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)  # tag -> best section score
    classified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Tag(Base):
    """A taxonomy tag on one section of a version, with its evidence."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("version_id", "section_index", "tag", "classifier_version"),
        Index("ix_tags_tag", "tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("bill_versions.id", ondelete="CASCADE"), index=True
    )
    section_index: Mapped[int] = mapped_column(Integer, default=0)
    section_label: Mapped[str | None] = mapped_column(String(100))
    tag: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_start: Mapped[int | None] = mapped_column(Integer)  # offsets into the version text
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    classifier_version: Mapped[str] = mapped_column(String(50))
    review_state: Mapped[str | None] = mapped_column(String(20))  # confirmed / rejected
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    version: Mapped[BillVersion] = relationship(back_populates="tags")


class BillSummary(Base):
    """Per bill, what `bill_overview` derives from its latest version: kept by triggers.

    Database triggers on bill_versions, version_classifications, tags and bills rewrite a bill's
    row whenever one of those changes, whoever writes (the writer, the classifier, a review,
    a bulk load), so faceted search counts over this table instead of per-bill subqueries.
    Migration 0011 fills it for existing databases.
    """

    __tablename__ = "bill_summary"
    __table_args__ = (
        Index("ix_bill_summary_stance", "stance"),
        Index("ix_bill_summary_jurisdiction", "jurisdiction_id", "session_id"),
    )

    bill_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Copies of the bill's own columns that search filters and counts on, so facet counts
    # never read the (wide) bills rows.
    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(40))
    last_action_date: Mapped[dt.date | None] = mapped_column(Date)
    latest_version_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    classifier_version: Mapped[str | None] = mapped_column(String(50))  # the latest on it
    stance: Mapped[str | None] = mapped_column(String(10))
    tags: Mapped[str | None] = mapped_column(Text)  # comma-separated, as in bill_overview


class BillTagSummary(Base):
    """One row per bill and current tag (latest version, latest classifier, not rejected)."""

    __tablename__ = "bill_tag_summary"
    __table_args__ = (Index("ix_bill_tag_summary_tag", "tag", "bill_id"),)

    bill_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class Subscriber(Base):
    """A coalition member who receives digests and alerts."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")  # unsubscribed, failed
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Carried by unsubscribe tokens, so the secret key and an id are not enough to forge one.
    unsubscribe_nonce: Mapped[str] = mapped_column(String(64), default=new_unsubscribe_nonce)
    # {"CA": ["12"], "NY": ["59", "112"]}: the member's own districts, so an alert can say
    # which legislators they are a constituent of (and only those).
    districts: Mapped[dict[str, Any]] = mapped_column(default=dict)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )


class Subscription(Base):
    """What a subscriber follows: states, tags (or alert/track), keywords, and how often."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    states: Mapped[list[Any]] = mapped_column(default=list)  # empty: every state
    tags: Mapped[list[Any]] = mapped_column(default=list)  # tag names, "alert", "track"
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    frequency: Mapped[str] = mapped_column(String(20), default="daily")  # immediate/daily/weekly

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")


class OutboxMessage(Base):
    """A rendered message waiting to be sent, unique on its idempotency key."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # digest, alert
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Delivery(Base):
    """One attempt to deliver an outbox message."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(20))  # sent, retry, failed
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class CrawlRun(Base):
    """One run of a spider or a bulk ingest, with its counts and health."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(50), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # ok, unhealthy, failed
    health_reason: Mapped[str | None] = mapped_column(Text)
    states: Mapped[list[Any]] = mapped_column(default=list)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[dict[str, Any]] = mapped_column(default=dict)  # item type -> count
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error_samples: Mapped[list[Any]] = mapped_column(default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_s: Mapped[float | None] = mapped_column(Float)


class SchedulerLock(Base):
    """The lock that lets only one scheduler run against a database."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class User(Base):
    """A coalition staff member who signs in to the workbench, with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(20), default="viewer")  # viewer, reviewer, admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()


class ApiKey(Base):
    """A key for programs reading /api/v1, stored as its SHA-256, with its own rate limit."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown to admins to tell keys apart
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class TagReview(Base):
    """A reviewer's decision on a tag: confirmed, rejected or relabelled, with a note."""

    __tablename__ = "tag_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer: Mapped[str] = mapped_column(String(320))  # kept if the user is deleted
    decision: Mapped[str] = mapped_column(String(20))  # confirmed, rejected, relabelled
    new_tag: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str] = mapped_column(String(40))  # the classifier's label, for agreement
    score: Mapped[float] = mapped_column(Float)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Follow(Base):
    """A signed-in user's follow of a bill or a legislator, or a saved search."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # bill, person, search
    target: Mapped[str] = mapped_column(String(1000))  # bill id, person id, or the query string
    label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
