"""One person per legislator: merge each source's copy, then point sponsors, seats and votes at it.

Every source stores its own copy of a legislator (`legiscan:29101`, `ocd-person/...`,
`bioguide:...`). `merge_people` groups the copies, first on identifiers they share (LegiScan's
votesmart, opensecrets, ballotpedia, followthemoney and knowwho ids; Open States'
`other_identifiers`, `ids` and ballotpedia links), then on jurisdiction + chamber + district and
a similar name (rapidfuzz). Each group keeps one row (the Open States one when there is one, it
has the contacts); the others get `merged_into_id`. Upserts never touch that column, so running
an ingest again keeps the merge; running `merge_people` again re-points anything new.
A name that is only close lands in `person_matches` for `billwatch people review`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import (
    Bill,
    Membership,
    Person,
    PersonMatch,
    PersonVote,
    Sponsorship,
    VoteEvent,
    utcnow,
)
from billwatch.db.votes import link_vote_bills

AUTO_MERGE = 90.0  # token-sorted name similarity at or above which a same-seat pair merges
REVIEW = 70.0  # at or above this (and below AUTO_MERGE) a person is asked to confirm

# LegiScan person fields that name the same person elsewhere -> our scheme name.
_LEGISCAN_IDS = {
    "people_id": "legiscan",
    "votesmart_id": "votesmart",
    "opensecrets_id": "opensecrets",
    "ballotpedia": "ballotpedia",
    "ftm_eid": "followthemoney",
    "knowwho_pid": "knowwho",
}
_BALLOTPEDIA = re.compile(r"ballotpedia\.org/([^/?#]+)", re.I)


@dataclass
class MergeReport:
    """What one merge pass did."""

    merged: int = 0  # source rows newly pointed at another row
    pending: int = 0  # pairs waiting for a person's review
    relinked: int = 0  # sponsorships, memberships and votes pointed at the merged person
    resolved_by_name: int = 0  # sponsorships linked by name within the jurisdiction
    groups: list[list[int]] = field(default_factory=list)


def fold(name: str) -> str:
    """Lower-case ASCII words of a name: accents, punctuation and titles dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9 ]+", " ", ascii_name.lower().replace("-", " ")).split()
    titles = {"sen", "senator", "rep", "representative", "asm", "assemblymember", "jr", "sr"}
    return " ".join(w for w in words if w not in titles)


def _scheme_value(scheme: str, value: Any) -> tuple[str, str] | None:
    text = str(value).strip()
    if not text or text in ("0", "None"):
        return None
    scheme = scheme.lower()
    if scheme == "ballotpedia":
        text = text.replace(" ", "_").lower()
    return scheme, text


def identifiers(person: Person) -> set[tuple[str, str]]:
    """Every (scheme, value) that names this legislator in some source."""
    found: set[tuple[str, str]] = set()

    def add(scheme: str, value: Any) -> None:
        pair = _scheme_value(scheme, value)
        if pair:
            found.add(pair)

    key = person.source_key
    if key.startswith("ocd-person/"):
        add("openstates", key)
    elif ":" in key:
        add(*key.split(":", 1))
    extras = person.extras or {}
    for field_name, scheme in _LEGISCAN_IDS.items():
        if isinstance(extras.get("legiscan"), dict) and field_name in extras["legiscan"]:
            add(scheme, extras["legiscan"][field_name])
    for other in extras.get("other_identifiers") or []:
        if isinstance(other, dict) and other.get("scheme") != "legacy_openstates":
            add(str(other.get("scheme")), other.get("identifier"))
    for scheme, value in (extras.get("ids") or {}).items():
        add(str(scheme), value)
    for link in [*(extras.get("links") or []), *(extras.get("sources") or [])]:
        match = _BALLOTPEDIA.search(str(link.get("url") if isinstance(link, dict) else link))
        if match:
            add("ballotpedia", match.group(1))
    return found


def _district(value: str | None) -> str:
    return (value or "").strip().lstrip("0").lower()


