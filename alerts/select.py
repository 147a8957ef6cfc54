"""Read from the database what digests and alerts need: changed bills, snapshots, contacts."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import overload

from sqlalchemy import CompoundSelect, Select, func, select, union
from sqlalchemy.orm import Session, selectinload

from alerts.context import (
    CHAMBERS,
    ActionView,
    BillSnapshot,
    Contact,
    HearingView,
    SectionRef,
    TagView,
    Trigger,
    evidence_window,
    inserted_overlap,
)
from billwatch.db import faceted
from billwatch.db.models import (
    Bill,
    BillAction,
    BillVersion,
    Committee,
    CrawlRun,
    Event,
    EventAgendaItem,
    Follow,
    Jurisdiction,
    LegislativeSession,
    Person,
    Sponsorship,
    Subscriber,
    Subscription,
    Tag,
    User,
    VersionClassification,
)

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) clause, well under SQLite's and PostgreSQL's limits


@overload
def aware(value: dt.datetime) -> dt.datetime: ...
@overload
def aware(value: dt.datetime | None) -> dt.datetime | None: ...
def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def changed_bill_ids(session: Session, since: dt.datetime, now: dt.datetime) -> set[int]:
    """Bills with a new version, new tags, new actions or an updated upcoming hearing since."""
    query: CompoundSelect[int] = union(
        select(Bill.id).where(Bill.first_seen > since),
        select(BillVersion.bill_id).where(BillVersion.created_at > since),
        select(BillAction.bill_id).where(BillAction.created_at > since),
        select(EventAgendaItem.bill_id)
        .join(Event, Event.id == EventAgendaItem.event_id)
        .where(
            Event.updated_at > since, Event.start_time >= now, EventAgendaItem.bill_id.is_not(None)
        ),
    )
    changed = {row[0] for row in session.execute(query) if row[0] is not None}
    return changed | retagged_bill_ids(session, since)


def _tag_set(session: Session, version_id: int, classifier_version: str) -> set[str]:
    return set(
        session.scalars(
            select(Tag.tag).where(
                Tag.version_id == version_id,
                Tag.classifier_version == classifier_version,
                (Tag.review_state.is_(None)) | (Tag.review_state != "rejected"),
            )
        )
    )


def retagged_bill_ids(session: Session, since: dt.datetime) -> set[int]:
    """Bills whose versions were first tagged, or tagged differently, by a classification since.

    A new classifier version re-tags every version; only a change in the tags themselves is news,
    so that a retrained model does not send every bill again.
    """
    recent = select(VersionClassification.version_id).where(
        VersionClassification.classified_at > since
    )
    runs: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for version_id, classifier_version, bill_id in session.execute(
        select(
            VersionClassification.version_id,
            VersionClassification.classifier_version,
            BillVersion.bill_id,
        )
        .join(BillVersion, BillVersion.id == VersionClassification.version_id)
        .where(VersionClassification.version_id.in_(recent))
        .order_by(VersionClassification.classified_at, VersionClassification.id)
    ):
        runs[version_id].append((classifier_version, bill_id))
    changed: set[int] = set()
    for version_id, history in runs.items():
        (latest, bill_id), previous = history[-1], history[:-1]
        if not previous or _tag_set(session, version_id, latest) != _tag_set(
            session, version_id, previous[-1][0]
        ):
            changed.add(bill_id)
    return changed


def _version_tags(session: Session, version_ids: list[int]) -> dict[int, list[Tag]]:
    """Non-rejected tags per version, from the newest classifier run of each version."""
    latest: dict[int, str] = {}
    for chunk in _chunks(version_ids):
        rows = session.execute(
            select(VersionClassification.version_id, VersionClassification.classifier_version)
            .where(VersionClassification.version_id.in_(chunk))
            .order_by(VersionClassification.classified_at, VersionClassification.id)
        )
        latest.update({vid: cv for vid, cv in rows})
    tags: dict[int, list[Tag]] = defaultdict(list)
    for chunk in _chunks(version_ids):
        for tag in session.scalars(
            select(Tag).where(Tag.version_id.in_(chunk)).order_by(Tag.section_index, Tag.id)
        ):
            if tag.review_state == "rejected":
                continue  # a person said no: it never counts
            tags[tag.version_id].append(tag)
    for vid, found in tags.items():
        # Without a classification row (tags written by hand), the newest classifier wins.
        keep = latest.get(vid) or max(t.classifier_version for t in found)
        tags[vid] = [t for t in found if t.classifier_version == keep]
    return tags


def _tag_views(tags: list[Tag], version: BillVersion) -> list[TagView]:
    """One view per tag name: its best-scoring section's evidence in context."""
    best: dict[str, TagView] = {}
    places: dict[str, list[SectionRef]] = defaultdict(list)
    for tag in tags:
        evidence = " ".join(tag.evidence.split())
        places[tag.tag].append(SectionRef(tag.section_label, tag.section_index, evidence))
        view = best.get(tag.tag)
        if view is not None:
            view.sections += 1
            if tag.score <= view.score:
                continue
        before, after = evidence_window(
            version.text, tag.evidence_start, tag.evidence_end, tag.evidence
        )
        new = TagView(
            name=tag.tag,
            score=tag.score,
            evidence=" ".join(tag.evidence.split()),
            before=before,
            after=after,
            section_label=tag.section_label,
            inserted=inserted_overlap(
                version.inserted or [], version.text, tag.evidence_start, tag.evidence_end
            ),
            sections=view.sections if view else 1,
            places=places[tag.tag],
        )
        best[tag.tag] = new
    return sorted(best.values(), key=lambda t: (t.group != "ALERT", -t.score, t.name))


