"""Plain records that parsers and spiders produce and the store writes.

Every source (bulk files, spiders) turns its input into these records; `billwatch.db.store`
is the one place that writes them to the database, with upserts on natural keys.
Vocabularies follow Open Civic Data: action classifications (`introduction`,
`referral-committee`, `committee-passage`, `passage`, `executive-signature`, `became-law`, ...),
version notes (`Introduced`, `Amended`, `Enrolled`, `Chaptered`), sponsorship `primary`/`cosponsor`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

Span = tuple[int, int]


@dataclass
class VersionRecord:
    """One text version of a bill; `inserted`/`struck` are [start, end) offsets into `text`."""

    note: str
    date: dt.date | None = None
    url: str | None = None
    media_type: str | None = None
    text: str = ""
    inserted: list[Span] = field(default_factory=list)
    struck: list[Span] = field(default_factory=list)
    source_key: str | None = None  # the source's own id for the document (LegiScan doc_id ...)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the text with whitespace folded: the same text again is not a new version."""
        return content_hash(self.text)


@dataclass
class ActionRecord:
    """One action in a bill's history."""

    date: dt.date
    description: str
    organization: str | None = None  # "upper", "lower", "legislature", "executive" or a name
    classification: list[str] = field(default_factory=list)
    order: int = 0


@dataclass
class SponsorRecord:
    """A sponsor of a bill."""

    name: str
    classification: str = "primary"  # "primary" or "cosponsor"
    entity_type: str = "person"  # "person" or "organization" (committee sponsors)
    person_ref: str | None = None  # ocd-person id or the source's id, to link a Person


@dataclass
class BillRecord:
    """A bill with everything a source knows about it."""

    jurisdiction: str  # two-letter state code, "DC" or "US"
    session: str  # session identifier as the source names it ("2025-2026", "117")
    identifier: str  # normalised: "AB 831", "HB 1", "S 609", "HR 21"
    title: str = ""
    session_name: str | None = None
    classification: list[str] = field(default_factory=lambda: ["bill"])
    subjects: list[str] = field(default_factory=list)
    status: str | None = None  # explicit status when the source gives one
    source_urls: list[str] = field(default_factory=list)
    versions: list[VersionRecord] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    sponsors: list[SponsorRecord] = field(default_factory=list)
    extras: dict = field(default_factory=dict)  # source ids, change hashes


@dataclass
class AgendaItemRecord:
    """A bill (or other matter) on a hearing's agenda."""

    bill_identifier: str | None
    description: str = ""
    session: str | None = None


@dataclass
class EventRecord:
    """A committee hearing or meeting."""

    jurisdiction: str
    source_key: str  # stable id from the source, natural key with the jurisdiction
    name: str
    start_time: dt.datetime
    committee: str | None = None
    chamber: str | None = None
    location: str | None = None
    status: str = "confirmed"  # OCD: tentative, confirmed, cancelled, passed
    description: str = ""
    source_urls: list[str] = field(default_factory=list)
    agenda: list[AgendaItemRecord] = field(default_factory=list)
    livestream_url: str | None = None  # Open States `media`/`links`; others give none


@dataclass
class OfficeRecord:
    """A legislator's office and its contacts."""

    classification: str  # "capitol", "district", "primary"
    address: str | None = None
    voice: str | None = None
    fax: str | None = None
    name: str | None = None


@dataclass
class PersonRecord:
    """A legislator with the current role."""

    jurisdiction: str
    name: str
    source_key: str  # ocd-person id where known, else the source's id
    party: str | None = None
    chamber: str | None = None  # "upper", "lower", "legislature"
    district: str | None = None
    email: str | None = None
    image: str | None = None
    active: bool = True
    offices: list[OfficeRecord] = field(default_factory=list)
    extras: dict = field(default_factory=dict)


@dataclass
class MembershipRecord:
    """A member of a committee."""

    name: str
    role: str = "member"
    person_ref: str | None = None


@dataclass
class CommitteeRecord:
    """A legislative committee and its members."""

    jurisdiction: str
    name: str
    chamber: str | None = None
    source_key: str | None = None  # ocd-organization id where known
    members: list[MembershipRecord] = field(default_factory=list)


def content_hash(text: str) -> str:
    """Hash of text with whitespace folded, so reflowed text is not a new version."""
    folded = " ".join(text.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass
class VersionText:
    """The text of a version fetched after its bill, with the bill's natural key."""

    jurisdiction: str
    session: str
    identifier: str
    version: VersionRecord


@dataclass
class PersonVoteRecord:
    """How one legislator voted in a roll call (OCD option)."""

    option: str  # yes, no, absent, abstain, not voting, excused, other
    voter_name: str
    voter_ref: str | None = None  # "legiscan:8641", "ocd-person/...", "bioguide:..."


@dataclass
class VoteRecord:
    """A roll call on a bill, as Open States v3 has it (counts by OCD option, each vote)."""

    jurisdiction: str
    source_key: str  # the source's id for the roll call, natural key with the jurisdiction
    start_date: dt.date
    motion_text: str
    result: str  # "pass" or "fail"
    chamber: str | None = None  # "upper", "lower", "legislature" or a committee's chamber
    organization: str | None = None  # a committee's name for a committee vote
    session: str | None = None
    bill_identifier: str | None = None
    bill_extras_key: tuple[str, str, int] | None = None  # ("legiscan", "bill_id", 395975)
    motion_classification: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    votes: list[PersonVoteRecord] = field(default_factory=list)
    source_urls: list[str] = field(default_factory=list)
