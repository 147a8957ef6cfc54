"""Faceted bill search over what the `bill_overview` view shows: URL filters, facets with counts.

Shared by the workbench (its search page, API and exports) and by digests and alerts, which run
saved searches through it, so a saved search finds exactly what the search page shows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from billwatch.db import queries, search_syntax
from billwatch.db.models import (
    Bill,
    BillSummary,
    BillTagSummary,
    Event,
    EventAgendaItem,
    Jurisdiction,
    LegislativeSession,
    Sponsorship,
    utcnow,
)
from billwatch.taxonomy import TAGS

# The columns of the `bill_overview` view that search needs, from the same tables, without the
# view's join to the latest version's row (a wide row per bill that no facet reads).
OVERVIEW = (
    select(
        Bill.id.label("bill_id"),
        Jurisdiction.code.label("jurisdiction"),
        LegislativeSession.identifier.label("session"),
        Bill.identifier,
        Bill.title,
        Bill.status,
        Bill.stage,
        BillSummary.stance,
        BillSummary.tags,
        Bill.last_action_date,
    )
    .join(Jurisdiction, Jurisdiction.id == Bill.jurisdiction_id)
    .join(LegislativeSession, LegislativeSession.id == Bill.session_id)
    .outerjoin(BillSummary, BillSummary.bill_id == Bill.id)
    .subquery("bill_overview")
)
# The same filter columns from bill_summary (one row per bill, kept by triggers) without the
# bills rows: what facet counts read.
FACETS = (
    select(
        BillSummary.bill_id,
        Jurisdiction.code.label("jurisdiction"),
        LegislativeSession.identifier.label("session"),
        BillSummary.stage,
        BillSummary.stance,
        BillSummary.tags,
        BillSummary.last_action_date,
    )
    .join(Jurisdiction, Jurisdiction.id == BillSummary.jurisdiction_id)
    .join(LegislativeSession, LegislativeSession.id == BillSummary.session_id)
    .subquery("bill_facets")
)
# One row per bill and current tag, kept with `bill_overview` by triggers (migration 0011).
TAGGED = BillTagSummary.__table__
STANCES = ("ALERT", "TRACK", "mixed", "none")
SORTS = ("relevance", "recent", "identifier")
MAX_PER_PAGE = 100
MAX_TEXT_HITS = 1000  # a full-text query considers this many best matches
MAX_EXPORT = 10_000
MAX_VALUE = 200  # any single filter value longer than this is a bad request


class BadFilter(ValueError):
    """A search parameter that cannot be understood."""


@dataclass(frozen=True)
class Filters:
    """A search as it appears in the URL."""

    q: str = ""
    states: tuple[str, ...] = ()
    session: str = ""
    tags: tuple[str, ...] = ()
    stance: str = ""
    stage: str = ""
    sponsor: str = ""
    committee: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    hearing: bool = False
    sort: str = "recent"
    page: int = 1
    per_page: int = 25

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        """Filters from query parameters (a Starlette QueryParams or a dict of lists)."""

        def many(name: str) -> list[str]:
            values = params.getlist(name) if hasattr(params, "getlist") else params.get(name, [])
            out = [v.strip() for v in (values or []) if v and v.strip()]
            if any(len(v) > MAX_VALUE for v in out) or len(out) > 60:
                raise BadFilter(f"{name}: too long")
            return out

        def one(name: str) -> str:
            found = many(name)
            return found[-1] if found else ""

        states = tuple(sorted({s.upper() for s in many("state")}))
        if any(len(s) != 2 or not s.isalpha() for s in states):
            raise BadFilter("state: two letters, e.g. CA")
        tags = tuple(sorted(set(many("tag"))))
        unknown = [t for t in tags if t not in TAGS]
        if unknown:
            raise BadFilter(f"tag: unknown {', '.join(unknown)}")
        stance = one("stance")
        if stance and stance not in STANCES:
            raise BadFilter(f"stance: one of {', '.join(STANCES)}")
        q = one("q")
        if q:
            try:
                search_syntax.parse(q)  # what the search will parse: refused here, as a 400
            except search_syntax.QuerySyntaxError as exc:
                raise BadFilter(f"q: {exc}") from None
        sort = one("sort") or ("relevance" if q else "recent")
        if sort not in SORTS:
            raise BadFilter(f"sort: one of {', '.join(SORTS)}")
        return cls(
            q=q,
            states=states,
            session=one("session"),
            tags=tags,
            stance=stance,
            stage=one("stage"),
            sponsor=one("sponsor"),
            committee=one("committee"),
            since=_date(one("since"), "since"),
            until=_date(one("until"), "until"),
            hearing=one("hearing") in ("1", "true", "yes"),
            sort=sort,
            page=_int(one("page"), "page", 1, 10_000, 1),
            per_page=_int(one("per_page"), "per_page", 1, MAX_PER_PAGE, 25),
        )

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query parameters of this search (with changes), for links that keep it."""
        f = replace(self, **changes)
        out: list[tuple[str, str]] = []
        if f.q:
            out.append(("q", f.q))
        out += [("state", s) for s in f.states] + [("tag", t) for t in f.tags]
        for name in ("session", "stance", "stage", "sponsor", "committee"):
            if getattr(f, name):
                out.append((name, getattr(f, name)))
        if f.since:
            out.append(("since", f.since.isoformat()))
        if f.until:
            out.append(("until", f.until.isoformat()))
        if f.hearing:
            out.append(("hearing", "1"))
        if f.sort != ("relevance" if f.q else "recent"):
            out.append(("sort", f.sort))
        if f.page != 1:
            out.append(("page", str(f.page)))
        if f.per_page != 25:
            out.append(("per_page", str(f.per_page)))
        return out

    def url(self, path: str = "/search", **changes: Any) -> str:
        """A shareable URL of this search."""
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path

    def toggle(self, name: str, value: str) -> str:
        """The URL with one value of a multi-valued facet switched on or off, back to page 1."""
        current: tuple[str, ...] = getattr(self, name)
        new = tuple(v for v in current if v != value) if value in current else (*current, value)
        return self.url("/search", **{name: tuple(sorted(new)), "page": 1})

    def set(self, name: str, value: Any) -> str:
        """The URL with one single-valued facet set (or cleared when it is set already)."""
        return self.url(
            "/search", **{name: "" if getattr(self, name) == value else value, "page": 1}
        )


