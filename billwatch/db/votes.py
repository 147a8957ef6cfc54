"""Roll-call votes: upsert on (jurisdiction, source id), Open States v3 export, scorecards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from billwatch.db.models import (
    Bill,
    Jurisdiction,
    LegislativeSession,
    Person,
    PersonVote,
    VoteCount,
    VoteEvent,
)
from billwatch.db.store import InvalidRecord, ensure_jurisdiction, find_bill
from billwatch.records import VoteRecord

# Motions on which a yes/no vote for or against a bill can be read as support or opposition.
PASSAGE_MOTIONS = {"passage", "committee-passage", "veto-override", "reading-3"}


def _bill_by_ref(session: Session, ref: str) -> int | None:
    """The bill a source's own bill id names ("legiscan:415647", kept in `bills.extras`)."""
    source, _, value = ref.partition(":")
    if source != "legiscan" or not value.isdigit():
        return None
    return session.scalars(
        select(Bill.id).where(Bill.extras["legiscan"]["bill_id"].as_integer() == int(value))
    ).first()


def _bill_ref(record: VoteRecord) -> str | None:
    if record.bill_extras_key:
        return f"{record.bill_extras_key[0]}:{record.bill_extras_key[2]}"
    return None


def _bill_id(session: Session, record: VoteRecord) -> int | None:
    ref = _bill_ref(record)
    if ref:
        return _bill_by_ref(session, ref)
    if record.session and record.bill_identifier:
        bill = find_bill(session, record.jurisdiction, record.session, record.bill_identifier)
        return bill.id if bill else None
    return None


def upsert_vote(session: Session, record: VoteRecord) -> tuple[VoteEvent, bool]:
    """Insert or update one roll call with its counts and votes; returns (event, changed)."""
    bill_id = _bill_id(session, record)
    code = record.jurisdiction
    if not code and bill_id is not None:  # a LegiScan roll call names only its bill
        code = (
            session.scalar(
                select(Jurisdiction.code)
                .join(Bill, Bill.jurisdiction_id == Jurisdiction.id)
                .where(Bill.id == bill_id)
            )
            or ""
        )
    if not code:
        raise InvalidRecord(
            f"roll call {record.source_key} names no state and its bill is not stored:"
            " ingest its bill file first, or give the dataset's <state>/ folder"
        )
    jurisdiction = ensure_jurisdiction(session, code)
    event = session.scalar(
        select(VoteEvent)
        .where(
            VoteEvent.jurisdiction_id == jurisdiction.id,
            VoteEvent.source_key == record.source_key,
        )
        .options(selectinload(VoteEvent.counts), selectinload(VoteEvent.votes))
    )
    created = event is None
    if event is None:
        event = VoteEvent(jurisdiction_id=jurisdiction.id, source_key=record.source_key)
        session.add(event)
    before = _shape(event) if not created else None
    event.bill_id = bill_id or event.bill_id
    event.bill_identifier = record.bill_identifier or event.bill_identifier
    event.session_identifier = record.session or event.session_identifier
    event.bill_ref = _bill_ref(record) or event.bill_ref
    event.chamber = record.chamber
    event.organization = record.organization
    event.motion_text = record.motion_text
    event.motion_classification = list(record.motion_classification)
    event.start_date = record.start_date
    event.result = record.result
    event.source_urls = list(record.source_urls)
    new_counts = sorted(record.counts.items())
    new_votes = [(v.option, v.voter_name, v.voter_ref) for v in record.votes]
    if created or before is None or before[1:] != (new_counts, new_votes):
        # Replaced whole: a corrected roll call is one list, not a diff of voters.
        event.counts.clear()
        event.votes.clear()
        session.flush()
        event.counts.extend(VoteCount(option=o, value=n) for o, n in new_counts)
        names = _names(session, [ref for _, name, ref in new_votes if not name and ref])
        event.votes.extend(
            PersonVote(
                option=o, voter_name=name or names.get(ref or "", ref or "?"), person_ref=ref
            )
            for o, name, ref in new_votes
        )
    session.flush()
    return event, created or before != _shape(event)


def _names(session: Session, refs: list[str]) -> dict[str, str]:
    """Names of stored people for refs (LegiScan roll calls give only `people_id`)."""
    if not refs:
        return {}
    rows = session.execute(
        select(Person.source_key, Person.name).where(Person.source_key.in_(refs))
    )
    return {key: name for key, name in rows}


def _shape(event: VoteEvent) -> tuple[Any, ...]:
    return (
        (event.motion_text, event.result, event.start_date, event.chamber),
        sorted((c.option, c.value) for c in event.counts),
        [(v.option, v.voter_name, v.person_ref) for v in event.votes],
    )


