"""Whom an alert asks a member to call, read from the database: sponsors on the committee,
roll-call records, and the member's own legislators by district."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.context import BillSnapshot, Contact, Record, Trigger, rank_targets
from alerts.select import _committee_for, _contact, contacts_for
from billwatch.db.models import Jurisdiction, Person, Sponsorship
from billwatch.db.votes import scorecard


@dataclass
class Targets:
    """The people to call about one (bill, trigger), before a member's own districts are known."""

    contacts: list[Contact]
    target: str  # "Members of the Public Safety committee"
    on_committee: bool
    chamber: str | None  # the chamber whose members are listed, when one
    sponsors: dict[int, str] = field(default_factory=dict)
    records: dict[int, Record] = field(default_factory=dict)


def _sponsors(session: Session, bill_id: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for person_id, kind in session.execute(
        select(Sponsorship.person_id, Sponsorship.classification).where(
            Sponsorship.bill_id == bill_id, Sponsorship.person_id.is_not(None)
        )
    ):
        if person_id is not None and out.get(person_id) != "primary":
            out[person_id] = "primary" if kind == "primary" else "cosponsor"
    return out


def records(session: Session, jurisdiction_id: int) -> dict[int, Record]:
    """Person id -> their votes with and against the coalition, and whether of the majority."""
    jurisdiction = session.get(Jurisdiction, jurisdiction_id)
    if jurisdiction is None:
        return {}
    rows = [r for r in scorecard(session, jurisdiction) if r.person_id is not None]
    if not rows:
        return {}
    parties: dict[str | None, Counter[str]] = {}
    for chamber, party in session.execute(
        select(Person.chamber, Person.party).where(
            Person.jurisdiction_id == jurisdiction_id,
            Person.active.is_(True),
            Person.merged_into_id.is_(None),
        )
    ):
        if party:
            parties.setdefault(chamber, Counter())[party] += 1
    majority = {c: n.most_common(1)[0][0] for c, n in parties.items() if n}
    return {
        r.person_id: Record(
            r.with_coalition,
            r.against_coalition,
            bool(r.party) and majority.get(r.chamber) == r.party,
        )
        for r in rows
        if r.person_id is not None
    }


def targets_for(
    session: Session, bill: BillSnapshot, trigger: Trigger, cache: dict[int, Any] | None = None
) -> Targets:
    """The committee (or chamber) list with sponsors and roll-call records to rank it by."""
    contacts, target = contacts_for(session, bill, trigger)
    committee = _committee_for(session, bill, trigger)
    on_committee = committee is not None and target.startswith("Members of the ")
    chambers = {c.chamber for c in contacts if c.chamber in ("upper", "lower")}
    chamber = (
        committee.chamber
        if on_committee and committee is not None and committee.chamber in ("upper", "lower")
        else next(iter(chambers))
        if len(chambers) == 1
        else None
    )
    cache = {} if cache is None else cache
    if bill.jurisdiction_id not in cache:
        cache[bill.jurisdiction_id] = records(session, bill.jurisdiction_id)
    return Targets(
        contacts=contacts,
        target=target,
        on_committee=on_committee,
        chamber=chamber,
        sponsors=_sponsors(session, bill.bill_id),
        records=cache[bill.jurisdiction_id],
    )


def district_key(value: str | None) -> str:
    """A district as compared: "012" and "12" are one; case and spaces do not count."""
    return " ".join((value or "").lower().split()).lstrip("0")


def own_legislators(
    session: Session,
    bill: BillSnapshot,
    chamber: str | None,
    districts: dict[str, Any] | None,
) -> list[Contact]:
    """The member's own legislators in the bill's state (and the listed chamber, when one)."""
    wanted = {district_key(str(d)) for d in (districts or {}).get(bill.state, []) if str(d)}
    wanted.discard("")
    if not wanted:  # no districts given: nobody is "theirs", no constituent claim
        return []
    query = select(Person).where(
        Person.jurisdiction_id == bill.jurisdiction_id,
        Person.active.is_(True),
        Person.merged_into_id.is_(None),
    )
    if chamber in ("upper", "lower"):
        query = query.where(Person.chamber == chamber)
    return [
        _contact(p, None)
        for p in session.scalars(query.order_by(Person.name))
        if district_key(p.district) in wanted
    ]


def ranked(targets: Targets, own: list[Contact]) -> list[Contact]:
    """The targets ordered by leverage for one member."""
    return rank_targets(
        targets.contacts, targets.sponsors, targets.records, own, targets.on_committee
    )