def _version_order(v: BillVersion) -> tuple[int, int]:
    return (v.date.toordinal() if v.date else 0, v.id)


def load_snapshots(
    session: Session, bill_ids: set[int] | list[int], now: dt.datetime
) -> dict[int, BillSnapshot]:
    """Snapshots of the given bills: current tags and what changed, actions, hearings ahead."""
    ids = sorted(bill_ids)
    snaps: dict[int, BillSnapshot] = {}
    if not ids:
        return snaps
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Bill, Jurisdiction.code, Jurisdiction.name, LegislativeSession.identifier)
            .join(Jurisdiction, Bill.jurisdiction_id == Jurisdiction.id)
            .join(LegislativeSession, Bill.session_id == LegislativeSession.id)
            .where(Bill.id.in_(chunk))
        )
        for bill, code, name, session_id in rows:
            snaps[bill.id] = BillSnapshot(
                bill_id=bill.id,
                jurisdiction_id=bill.jurisdiction_id,
                state=code,
                state_name=name,
                session=session_id,
                identifier=bill.identifier,
                title=bill.title,
                status=bill.status,
                first_seen=aware(bill.first_seen),
                source_url=(bill.source_urls or [None])[0],
                haystack=" ".join([bill.title, *map(str, bill.subjects or [])]).lower(),
            )
    _attach_versions(session, snaps)
    _attach_actions(session, snaps)
    _attach_hearings(session, snaps, now)
    return snaps


def _attach_versions(session: Session, snaps: dict[int, BillSnapshot]) -> None:
    versions: dict[int, list[BillVersion]] = defaultdict(list)
    for chunk in _chunks(list(snaps)):
        for v in session.scalars(select(BillVersion).where(BillVersion.bill_id.in_(chunk))):
            if v.text.strip():
                versions[v.bill_id].append(v)
    all_ids = [v.id for vs in versions.values() for v in vs]
    tags = _version_tags(session, all_ids)
    classified: set[int] = set(tags)
    for chunk in _chunks(all_ids):
        classified |= set(
            session.scalars(
                select(VersionClassification.version_id).where(
                    VersionClassification.version_id.in_(chunk)
                )
            )
        )
    for bill_id, vs in versions.items():
        snap = snaps[bill_id]
        vs.sort(key=_version_order)
        newest = vs[-1]
        # Tags come from the newest classified version; a newer, unclassified one is still shown.
        done = [v for v in vs if v.id in classified]
        current = done[-1] if done else None
        snap.version_note, snap.version_date = newest.note, newest.date
        snap.version_url, snap.version_created_at = newest.url, aware(newest.created_at)
        snap.has_previous_version = len(vs) > 1
        snap.haystack += " " + newest.text.lower()
        if current is None:
            continue
        snap.tags = _tag_views(tags.get(current.id, []), current)
        created = [aware(t.created_at) for t in tags.get(current.id, [])]
        snap.tags_changed_at = max((c for c in created if c), default=None)
        if len(done) > 1:
            before = {t.tag for t in tags.get(done[-2].id, [])}
            snap.tags_added = sorted(snap.tag_names - before)
            snap.tags_removed = sorted(before - snap.tag_names)


def _attach_actions(session: Session, snaps: dict[int, BillSnapshot]) -> None:
    for chunk in _chunks(list(snaps)):
        for a in session.scalars(
            select(BillAction)
            .where(BillAction.bill_id.in_(chunk))
            .order_by(BillAction.bill_id, BillAction.date, BillAction.order, BillAction.id)
        ):
            snaps[a.bill_id].actions.append(
                ActionView(
                    key=a.action_key,
                    date=a.date,
                    description=a.description,
                    organization=a.organization,
                    classification=list(a.classification or []),
                    created_at=aware(a.created_at),
                )
            )