def link_vote_bills(session: Session) -> int:
    """Attach roll calls read before their bill to the bill, now stored."""
    linked = 0
    rows = session.execute(
        select(VoteEvent, Jurisdiction.code)
        .join(Jurisdiction, VoteEvent.jurisdiction_id == Jurisdiction.id)
        .where(VoteEvent.bill_id.is_(None))
    ).all()
    for event, code in rows:
        bill_id = _bill_by_ref(session, event.bill_ref) if event.bill_ref else None
        if bill_id is None and event.bill_identifier and event.session_identifier:
            bill = find_bill(session, code, event.session_identifier, event.bill_identifier)
            bill_id = bill.id if bill else None
        if bill_id is not None:
            event.bill_id = bill_id
            linked += 1
    session.flush()
    return linked


def vote_dicts(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """A bill's roll calls as Open States v3 `votes` (motion, date, result, counts, votes)."""
    events = session.scalars(
        select(VoteEvent)
        .where(VoteEvent.bill_id == bill_id)
        .order_by(VoteEvent.start_date, VoteEvent.id)
        .options(selectinload(VoteEvent.counts), selectinload(VoteEvent.votes))
    ).all()
    keys = dict(
        session.execute(
            select(Person.id, Person.source_key).where(
                Person.id.in_({v.person_id for e in events for v in e.votes if v.person_id})
            )
        ).all()
    )
    return [
        {
            "identifier": event.source_key,
            "motion_text": event.motion_text,
            "motion_classification": list(event.motion_classification),
            "start_date": event.start_date.isoformat(),
            "result": event.result,
            "organization": {"classification": event.chamber, "name": event.organization},
            "counts": [{"option": c.option, "value": c.value} for c in event.counts],
            "votes": [
                {
                    "option": v.option,
                    "voter_name": v.voter_name,
                    "voter_id": keys.get(v.person_id) if v.person_id else v.person_ref,
                }
                for v in event.votes
            ],
            "sources": [{"url": url} for url in event.source_urls],
        }
        for event in events
    ]


@dataclass
class ScoreRow:
    """One legislator's votes on the coalition's bills."""

    person_id: int | None
    name: str
    chamber: str | None
    district: str | None
    party: str | None
    alert_votes: int = 0  # votes cast on roll calls about ALERT bills
    track_votes: int = 0
    with_coalition: int = 0  # yes on TRACK, no on ALERT, on passage motions
    against_coalition: int = 0
    bills: list[str] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        """Share of yes/no passage votes cast with the coalition; None without any."""
        counted = self.with_coalition + self.against_coalition
        return round(self.with_coalition / counted, 3) if counted else None


def bill_stances(session: Session, jurisdiction_id: int) -> dict[int, str]:
    """bill id -> stance (ALERT, TRACK, mixed, none) from the newest classifier run."""
    rows = session.execute(
        text(
            "SELECT o.bill_id, o.stance FROM bill_overview o JOIN bills b ON b.id = o.bill_id"
            " WHERE b.jurisdiction_id = :j AND o.stance IS NOT NULL"
        ),
        {"j": jurisdiction_id},
    ).all()
    return {int(bill_id): str(stance) for bill_id, stance in rows}


def scorecard(
    session: Session, jurisdiction: Jurisdiction, session_identifier: str | None = None
) -> list[ScoreRow]:
    """Each legislator's votes on ALERT and TRACK bills, and the share cast with the coalition."""
    stances = {
        k: v for k, v in bill_stances(session, jurisdiction.id).items() if v in ("ALERT", "TRACK")
    }
    if not stances:
        return []
    query = (
        select(VoteEvent, Bill.identifier)
        .join(Bill, VoteEvent.bill_id == Bill.id)
        .where(VoteEvent.bill_id.in_(stances))
        .options(selectinload(VoteEvent.votes))
    )
    if session_identifier:
        query = query.join(LegislativeSession, Bill.session_id == LegislativeSession.id).where(
            LegislativeSession.identifier == session_identifier
        )
    rows: dict[Any, ScoreRow] = {}
    people = {p.id: p for p in session.scalars(select(Person))}
    for event, identifier in session.execute(query).tuples():
        assert event.bill_id is not None  # joined on it
        stance = stances[event.bill_id]
        counted = not event.motion_classification or bool(
            PASSAGE_MOTIONS & set(event.motion_classification)
        )
        for vote in event.votes:
            person = people.get(vote.person_id) if vote.person_id else None
            key = person.id if person else ("name", vote.voter_name)
            row = rows.get(key)
            if row is None:
                row = rows[key] = ScoreRow(
                    person_id=person.id if person else None,
                    name=person.name if person else vote.voter_name,
                    chamber=person.chamber if person else event.chamber,
                    district=person.district if person else None,
                    party=person.party if person else None,
                )
            if stance == "ALERT":
                row.alert_votes += 1
            else:
                row.track_votes += 1
            if identifier not in row.bills:
                row.bills.append(identifier)
            if counted and vote.option in ("yes", "no"):
                with_us = (vote.option == "yes") == (stance == "TRACK")
                row.with_coalition += with_us
                row.against_coalition += not with_us
    return sorted(rows.values(), key=lambda r: (r.chamber or "", r.name))