def _source(person: Person) -> str:
    return (
        "openstates"
        if person.source_key.startswith("ocd-person/")
        else person.source_key.split(":")[0]
    )


class _Groups:
    """Union-find over person ids, refusing to join two rows of one source."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.parent = {p.id: p.id for p in people}
        self.sources = {p.id: {_source(p)} for p in people}

    def find(self, pid: int) -> int:
        while self.parent[pid] != pid:
            self.parent[pid] = self.parent[self.parent[pid]]
            pid = self.parent[pid]
        return pid

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.sources[ra] & self.sources[rb]:
            return False  # one source never lists the same legislator twice
        self.parent[rb] = ra
        self.sources[ra] |= self.sources.pop(rb)
        return True


def _canonical(members: Iterable[Person]) -> Person:
    """The row that stands for the group: Open States (contacts) first, else the oldest."""
    return min(members, key=lambda p: (_source(p) != "openstates", p.id))


def similarity(a: str, b: str) -> float:
    """Name similarity 0-100, word order ignored ("Okafor-Reyes, Nadia" = "Nadia Okafor-Reyes")."""
    return float(fuzz.token_sort_ratio(fold(a), fold(b)))


def _same_seat(a: Person, b: Person) -> bool:
    return (
        a.jurisdiction_id == b.jurisdiction_id
        and (a.chamber or "") == (b.chamber or "")
        and bool(a.district)
        and _district(a.district) == _district(b.district)
    )


def merge_people(session: Session, jurisdiction_id: int | None = None) -> MergeReport:
    """Merge every source's copy of each legislator and re-point what refers to them."""
    query = select(Person).order_by(Person.id)
    if jurisdiction_id is not None:
        query = query.where(Person.jurisdiction_id == jurisdiction_id)
    people = list(session.scalars(query))
    report = MergeReport()
    groups = _Groups(people)
    by_id = {p.id: p for p in people}
    # Merges made before (and confirmed reviews) stand, whatever the rules say now.
    for person in people:
        if person.merged_into_id in by_id:
            groups.join(person.merged_into_id, person.id)
    decided = _decided_pairs(session)
    for (a, b), status in decided.items():
        if status == "confirmed" and a in by_id and b in by_id:
            groups.join(a, b)
    owners: dict[tuple[str, str], int] = {}
    for person in people:
        for key in sorted(identifiers(person)):
            if key in owners:
                groups.join(owners[key], person.id)
            else:
                owners[key] = person.id
    _match_seats(session, people, groups, decided, report)
    clusters: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        clusters[groups.find(person.id)].append(person)
    for members in clusters.values():
        if len(members) > 1:
            report.groups.append(sorted(p.id for p in members))
        keep = _canonical(members)
        for person in members:
            target = None if person is keep else keep.id
            if person.merged_into_id != target:
                report.merged += target is not None
                person.merged_into_id = target
        _fill(keep, members)
    session.flush()
    report.relinked = relink(session)
    report.resolved_by_name = resolve_sponsors_by_name(session) + resolve_voters_by_name(session)
    return report


def _decided_pairs(session: Session) -> dict[tuple[int, int], str]:
    rows = session.execute(
        select(PersonMatch.person_id, PersonMatch.candidate_id, PersonMatch.status)
    ).all()
    return {(min(a, b), max(a, b)): status for a, b, status in rows}


def _match_seats(
    session: Session,
    people: Sequence[Person],
    groups: _Groups,
    decided: dict[tuple[int, int], str],
    report: MergeReport,
) -> None:
    """Join same-seat rows with near-identical names; queue merely similar ones for review."""
    seats: dict[tuple[int, str, str], list[Person]] = defaultdict(list)
    for person in people:
        if person.district:
            key = (person.jurisdiction_id, person.chamber or "", _district(person.district))
            seats[key].append(person)
    for members in seats.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if groups.find(a.id) == groups.find(b.id) or _source(a) == _source(b):
                    continue
                pair = (min(a.id, b.id), max(a.id, b.id))
                if decided.get(pair) == "rejected":
                    continue
                score = similarity(a.name, b.name)
                if score >= AUTO_MERGE:
                    groups.join(a.id, b.id)
                elif score >= REVIEW and pair not in decided:
                    reason = f"same seat ({a.chamber} {a.district}), names {score:.0f}% alike"
                    session.add(
                        PersonMatch(
                            person_id=pair[0], candidate_id=pair[1], score=score, reason=reason
                        )
                    )
                    decided[pair] = "pending"
                    report.pending += 1


