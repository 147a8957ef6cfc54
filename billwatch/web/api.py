"""The read API, /api/v1: Open States v3 field names where the concept is the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from billwatch.db import faceted as search
from billwatch.db import queries
from billwatch.db.models import (
    Bill,
    Committee,
    Event,
    Jurisdiction,
    Person,
    Sponsorship,
)
from billwatch.taxonomy import ALERT_TAGS, TAGS
from billwatch.web import billview
from billwatch.web.common import LoginRequired, user_of, web
from billwatch.web.openapi import schema
from billwatch.web.security import api_key_row

MAX_PER_PAGE = 100


def authorise(request: Request, session: Session) -> None:
    """An API key within its rate limit, or a signed-in user; else 401 or 429."""
    key = request.headers.get("x-api-key") or request.query_params.get("apikey", "")
    if key:
        row = api_key_row(session, key)
        if row is None:
            raise HTTPException(401, "unknown or revoked API key")
        wait = web(request).limiter.allow(("key", row.id), row.rate_per_minute)
        if wait:
            raise HTTPException(
                429, f"rate limit of {row.rate_per_minute} a minute", {"Retry-After": str(wait)}
            )
        return
    if user_of(request) is None:
        raise LoginRequired()


def encode_cursor(last_id: int) -> str:
    """The cursor after the row `last_id`: opaque to clients (only ever echoed back)."""
    return str(last_id)


def decode_cursor(cursor: str) -> int | None:
    """The id a cursor points after, or 400."""
    if not cursor:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 9:  # within an int4
        raise HTTPException(400, "bad cursor")
    return int(cursor)


def per_page(request: Request) -> int:
    """The page size asked for (1 to 100, default 20), or 400."""
    value = request.query_params.get("per_page", "20")
    if not value.isdigit() or not 1 <= int(value) <= MAX_PER_PAGE:
        raise HTTPException(400, f"per_page: 1 to {MAX_PER_PAGE}")
    return int(value)


def page_of(items: list[Any], size: int, ids: list[int]) -> dict[str, Any]:
    """Results and the cursor of the next page (None on the last)."""
    more = len(items) > size
    return {
        "results": items[:size],
        "pagination": {
            "per_page": size,
            "next_cursor": encode_cursor(ids[size - 1]) if more else None,
        },
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if isinstance(value, dt.datetime):
        return billview.aware(value).isoformat()
    return value.isoformat() if value else None


def _jurisdiction(j: Jurisdiction) -> dict[str, Any]:
    return {"id": j.ocd_id, "name": j.name, "classification": j.classification, "code": j.code}


def bill_id(bill_pk: int) -> str:
    """Our stable id of a bill (OCD bill ids are assigned by Open States, not by us)."""
    return f"billwatch-bill/{bill_pk}"


def bills(request: Request) -> Response:
    """GET /api/v1/bills: bills matching the search filters, newest first, by cursor."""
    size, after = per_page(request), decode_cursor(request.query_params.get("cursor", ""))
    try:
        f = search.Filters.from_params(request.query_params)
    except search.BadFilter as exc:
        raise HTTPException(400, str(exc)) from None
    with web(request).factory() as session:
        authorise(request, session)
        hits = search._text_hits(session, f.q, f.states) if f.q else None
        query = search._base(f, hits).order_by(search.OVERVIEW.c.bill_id.desc())
        if after is not None:
            query = query.where(search.OVERVIEW.c.bill_id < after)
        rows = search._rows(session.execute(query.limit(size + 1)), hits)
    base = str(request.base_url).rstrip("/")
    items = [
        {
            "id": bill_id(r.bill_id),
            "identifier": r.identifier,
            "title": r.title,
            "session": r.session,
            "jurisdiction": {"code": r.jurisdiction},
            "status": r.status,
            "stage": r.stage,
            "stance": r.stance,
            "tags": r.tags,
            "latest_action_date": _iso(r.last_action_date),
            "openstates_url": None,
            "url": f"{base}/api/v1/bills/{r.bill_id}",
        }
        for r in rows
    ]
    return JSONResponse(page_of(items, size, [r.bill_id for r in rows]))


def bill_detail(request: Request) -> Response:
    """GET /api/v1/bills/{id}: a bill with versions, actions, sponsors, events, tags, evidence."""
    with web(request).factory() as session:
        authorise(request, session)
        bill = session.scalar(
            select(Bill)
            .where(Bill.id == request.path_params["bill_id"])
            .options(
                selectinload(Bill.versions),
                selectinload(Bill.actions),
                selectinload(Bill.sponsorships).selectinload(Sponsorship.person),
                selectinload(Bill.jurisdiction),
                selectinload(Bill.session),
            )
        )
        if bill is None:
            raise HTTPException(404, "no such bill")
        tags = queries.current_tags(session, [v.id for v in bill.versions])
        events = queries.bill_events(session, bill.id)
        body = {
            "id": bill_id(bill.id),
            "identifier": bill.identifier,
            "title": bill.title,
            "session": bill.session.identifier,
            "jurisdiction": _jurisdiction(bill.jurisdiction),
            "classification": bill.classification,
            "subject": bill.subjects,
            "status": bill.status,
            "stage": bill.stage,
            "stance": billview.stance(session, bill),
            "latest_action_date": _iso(bill.last_action_date),
            "first_seen_at": _iso(bill.first_seen),
            "updated_at": _iso(bill.updated_at),
            "sources": [{"url": u, "note": ""} for u in bill.source_urls or []],
            "versions": [
                {
                    "id": v.id,
                    "note": v.note,
                    "date": _iso(v.date),
                    "links": [{"url": v.url, "media_type": v.media_type}] if v.url else [],
                    "content_hash": v.content_hash,
                    "inserted": v.inserted,
                    "struck": v.struck,
                }
                for v in bill.versions
            ],
            "actions": [
                {
                    "description": a.description,
                    "date": _iso(a.date),
                    "classification": a.classification,
                    "organization": {"name": a.organization},
                    "order": a.order,
                }
                for a in bill.actions
            ],
            "sponsorships": [
                {
                    "name": s.name,
                    "classification": s.classification,
                    "primary": s.classification == "primary",
                    "entity_type": s.entity_type,
                    "person": {
                        "id": s.person.source_key if s.person else s.person_ref,
                        "name": s.person.name if s.person else s.name,
                        "url": f"/api/v1/people/{s.person_id}" if s.person_id else None,
                    }
                    if s.person_id or s.person_ref
                    else None,
                }
                for s in bill.sponsorships
            ],
            "related_events": [_event(e) for e in events],
            "tags": [
                {
                    "tag": t.tag,
                    "group": "ALERT" if t.tag in ALERT_TAGS else "TRACK",
                    "score": round(t.score, 4),
                    "version_id": vid,
                    "section": t.section_label,
                    "evidence": {
                        "text": t.evidence,
                        "start": t.evidence_start,
                        "end": t.evidence_end,
                    },
                    "classifier_version": t.classifier_version,
                    "review_state": t.review_state,
                }
                for vid, found in tags.items()
                for t in found
            ],
        }
    return JSONResponse(body)


def _event(e: Event) -> dict[str, Any]:
    return {
        "id": f"billwatch-event/{e.id}",
        "name": e.name,
        "start_date": _iso(e.start_time),
        "location": {"name": e.location},
        "status": e.status,
        "classification": "committee-meeting",
        "committee": e.committee,
        "sources": [{"url": u, "note": ""} for u in e.source_urls or []],
    }


def _jurisdiction_filter(request: Request) -> str | None:
    value = request.query_params.get("jurisdiction", "").upper()
    if value and (len(value) != 2 or not value.isalpha()):
        raise HTTPException(400, "jurisdiction: two letters, e.g. CA")
    return value or None


def people(request: Request) -> Response:
    """GET /api/v1/people: legislators, by jurisdiction and name, by cursor."""
    size, after = per_page(request), decode_cursor(request.query_params.get("cursor", ""))
    code = _jurisdiction_filter(request)
    name = request.query_params.get("name", "")[:200]
    with web(request).factory() as session:
        authorise(request, session)
        query = (
            select(Person)
            .options(selectinload(Person.offices), selectinload(Person.jurisdiction))
            .order_by(Person.id)
            .limit(size + 1)
        )
        if after is not None:
            query = query.where(Person.id > after)
        if code:
            query = query.join(Jurisdiction).where(Jurisdiction.code == code)
        if name:
            query = query.where(Person.name.ilike(f"%{_like(name)}%", escape="\\"))
        found = list(session.scalars(query))
        items = [_person(p) for p in found]
    return JSONResponse(page_of(items, size, [p.id for p in found]))


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _person(p: Person) -> dict[str, Any]:
    return {
        "id": p.source_key,
        "name": p.name,
        "party": p.party,
        "current_role": {"org_classification": p.chamber, "district": p.district}
        if p.active
        else None,
        "jurisdiction": {"code": p.jurisdiction.code, "id": p.jurisdiction.ocd_id},
        "email": p.email,
        "image": p.image,
        "offices": [
            {
                "classification": o.classification,
                "name": o.name,
                "address": o.address,
                "voice": o.voice,
                "fax": o.fax,
            }
            for o in p.offices
        ],
    }


def person_detail(request: Request) -> Response:
    """GET /api/v1/people/{id}: one legislator."""
    with web(request).factory() as session:
        authorise(request, session)
        person = session.get(Person, request.path_params["person_id"])
        if person is None:
            raise HTTPException(404, "no such person")
        return JSONResponse(_person(person))


def committees(request: Request) -> Response:
    """GET /api/v1/committees: committees with their members, by cursor."""
    size, after = per_page(request), decode_cursor(request.query_params.get("cursor", ""))
    code = _jurisdiction_filter(request)
    with web(request).factory() as session:
        authorise(request, session)
        query = (
            select(Committee)
            .options(selectinload(Committee.memberships), selectinload(Committee.jurisdiction))
            .order_by(Committee.id)
            .limit(size + 1)
        )
        if after is not None:
            query = query.where(Committee.id > after)
        if code:
            query = query.join(Jurisdiction).where(Jurisdiction.code == code)
        found = list(session.scalars(query))
        items = [
            {
                "id": f"billwatch-committee/{c.id}",
                "name": c.name,
                "classification": "committee",
                "parent": {"classification": c.chamber},
                "jurisdiction": {"code": c.jurisdiction.code},
                "memberships": [
                    {"person_name": m.name, "role": m.role, "person": {"id": m.person_ref}}
                    for m in c.memberships
                ],
            }
            for c in found
        ]
    return JSONResponse(page_of(items, size, [c.id for c in found]))


def events(request: Request) -> Response:
    """GET /api/v1/events: hearings starting after `after` (default now), by cursor."""
    size, after_id = per_page(request), decode_cursor(request.query_params.get("cursor", ""))
    code = _jurisdiction_filter(request)
    start = request.query_params.get("after", "")
    try:
        since = dt.datetime.fromisoformat(start) if start else None
    except ValueError:
        raise HTTPException(400, "after: a date or time like 2026-12-01") from None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    with web(request).factory() as session:
        authorise(request, session)
        query = (
            select(Event)
            .options(selectinload(Event.agenda), selectinload(Event.jurisdiction))
            .order_by(Event.id)
            .limit(size + 1)
        )
        if after_id is not None:
            query = query.where(Event.id > after_id)
        if since is not None:
            query = query.where(Event.start_time >= since)
        if code:
            query = query.join(Jurisdiction).where(Jurisdiction.code == code)
        found = list(session.scalars(query))
        items = [
            {
                **_event(e),
                "jurisdiction": {"code": e.jurisdiction.code},
                "agenda": [
                    {
                        "description": a.description,
                        "order": a.order,
                        "related_entities": [
                            {
                                "entity_type": "bill",
                                "name": a.bill_identifier,
                                "bill_id": bill_id(a.bill_id) if a.bill_id else None,
                            }
                        ],
                    }
                    for a in e.agenda
                ],
            }
            for e in found
        ]
    return JSONResponse(page_of(items, size, [e.id for e in found]))


def tags(request: Request) -> Response:
    """GET /api/v1/tags: tags with evidence (the tag_evidence view), rejected ones left out."""
    size, after = per_page(request), decode_cursor(request.query_params.get("cursor", ""))
    wanted = request.query_params.get("tag", "")
    if wanted and wanted not in TAGS:
        raise HTTPException(400, "tag: a taxonomy tag name")
    code = _jurisdiction_filter(request)
    from sqlalchemy import Float, Integer, String, column, table

    view = table(
        "tag_evidence",
        *(column(n, Integer) for n in ("tag_id", "evidence_start", "evidence_end", "bill_id")),
        column("score", Float),
        *(
            column(n, String)
            for n in (
                "tag",
                "tag_group",
                "evidence",
                "section_label",
                "classifier_version",
                "review_state",
                "jurisdiction",
                "session",
                "identifier",
            )
        ),
    )
    c = view.c
    query = select(view).order_by(c.tag_id).limit(size + 1)
    query = query.where((c.review_state.is_(None)) | (c.review_state != "rejected"))
    if after is not None:
        query = query.where(c.tag_id > after)
    if wanted:
        query = query.where(c.tag == wanted)
    if code:
        query = query.where(c.jurisdiction == code)
    with web(request).factory() as session:
        authorise(request, session)
        found = list(session.execute(query))
    items = [
        {
            "id": r.tag_id,
            "tag": r.tag,
            "group": r.tag_group,
            "score": round(r.score, 4),
            "evidence": {"text": r.evidence, "start": r.evidence_start, "end": r.evidence_end},
            "section": r.section_label,
            "classifier_version": r.classifier_version,
            "review_state": r.review_state,
            "bill": {
                "id": bill_id(r.bill_id),
                "jurisdiction": r.jurisdiction,
                "session": r.session,
                "identifier": r.identifier,
            },
        }
        for r in found
    ]
    return JSONResponse(page_of(items, size, [r.tag_id for r in found]))


def openapi(request: Request) -> Response:
    """GET /api/v1/openapi.json: the schema of this API (no key needed)."""
    return JSONResponse(schema(str(request.base_url).rstrip("/")))


routes = [
    Route("/openapi.json", openapi),
    Route("/bills", bills),
    Route("/bills/{bill_id:int}", bill_detail),
    Route("/people", people),
    Route("/people/{person_id:int}", person_detail),
    Route("/committees", committees),
    Route("/events", events),
    Route("/tags", tags),
]