def _attach_hearings(session: Session, snaps: dict[int, BillSnapshot], now: dt.datetime) -> None:
    # Hearings of the past day still show, so a same-day digest keeps this morning's hearing.
    horizon = now - dt.timedelta(days=1)
    for chunk in _chunks(list(snaps)):
        rows = session.execute(
            select(EventAgendaItem.bill_id, Event)
            .join(Event, Event.id == EventAgendaItem.event_id)
            .where(EventAgendaItem.bill_id.in_(chunk), Event.start_time >= horizon)
            .order_by(Event.start_time)
        )
        seen: set[tuple[int, int]] = set()
        for bill_id, event in rows:
            if bill_id is None or (bill_id, event.id) in seen:
                continue
            seen.add((bill_id, event.id))
            snaps[bill_id].hearings.append(
                HearingView(
                    event_id=event.id,
                    name=event.name,
                    committee=event.committee,
                    committee_id=event.committee_id,
                    chamber=event.chamber,
                    start=aware(event.start_time),
                    location=event.location,
                    status=event.status,
                    url=(event.source_urls or [None])[0],
                    updated_at=aware(event.updated_at),
                    livestream_url=event.livestream_url,
                )
            )


def freshness(session: Session, states: set[str]) -> dict[str, dt.datetime | None]:
    """Per state, when its data was last refreshed: the newest bill sighting or crawl."""
    out: dict[str, dt.datetime | None] = {s: None for s in states}
    rows = session.execute(
        select(Jurisdiction.code, func.max(Bill.last_seen))
        .join(Bill, Bill.jurisdiction_id == Jurisdiction.id)
        .where(Jurisdiction.code.in_(sorted(states)))
        .group_by(Jurisdiction.code)
    )
    for code, seen in rows:
        out[code] = aware(seen)
    # The newest successful runs are enough: older ones cannot be any state's latest.
    recent = (
        select(CrawlRun)
        .where(CrawlRun.status == "ok", CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.finished_at.desc())
        .limit(500)
    )
    for run in session.scalars(recent):
        finished = aware(run.finished_at)
        for code in states if not run.states else set(run.states) & states:
            if out[code] is None or (finished and finished > out[code]):  # type: ignore[operator]
                out[code] = finished
    return out


# --- whom to contact ----------------------------------------------------------------------


def _contact(person: Person, role: str | None) -> Contact:
    offices = sorted(person.offices, key=lambda o: o.classification != "capitol")
    phone = next((o.voice for o in offices if o.voice), None)
    return Contact(
        name=person.name,
        role=role,
        party=person.party,
        chamber=person.chamber,
        district=person.district,
        phone=phone,
        email=person.email,
        person_id=person.id,
    )


def _committee_for(session: Session, bill: BillSnapshot, trigger: Trigger) -> Committee | None:
    if trigger.committee_id:
        return session.get(Committee, trigger.committee_id)
    if trigger.committee:
        found = session.scalar(
            select(Committee).where(
                Committee.jurisdiction_id == bill.jurisdiction_id,
                func.lower(Committee.name) == trigger.committee.lower(),
            )
        )
        if found:
            return found
    if trigger.kind not in ("committee-vote", "hearing"):
        return None
    # Action text often names the committee: "Reported - Substitute: Judiciary".
    query = select(Committee).where(Committee.jurisdiction_id == bill.jurisdiction_id)
    if trigger.chamber in ("upper", "lower"):
        query = query.where(Committee.chamber.in_([trigger.chamber, "legislature"]))
    said = trigger.description.lower()
    named = [c for c in session.scalars(query) if c.name.lower() in said]
    return max(named, key=lambda c: len(c.name)) if named else None


ROLE_ORDER = {"chair": 0, "co-chair": 1, "vice chair": 2, "vice-chair": 2, "ranking member": 3}


def contacts_for(
    session: Session, bill: BillSnapshot, trigger: Trigger
) -> tuple[list[Contact], str]:
    """Whom to call: the committee's members, else the chamber the bill faces next."""
    committee = _committee_for(session, bill, trigger)
    if committee is not None:
        members = sorted(
            committee.memberships, key=lambda m: (ROLE_ORDER.get(m.role.lower(), 9), m.name)
        )
        contacts = _dedupe(
            [
                _contact(m.person, m.role)
                if m.person
                else Contact(m.name, m.role, None, committee.chamber, None, None, None)
                for m in members
            ]
        )
        if contacts:
            return contacts, f"Members of the {committee.name} committee"
    chamber = trigger.chamber
    if trigger.kind == "passage" and chamber in ("upper", "lower"):
        chamber = "lower" if chamber == "upper" else "upper"  # it goes to the other chamber
    if trigger.kind == "governor":
        return [], f"The Governor of {bill.state_name}"
    query = select(Person).where(
        Person.jurisdiction_id == bill.jurisdiction_id, Person.active.is_(True)
    )
    if chamber in ("upper", "lower"):
        query = query.where(Person.chamber == chamber)
    people = list(session.scalars(query.order_by(Person.name)))
    target = CHAMBERS.get(chamber or "", "legislature")
    return _dedupe(
        [_contact(p, None) for p in people]
    ), f"Legislators of the {bill.state_name} {target}"