def _fill(keep: Person, members: Sequence[Person]) -> None:
    """Give the kept row what only another source knows (it has no email, party, ...)."""
    for person in members:
        if person is keep:
            continue
        for name in ("party", "chamber", "district", "email", "image"):
            if not getattr(keep, name) and getattr(person, name):
                setattr(keep, name, getattr(person, name))


# Tables whose rows name a legislator by `person_ref` and point at one by `person_id`.
REFERRING: tuple[Any, ...] = (Sponsorship, Membership, PersonVote)


def relink(session: Session) -> int:
    """Point sponsorships, memberships and votes at merged people; link refs to stored people."""
    parents: dict[int, int] = {
        old: new
        for old, new in session.execute(
            select(Person.id, Person.merged_into_id).where(Person.merged_into_id.is_not(None))
        ).tuples()
        if new is not None
    }
    owners: dict[tuple[str, str], int] = {}
    # The kept rows' identifiers first, so a merged copy never shadows its person.
    for person in session.scalars(select(Person).order_by(Person.merged_into_id.is_not(None))):
        for key in identifiers(person):
            owners.setdefault(key, root_of(parents, person.id))
    changed = 0
    for model in REFERRING:
        for old in parents:
            result = session.execute(
                update(model).where(model.person_id == old).values(person_id=root_of(parents, old))
            )
            changed += result.rowcount or 0  # type: ignore[attr-defined]
        for row in session.scalars(
            select(model).where(model.person_id.is_(None), model.person_ref.is_not(None))
        ):
            owner = _owner_of(row.person_ref, owners)
            if owner is not None:
                row.person_id = owner
                changed += 1
    session.flush()
    return changed


def root_of(parents: dict[int, int], person_id: int) -> int:
    """The kept row a person id was merged into (itself when it is kept)."""
    seen = set()
    while person_id in parents and person_id not in seen:
        seen.add(person_id)
        person_id = parents[person_id]
    return person_id


def _owner_of(ref: str, owners: dict[tuple[str, str], int]) -> int | None:
    """The person a source reference names: "legiscan:29101", "ocd-person/...", "bioguide:X"."""
    if ref.startswith("ocd-person/"):
        return owners.get(("openstates", ref))
    if ":" in ref:
        scheme, value = ref.split(":", 1)
        pair = _scheme_value(scheme, value)
        return owners.get(pair) if pair else None
    return None


def _bill_chamber(identifier: str) -> str | None:
    """The originating chamber of a bill from its prefix (AB, HB, A -> lower; SB, S -> upper)."""
    prefix = identifier.split()[0].upper() if identifier.split() else ""
    if prefix.startswith(("A", "H")):
        return "lower"
    if prefix.startswith("S"):
        return "upper"
    return None


def _last_name(person: Person) -> str:
    family = (person.extras or {}).get("family_name")
    words = fold(str(family or person.name)).split()
    return " ".join(words) if family else (words[-1] if words else "")


def resolve_sponsors_by_name(session: Session) -> int:
    """Link sponsors known only by name (California authors' last names, New York members).

    Candidates are the jurisdiction's current members: a full name must be at least AUTO_MERGE
    alike; a bare last name must name one member, or one in the bill's own chamber.
    """
    pending = session.execute(
        select(Sponsorship, Bill.jurisdiction_id, Bill.identifier)
        .join(Bill, Sponsorship.bill_id == Bill.id)
        .where(Sponsorship.person_id.is_(None), Sponsorship.entity_type == "person")
    ).all()
    if not pending:
        return 0
    members: dict[int, list[Person]] = defaultdict(list)
    for person in session.scalars(
        select(Person).where(Person.merged_into_id.is_(None), Person.active.is_(True))
    ):
        members[person.jurisdiction_id].append(person)
    linked = 0
    for sponsorship, jurisdiction_id, identifier in pending:
        found = match_name(sponsorship.name, members[jurisdiction_id], _bill_chamber(identifier))
        if found is not None:
            sponsorship.person_id = found.id
            linked += 1
    session.flush()
    return linked


