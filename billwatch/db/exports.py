"""Which bills an export holds: by state, legislative activity, load time, tag, stance, hearing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, exists, or_, select, table
from sqlalchemy.orm import Session, selectinload

from billwatch.db.models import (
    Bill,
    BillVersion,
    Event,
    EventAgendaItem,
    Jurisdiction,
    Tag,
    VoteEvent,
)

overview = table("bill_overview", column("bill_id"), column("stance"))


@dataclass
class ExportFilter:
    """What to export; every field left empty means "any"."""

    state: str | None = None
    since: dt.date | None = None  # legislative activity: an action, vote or hearing on/after
    loaded_since: dt.date | None = None  # billwatch stored a change on/after
    tag: str | None = None
    stance: str | None = None
    has_hearing: bool = False


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def export_query(wanted: ExportFilter) -> Select[Any]:
    """The bills `wanted` names, in a stable order, with their parts loaded."""
    query = (
        select(Bill)
        .join(Jurisdiction, Bill.jurisdiction_id == Jurisdiction.id)
        .options(
            selectinload(Bill.versions),
            selectinload(Bill.actions),
            selectinload(Bill.sponsorships),
            selectinload(Bill.jurisdiction),
            selectinload(Bill.session),
        )
        .order_by(Bill.id)
    )
    hearing = exists().where(EventAgendaItem.bill_id == Bill.id)
    if wanted.state:
        query = query.where(Jurisdiction.code == wanted.state.upper())
    if wanted.since:
        heard = (
            exists()
            .where(EventAgendaItem.bill_id == Bill.id)
            .where(Event.id == EventAgendaItem.event_id, Event.start_time >= _start(wanted.since))
        )
        voted = exists().where(VoteEvent.bill_id == Bill.id, VoteEvent.start_date >= wanted.since)
        query = query.where(or_(Bill.last_action_date >= wanted.since, heard, voted))
    if wanted.loaded_since:
        query = query.where(Bill.updated_at >= _start(wanted.loaded_since))
    if wanted.tag:
        query = query.where(
            exists()
            .where(BillVersion.bill_id == Bill.id, Tag.version_id == BillVersion.id)
            .where(Tag.tag == wanted.tag)
            .where(or_(Tag.review_state.is_(None), Tag.review_state != "rejected"))
        )
    if wanted.stance:
        query = query.where(
            Bill.id.in_(select(overview.c.bill_id).where(overview.c.stance == wanted.stance))
        )
    if wanted.has_hearing:
        query = query.where(hearing)
    return query


def stances(session: Session, bill_ids: list[int]) -> dict[int, str | None]:
    """bill id -> stance of its latest version (newest classifier run)."""
    rows = session.execute(
        select(overview.c.bill_id, overview.c.stance).where(overview.c.bill_id.in_(bill_ids))
    ).all()
    return {int(bill_id): stance for bill_id, stance in rows}


def iter_export(session: Session, wanted: ExportFilter, batch: int = 200) -> Iterator[Bill]:
    """The bills to export, streamed in batches (memory stays flat on a large export)."""
    query = export_query(wanted)
    last_id = 0
    while True:
        page: list[Bill] = list(session.scalars(query.where(Bill.id > last_id).limit(batch)))
        if not page:
            return
        yield from page
        last_id = page[-1].id
        session.expunge_all()