@dataclass
class Row:
    """One bill in the results."""

    bill_id: int
    jurisdiction: str
    session: str
    identifier: str
    title: str
    status: str | None
    stage: str | None
    stance: str | None
    tags: list[str]
    last_action_date: dt.date | None
    score: float | None = None
    snippet: str = ""


@dataclass
class Result:
    """A page of results, the total, and the facets with counts."""

    filters: Filters
    rows: list[Row]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """The number of pages."""
        return max(1, -(-self.total // self.filters.per_page))


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name}: a date like 2026-01-31") from None


def _int(value: str, name: str, low: int, high: int, default: int) -> int:
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadFilter(f"{name}: a whole number from {low} to {high}")
    return int(value)


def _conditions(
    f: Filters, hits: dict[int, tuple[float, str]] | None, skip: str = "", src: Any = OVERVIEW
) -> list[ColumnElement[bool]]:
    """WHERE conditions of the filters, leaving out the facet `skip` (its counts ignore itself)."""
    c = src.c
    out: list[ColumnElement[bool]] = []
    if hits is not None:
        out.append(c.bill_id.in_(list(hits)))
    if f.states and skip != "state":
        out.append(c.jurisdiction.in_(f.states))
    if f.session and skip != "session":
        out.append(c.session == f.session)
    if skip != "tag":
        # bill_tag_summary holds the same tags as `bill_overview.tags`, one row each, indexed.
        out += [c.bill_id.in_(select(TAGGED.c.bill_id).where(TAGGED.c.tag == t)) for t in f.tags]
    if f.stance and skip != "stance":
        out.append(c.stance == f.stance)
    if f.stage and skip != "stage":
        out.append(c.stage == f.stage)
    if f.since:
        out.append(c.last_action_date >= f.since)
    if f.until:
        out.append(c.last_action_date <= f.until)
    if f.sponsor and skip != "sponsor":
        out.append(exists().where(Sponsorship.bill_id == c.bill_id, Sponsorship.name == f.sponsor))
    if f.committee and skip != "committee":
        out.append(_on_agenda(c.bill_id, Event.committee == f.committee))
    if f.hearing and skip != "hearing":
        out.append(_on_agenda(c.bill_id, Event.start_time >= utcnow()))
    return out


def _on_agenda(bill_id: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return (
        exists()
        .where(EventAgendaItem.bill_id == bill_id, EventAgendaItem.event_id == Event.id)
        .where(condition)
    )


def _base(
    f: Filters, hits: dict[int, tuple[float, str]] | None, skip: str = "", src: Any = OVERVIEW
) -> Select[Any]:
    return select(src).where(*_conditions(f, hits, skip, src))


def _text_hits(session: Session, q: str, states: tuple[str, ...]) -> dict[int, tuple[float, str]]:
    state = states[0] if len(states) == 1 else None
    return {
        h.bill_id: (h.score, h.snippet)
        for h in queries.search(session, q, state=state, limit=MAX_TEXT_HITS)
    }


def _rows(records: Any, hits: dict[int, tuple[float, str]] | None) -> list[Row]:
    out = []
    for r in records:
        score, snippet = (hits or {}).get(r.bill_id, (None, ""))
        out.append(
            Row(
                bill_id=r.bill_id,
                jurisdiction=r.jurisdiction,
                session=r.session,
                identifier=r.identifier,
                title=r.title or "",
                status=r.status,
                stage=r.stage,
                stance=r.stance,
                tags=sorted(t for t in (r.tags or "").split(",") if t),
                last_action_date=r.last_action_date,
                score=score,
                snippet=snippet,
            )
        )
    return out


def _ordered(query: Select[Any], f: Filters) -> Select[Any]:
    c = OVERVIEW.c
    if f.sort == "identifier":
        return query.order_by(c.jurisdiction, c.session.desc(), c.identifier, c.bill_id)
    return query.order_by(c.last_action_date.desc().nulls_last(), c.bill_id.desc())


def run(session: Session, f: Filters, *, facets: bool = True) -> Result:
    """One page of bills matching the filters, with facet counts."""
    hits = _text_hits(session, f.q, f.states) if f.q else None
    base = _base(f, hits)
    counted: dict[str, list[tuple[str, int]]] = {}
    total = _column_facets(session, f, hits, counted) if facets else None
    if total is None:
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    offset = (f.page - 1) * f.per_page
    if hits is not None and f.sort == "relevance":
        # At most MAX_TEXT_HITS candidates: ranked here, by the search's own score.
        everything = _rows(session.execute(base), hits)
        everything.sort(key=lambda r: (-(r.score or 0), r.bill_id))
        rows = everything[offset : offset + f.per_page]
    else:
        rows = _rows(session.execute(_ordered(base, f).offset(offset).limit(f.per_page)), hits)
    result = Result(filters=f, rows=rows, total=total)
    if facets:
        result.facets = {name: counted[name] for name in COLUMN_FACETS}
        result.facets.update(_facets(session, f, hits))
    return result


def export(session: Session, f: Filters) -> list[Row]:
    """Every matching bill (up to MAX_EXPORT), in the page order, for CSV and JSON export."""
    hits = _text_hits(session, f.q, f.states) if f.q else None
    base = _base(f, hits)
    if hits is not None and f.sort == "relevance":
        rows = _rows(session.execute(base), hits)
        rows.sort(key=lambda r: (-(r.score or 0), r.bill_id))
        return rows[:MAX_EXPORT]
    return _rows(session.execute(_ordered(base, f).limit(MAX_EXPORT)), hits)


def saved_search_filters(url: str) -> Filters:
    """The filters of a saved search URL ("/search?state=CA&tag=..."); page and sort dropped.

    Raises BadFilter when the URL is not a search or its parameters are not understood.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/search"):
        raise BadFilter("a saved search is a /search URL")
    params = parse_qs(parts.query, keep_blank_values=False)
    f = Filters.from_params(params)
    return replace(f, page=1, per_page=MAX_PER_PAGE, sort="recent")


def matching_ids(session: Session, f: Filters, among: set[int] | None = None) -> set[int]:
    """Every bill the search finds (the whole result set, not one page), optionally only `among`.

    The same conditions as `run` and `export`, so a saved search finds what its page shows.
    """
    hits = _text_hits(session, f.q, f.states) if f.q else None
    query = select(OVERVIEW.c.bill_id).where(*_conditions(f, hits))
    if among is None:
        return set(session.scalars(query))
    found: set[int] = set()
    ids = sorted(among)
    for i in range(0, len(ids), 500):
        found |= set(session.scalars(query.where(OVERVIEW.c.bill_id.in_(ids[i : i + 500]))))
    return found


COLUMN_FACETS = {
    "state": "jurisdiction",
    "session": "session",
    "stance": "stance",
    "stage": "stage",
}


def _top(counts: Counter[Any], limit: int = 60) -> list[tuple[str, int]]:
    """Values with counts, most first then by value, NULL left out."""
    found = sorted(((str(v), n) for v, n in counts.items() if v is not None and n))
    return sorted(found, key=lambda kv: -kv[1])[:limit]


def _column_facets(
    session: Session,
    f: Filters,
    hits: dict[int, tuple[float, str]] | None,
    out: dict[str, list[tuple[str, int]]],
) -> int | None:
    """Fill the state, session, stance and stage facets; returns the total when it was counted.

    A facet whose own filter is not set counts over exactly the bills of the page, so those share
    one GROUP BY over the page's bills (which also gives the total); a facet whose filter is set
    drops it, and counts in its own query.
    """
    c = FACETS.c
    shared = [
        name for name in COLUMN_FACETS if not getattr(f, "states" if name == "state" else name)
    ]
    total = None
    if shared:
        cols = [c[COLUMN_FACETS[name]] for name in shared]
        grouped = list(
            session.execute(
                select(*cols, func.count()).where(*_conditions(f, hits, src=FACETS)).group_by(*cols)
            )
        )
        total = sum(row[-1] for row in grouped)
        for i, name in enumerate(shared):
            counts: Counter[Any] = Counter()
            for row in grouped:
                counts[row[i]] += row[-1]
            out[name] = _top(counts)
    for name, col_name in COLUMN_FACETS.items():
        if name in shared:
            continue
        col = c[col_name]
        rows = session.execute(
            select(col, func.count()).where(*_conditions(f, hits, name, FACETS)).group_by(col)
        )
        out[name] = _top(Counter(dict(rows.tuples().all())))
    return total


def _facets(
    session: Session, f: Filters, hits: dict[int, tuple[float, str]] | None
) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    tagged = select(FACETS.c.bill_id).where(*_conditions(f, hits, "tag", FACETS)).subquery()
    n_tagged = func.count()
    counts = session.execute(
        select(TAGGED.c.tag, n_tagged)
        .join(tagged, tagged.c.bill_id == TAGGED.c.bill_id)
        .group_by(TAGGED.c.tag)
    )
    out["tag"] = sorted(((str(t), n) for t, n in counts), key=lambda kv: (-kv[1], kv[0]))
    sponsors = _base(f, hits, "sponsor", FACETS).subquery()
    out["sponsor"] = [
        (name, n)
        for name, n in session.execute(
            select(Sponsorship.name, func.count(func.distinct(Sponsorship.bill_id)))
            .join(sponsors, sponsors.c.bill_id == Sponsorship.bill_id)
            .group_by(Sponsorship.name)
            .order_by(func.count(func.distinct(Sponsorship.bill_id)).desc(), Sponsorship.name)
            .limit(15)
        )
    ]
    committees = _base(f, hits, "committee", FACETS).subquery()
    n_bills = func.count(func.distinct(EventAgendaItem.bill_id))
    out["committee"] = [
        (str(name), n)
        for name, n in session.execute(
            select(Event.committee, n_bills)
            .join(EventAgendaItem, EventAgendaItem.event_id == Event.id)
            .join(committees, committees.c.bill_id == EventAgendaItem.bill_id)
            .where(Event.committee.is_not(None))
            .group_by(Event.committee)
            .order_by(n_bills.desc(), Event.committee)
            .limit(15)
        )
    ]
    upcoming = _base(f, hits, "hearing", FACETS).where(
        _on_agenda(FACETS.c.bill_id, Event.start_time >= utcnow())
    )
    out["hearing"] = [
        ("1", session.scalar(select(func.count()).select_from(upcoming.subquery())) or 0)
    ]
    return out
