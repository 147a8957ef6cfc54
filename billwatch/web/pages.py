"""The reading pages: search with facets and export, bill, legislator, hearings and their feed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billwatch.db import faceted as search
from billwatch.db import queries
from billwatch.db.models import (
    Bill,
    BillVersion,
    Committee,
    Event,
    EventAgendaItem,
    Follow,
    Jurisdiction,
    Membership,
    Person,
    Sponsorship,
    utcnow,
)
from billwatch.web import billview
from billwatch.web.common import render, require, user_of, web
from billwatch.web.ical import CalendarEvent, calendar
from billwatch.web.security import api_key_row

EXPORT_FIELDS = (
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "status",
    "stage",
    "stance",
    "tags",
    "last_action_date",
    "url",
)


def filters_of(request: Request) -> search.Filters:
    """The search filters of the URL, or 400 saying which parameter is wrong."""
    try:
        return search.Filters.from_params(request.query_params)
    except search.BadFilter as exc:
        raise HTTPException(400, str(exc)) from None


def search_page(request: Request) -> Response:
    """GET /search: results, facets with counts, pagination, export links."""
    require(request, "viewer")
    f = filters_of(request)
    with web(request).factory() as session:
        result = search.run(session, f)
    return render(request, "search.html", {"result": result, "f": f})


def search_export(request: Request) -> Response:
    """GET /search.csv and /search.json: the whole result set (up to 10,000 bills)."""
    require(request, "viewer")
    f = filters_of(request)
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "json"):
        raise HTTPException(404, "export as .csv or .json")
    with web(request).factory() as session:
        rows = search.export(session, f)
    base = str(request.base_url).rstrip("/")
    records: list[dict[str, Any]] = [
        {
            "jurisdiction": r.jurisdiction,
            "session": r.session,
            "identifier": r.identifier,
            "title": r.title,
            "status": r.status,
            "stage": r.stage,
            "stance": r.stance,
            "tags": r.tags,
            "last_action_date": r.last_action_date.isoformat() if r.last_action_date else None,
            "url": f"{base}/bills/{r.bill_id}",
        }
        for r in rows
    ]
    headers = {"Content-Disposition": f'attachment; filename="billwatch-search.{fmt}"'}
    if fmt == "json":
        body = json.dumps({"query": f.params(page=1), "results": records}, ensure_ascii=False)
        return Response(body, media_type="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for rec in records:
        rec["tags"] = ";".join(rec["tags"])
        # A cell starting with = + - @ runs as a formula in spreadsheets: quote it as text.
        writer.writerow({k: _cell(v) for k, v in rec.items()})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def load_bill(session: Session, bill_id: int) -> Bill:
    """A bill with its parts, or 404."""
    bill = session.scalar(
        select(Bill)
        .where(Bill.id == bill_id)
        .options(
            selectinload(Bill.versions),
            selectinload(Bill.actions),
            selectinload(Bill.sponsorships),
            selectinload(Bill.jurisdiction),
            selectinload(Bill.session),
        )
    )
    if bill is None:
        raise HTTPException(404, "no such bill")
    return bill


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 10:
        raise HTTPException(400, f"{name}: a version number")
    return int(value)


def bill_page(request: Request) -> Response:
    """GET /bills/{id}: header, timeline, sponsors, tags, a version with marks, or a diff."""
    user = require(request, "viewer")
    with web(request).factory() as session:
        bill = load_bill(session, request.path_params["bill_id"])
        zone = billview.state_zone(bill.jurisdiction.code)
        events = queries.bill_events(session, bill.id)
        tags = billview.bill_tags(session, bill)
        versions = sorted(bill.versions, key=lambda v: (v.date or dt.date.min, v.id))
        by_id = {v.id: v for v in versions}
        shown = by_id.get(_int_param(request, "version") or -1) or (
            versions[-1] if versions else None
        )
        old, new = _int_param(request, "from"), _int_param(request, "to")
        diff = None
        if old is not None and new is not None:
            if old not in by_id or new not in by_id:
                raise HTTPException(400, "from and to must be versions of this bill")
            diff = billview.diff_segments(by_id[old], by_id[new])
        following = (
            session.scalar(
                select(Follow.id).where(
                    Follow.user_id == user.id, Follow.kind == "bill", Follow.target == str(bill.id)
                )
            )
            is not None
        )
        context = {
            "bill": bill,
            "stance": billview.stance(session, bill),
            "zone": zone,
            "timeline": billview.timeline(bill, events, zone),
            "versions": versions,
            "shown": shown,
            "shown_tags": tags.get(shown.id, []) if shown else [],
            "segments": billview.version_segments(shown, tags.get(shown.id, [])) if shown else [],
            "diff": diff,
            "diff_from": by_id.get(old or -1),
            "diff_to": by_id.get(new or -1),
            "all_tags": [t for v in versions for t in tags.get(v.id, [])],
            "following": following,
        }
        return render(request, "bill.html", context)


def person_page(request: Request) -> Response:
    """GET /people/{id}: contacts, committees, sponsored bills by stance."""
    require(request, "viewer")
    with web(request).factory() as session:
        person = session.scalar(
            select(Person)
            .where(Person.id == request.path_params["person_id"])
            .options(selectinload(Person.offices), selectinload(Person.jurisdiction))
        )
        if person is None:
            raise HTTPException(404, "no such legislator")
        committees = list(
            session.execute(
                select(Membership.role, Membership.committee_id)
                .where(Membership.person_id == person.id)
                .order_by(Membership.committee_id)
            )
        )
        names = {
            c.id: c
            for c in session.scalars(
                select(Committee).where(Committee.id.in_([c[1] for c in committees]))
            )
        }
        rows = session.execute(
            select(search.OVERVIEW, Sponsorship.classification)
            .join(Sponsorship, Sponsorship.bill_id == search.OVERVIEW.c.bill_id)
            .where(Sponsorship.person_id == person.id)
            .order_by(search.OVERVIEW.c.last_action_date.desc().nulls_last())
            .limit(500)
        ).all()
        by_stance: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_stance[row.stance or "not classified"].append(row)
        order = ["ALERT", "mixed", "TRACK", "none", "not classified"]
        context = {
            "person": person,
            "committees": [(names[cid], role) for role, cid in committees if cid in names],
            "by_stance": [(s, by_stance[s]) for s in order if by_stance.get(s)],
        }
        return render(request, "person.html", context)


def upcoming_hearings(
    session: Session, states: list[str], now: dt.datetime | None = None
) -> list[tuple[Event, list[tuple[int, str, str | None]]]]:
    """Upcoming hearings with ALERT or TRACK bills on the agenda: (event, [(bill, id, stance)])."""
    ov = search.OVERVIEW.c
    query = (
        select(Event, ov.bill_id, ov.identifier, ov.stance)
        .join(EventAgendaItem, EventAgendaItem.event_id == Event.id)
        .join(search.OVERVIEW, ov.bill_id == EventAgendaItem.bill_id)
        .join(Jurisdiction, Jurisdiction.id == Event.jurisdiction_id)
        .where(Event.start_time >= (now or utcnow()), ov.stance.in_(["ALERT", "TRACK", "mixed"]))
        .order_by(Event.start_time, Event.id, ov.identifier)
        .limit(2000)
    )
    if states:
        query = query.where(Jurisdiction.code.in_(states))
    grouped: dict[int, tuple[Event, list[tuple[int, str, str | None]]]] = {}
    for event, bill_id, identifier, stance in session.execute(query):
        grouped.setdefault(event.id, (event, []))[1].append((bill_id, identifier, stance))
    return list(grouped.values())


def _states(request: Request) -> list[str]:
    states = sorted({s.upper() for s in request.query_params.getlist("state") if s})
    if any(len(s) != 2 or not s.isalpha() for s in states):
        raise HTTPException(400, "state: two letters, e.g. CA")
    return states


def hearings_page(request: Request) -> Response:
    """GET /hearings: upcoming hearings of ALERT and TRACK bills by state, in local time."""
    require(request, "viewer")
    states = _states(request)
    with web(request).factory() as session:
        hearings = upcoming_hearings(session, states)
        by_state: dict[str, list[Any]] = defaultdict(list)
        for event, bills in hearings:
            code = event.jurisdiction.code
            zone = billview.state_zone(code)
            by_state[code].append((event, billview.local_time(event.start_time, zone), bills))
        return render(
            request, "hearings.html", {"by_state": sorted(by_state.items()), "states": states}
        )


def hearings_feed(request: Request) -> Response:
    """GET /hearings.ics: the same hearings as iCalendar (signed in, or ?apikey=)."""
    if user_of(request) is None:
        with web(request).factory() as session:
            if api_key_row(session, request.query_params.get("apikey", "")) is None:
                raise HTTPException(401, "sign in, or add ?apikey=YOUR_KEY to the feed URL")
    states = _states(request)
    base = str(request.base_url).rstrip("/")
    with web(request).factory() as session:
        events = [
            CalendarEvent(
                uid=f"event-{event.id}@billwatch",
                start=event.start_time,
                summary=f"{event.jurisdiction.code}: {event.name}",
                location=event.location or "",
                description="\n".join(f"{ident} ({stance})" for _, ident, stance in bills),
                url=f"{base}/bills/{bills[0][0]}",
                updated=event.updated_at,
            )
            for event, bills in upcoming_hearings(session, states)
        ]
    return Response(calendar(events), media_type="text/calendar; charset=utf-8")


def version_text(request: Request) -> Response:
    """GET /versions/{id}.txt: a version's whole text (the page shows at most 400,000 chars)."""
    require(request, "viewer")
    with web(request).factory() as session:
        version = session.get(BillVersion, request.path_params["version_id"])
        if version is None:
            raise HTTPException(404, "no such version")
        return Response(version.text, media_type="text/plain; charset=utf-8")


routes = [
    Route("/search", search_page),
    Route("/search.{fmt:str}", search_export),
    Route("/bills/{bill_id:int}", bill_page),
    Route("/versions/{version_id:int}.txt", version_text),
    Route("/people/{person_id:int}", person_page),
    Route("/hearings", hearings_page),
    Route("/hearings.ics", hearings_feed),
]