def _dedupe(contacts: list[Contact]) -> list[Contact]:
    """One entry per legislator: two sources can know the same person under two ids."""
    best: dict[tuple[str, str | None], Contact] = {}
    for c in contacts:
        key = (" ".join(c.name.lower().split()), c.district)
        kept = best.get(key)
        if kept is None or (bool(c.phone) + bool(c.email)) > (bool(kept.phone) + bool(kept.email)):
            best[key] = c
    return [c for c in contacts if best.get((" ".join(c.name.lower().split()), c.district)) is c]


# --- follows and saved searches -----------------------------------------------------------
#
# A workbench user's follows (a bill, a legislator's bills, a saved search) are subscriptions of
# the subscriber with the same email address: their bills come in that subscriber's digests and
# their ALERT bills in calls to action, whatever the states and tags of the subscriptions.


def _linked() -> Select[int, str, str]:
    """(subscriber id, kind, target) of every follow of an active user with an active address."""
    return (
        select(Subscriber.id, Follow.kind, Follow.target)
        .join(User, func.lower(User.email) == func.lower(Subscriber.email))
        .join(Follow, Follow.user_id == User.id)
        .where(User.active.is_(True), Subscriber.status == "active")
        .order_by(Subscriber.id, Follow.id)
    )


def follower_subscribers(session: Session, frequency: str) -> list[Subscriber]:
    """Linked subscribers who get their follows at this frequency without a subscription to it.

    Follows come with every digest a subscriber has; one with no daily or weekly subscription
    gets them in a daily digest. Calls to action for followed ALERT bills reach every linked
    subscriber, with an immediate subscription or not.
    """
    ids = set(session.scalars(select(_linked().subquery().c.id)))
    if not ids:
        return []
    query = (
        select(Subscriber)
        .where(Subscriber.id.in_(sorted(ids)))
        .options(selectinload(Subscriber.subscriptions))
        .order_by(Subscriber.id)
    )
    if frequency == "immediate":
        query = query.where(~Subscriber.subscriptions.any(Subscription.frequency == "immediate"))
    elif frequency == "daily":
        query = query.where(
            ~Subscriber.subscriptions.any(Subscription.frequency.in_(["daily", "weekly"]))
        )
    else:
        return []  # weekly subscribers are found by their subscription
    return list(session.scalars(query))


def followed_bill_ids(
    session: Session, subscriber_ids: list[int], among: set[int]
) -> dict[int, set[int]]:
    """Per subscriber, the bills `among` that their user follows, directly or through a search.

    A followed legislator brings the bills they sponsor; a saved search runs through the
    workbench's own search (billwatch.db.faceted), so it finds what its page shows.
    """
    out: dict[int, set[int]] = defaultdict(set)
    if not subscriber_ids or not among:
        return out
    rows: list[tuple[int, str, str]] = []
    for chunk in _chunks(sorted(set(subscriber_ids))):
        query = _linked().where(Subscriber.id.in_(chunk))
        rows += [(sub_id, kind, target) for sub_id, kind, target in session.execute(query)]
    searches: dict[str, set[int]] = {}
    sponsored: dict[int, set[int]] = {}
    for sub_id, kind, target in rows:
        if kind == "bill" and target.isdigit():
            if int(target) in among:
                out[sub_id].add(int(target))
        elif kind == "person" and target.isdigit():
            person = int(target)
            if person not in sponsored:
                sponsored[person] = set()
                for chunk in _chunks(sorted(among)):
                    sponsored[person] |= set(
                        session.scalars(
                            select(Sponsorship.bill_id).where(
                                Sponsorship.person_id == person, Sponsorship.bill_id.in_(chunk)
                            )
                        )
                    )
            out[sub_id] |= sponsored[person]
        elif kind == "search":
            if target not in searches:
                try:
                    f = faceted.saved_search_filters(target)
                except faceted.BadFilter as exc:
                    log.warning("saved search %r is not understood: %s", target[:200], exc)
                    f = None
                searches[target] = faceted.matching_ids(session, f, among) if f else set()
            out[sub_id] |= searches[target]
    return {sub_id: bills for sub_id, bills in out.items() if bills}