def resolve_voters_by_name(session: Session) -> int:
    """Link roll-call votes known only by name (New York's floor votes: "Addabbo")."""
    pending = session.execute(
        select(PersonVote, VoteEvent.jurisdiction_id, VoteEvent.chamber)
        .join(VoteEvent, PersonVote.vote_event_id == VoteEvent.id)
        .where(PersonVote.person_id.is_(None))
    ).all()
    if not pending:
        return 0
    members: dict[tuple[int, str | None], list[Person]] = defaultdict(list)
    for person in session.scalars(
        select(Person).where(Person.merged_into_id.is_(None), Person.active.is_(True))
    ):
        members[(person.jurisdiction_id, person.chamber)].append(person)
    linked = 0
    for vote, jurisdiction_id, chamber in pending:
        found = match_name(vote.voter_name, members[(jurisdiction_id, chamber)])
        if found is not None:
            vote.person_id = found.id
            linked += 1
    session.flush()
    return linked


def match_name(name: str, people: Sequence[Person], chamber: str | None = None) -> Person | None:
    """The one member `name` names: a full name alike, or a unique last name; else None."""
    folded = fold(name)
    if not folded:
        return None
    if len(folded.split()) > 1:
        scored = [(similarity(name, p.name), p) for p in people]
        best = [p for score, p in scored if score >= AUTO_MERGE]
        if len(best) == 1:
            return best[0]
    same_last = [p for p in people if _last_name(p) == folded or fold(p.name) == folded]
    if len(same_last) > 1 and chamber:
        same_last = [p for p in same_last if p.chamber == chamber]
    return same_last[0] if len(same_last) == 1 else None


def merged_person(session: Session, person_id: int) -> Person | None:
    """The row that stands for `person_id` after merges."""
    parents: dict[int, int] = {}
    person = session.get(Person, person_id)
    while person is not None and person.merged_into_id and person.id not in parents:
        parents[person.id] = person.merged_into_id
        person = session.get(Person, person.merged_into_id)
    return person


def copies(session: Session, person: Person) -> list[Person]:
    """Every source row merged into `person`, itself first."""
    others = session.scalars(
        select(Person).where(Person.merged_into_id == person.id).order_by(Person.id)
    )
    return [person, *others]


def pending_matches(session: Session) -> list[tuple[PersonMatch, Person, Person]]:
    """Pairs waiting for review, most alike first."""
    rows = session.scalars(
        select(PersonMatch)
        .where(PersonMatch.status == "pending")
        .order_by(PersonMatch.score.desc(), PersonMatch.id)
    )
    out = []
    for match in rows:
        a, b = session.get(Person, match.person_id), session.get(Person, match.candidate_id)
        if a is not None and b is not None:
            out.append((match, a, b))
    return out


class UnknownMatch(LookupError):
    """No pending match has this id."""


def decide(session: Session, match_id: int, confirm: bool, by: str) -> PersonMatch:
    """Confirm (merge) or reject (never propose again) one pending match."""
    match = session.get(PersonMatch, match_id)
    if match is None or match.status != "pending":
        raise UnknownMatch(f"no pending match with id {match_id}")
    match.status = "confirmed" if confirm else "rejected"
    match.decided_by = by
    match.decided_at = utcnow()
    session.flush()
    if confirm:
        person = session.get(Person, match.person_id)
        merge_people(session, person.jurisdiction_id if person else None)
    return match


def merge_after_load(factory: sessionmaker[Session]) -> MergeReport:
    """Run one merge pass in its own transaction, as every ingest and crawl does at its end."""
    with factory.begin() as session:
        link_vote_bills(session)
        return merge_people(session)
