"""Read-side queries: search, one bill, and bills as plain dicts for export."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from billwatch.db.models import (
    Bill,
    Event,
    EventAgendaItem,
    Jurisdiction,
    LegislativeSession,
    Person,
    Tag,
    VersionClassification,
)
from billwatch.db.search_syntax import parse as parse_query
from billwatch.db.search_syntax import to_fts5, to_tsquery
from billwatch.db.votes import vote_dicts

WORD = re.compile(r"[\w'-]+", re.UNICODE)


@dataclass
class SearchHit:
    """One bill found by a search, with the best-matching passage."""

    bill_id: int
    jurisdiction: str
    session: str
    identifier: str
    title: str
    status: str | None
    score: float
    snippet: str  # plain text
    matches: list[tuple[int, int]] = field(default_factory=list)  # matched words in `snippet`


def fts5_query(query: str) -> str:
    """The FTS5 MATCH text of a query in billwatch's search syntax ("" when it has no words)."""
    node = parse_query(query)
    return to_fts5(node) if node else ""


# Private-use characters mark matches in snippets: no bill text uses them, and unlike "[...]"
# they can never be read as terminal markup.
OPEN, CLOSE = "\ue000", "\ue001"


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


def marked(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain snippet text and the [start, end) spans of the matched words in it, word by word.

    SQLite marks a matched phrase as one span and PostgreSQL each word; splitting at spaces
    makes both the same.
    """
    plain: list[str] = []  # one character each, so len(plain) is the offset
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for char in " ".join(snippet.split()):
        if char == OPEN:
            start = len(plain)
        elif char == CLOSE and start is not None:
            spans.extend(_word_spans("".join(plain), start, len(plain)))
            start = None
        else:
            plain.append(char)
    return "".join(plain), spans


def search(
    session: Session, query: str, *, state: str | None = None, limit: int = 20
) -> list[SearchHit]:
    """Bills ranked by full-text relevance; `query` is in billwatch's syntax (search_syntax)."""
    node = parse_query(query)  # QuerySyntaxError says what is wrong
    if node is None:
        return []
    if session.get_bind().dialect.name == "sqlite":
        rows = _search_sqlite(session, to_fts5(node), state, limit)
    else:
        rows = _search_postgres(session, to_tsquery(node), state, limit)
    if not rows:
        return []
    bills = {
        b.id: b
        for b in session.scalars(
            select(Bill)
            .where(Bill.id.in_([r[0] for r in rows]))
            .options(selectinload(Bill.jurisdiction), selectinload(Bill.session))
        )
    }
    return [
        SearchHit(
            bill_id=bill_id,
            jurisdiction=bills[bill_id].jurisdiction.code,
            session=bills[bill_id].session.identifier,
            identifier=bills[bill_id].identifier,
            title=bills[bill_id].title,
            status=bills[bill_id].status,
            score=score,
            snippet=marked(snippet or "")[0],
            matches=marked(snippet or "")[1],
        )
        for bill_id, score, snippet in rows
    ]


def _search_sqlite(
    session: Session, match: str, state: str | None, limit: int
) -> list[tuple[int, float, str]]:
    # FTS5 answers "ORDER BY rank LIMIT n" without scoring every match, which keeps common words
    # fast on a million versions; a state filter needs the join, so it looks at more candidates.
    candidates = limit * 5 if state is None else limit * 200
    state_join = (
        "JOIN bills b ON b.id = {bill} JOIN jurisdictions j ON j.id = b.jurisdiction_id"
        " AND j.code = :state"
        if state
        else ""
    )
    sql = f"""
        WITH text_hits AS (
            SELECT v.bill_id AS bill_id, version_text_fts.rank AS rank,
                   snippet(version_text_fts, 0, :open, :close, '...', 16) AS snippet
            FROM version_text_fts
            JOIN bill_versions v ON v.id = version_text_fts.rowid
            {state_join.format(bill="v.bill_id")}
            WHERE version_text_fts MATCH :match
            ORDER BY version_text_fts.rank LIMIT :candidates
        ), title_hits AS (
            SELECT bill_title_fts.rowid AS bill_id, bill_title_fts.rank * 2 AS rank,
                   snippet(bill_title_fts, 0, :open, :close, '...', 16) AS snippet
            FROM bill_title_fts
            {state_join.format(bill="bill_title_fts.rowid")}
            WHERE bill_title_fts MATCH :match
            ORDER BY bill_title_fts.rank LIMIT :candidates
        ), hits AS (SELECT * FROM text_hits UNION ALL SELECT * FROM title_hits)
        SELECT bill_id, MIN(rank) AS best, snippet FROM hits
        GROUP BY bill_id ORDER BY best LIMIT :limit
    """
    params = {
        "match": match,
        "candidates": candidates,
        "limit": limit,
        "state": state,
        "open": OPEN,
        "close": CLOSE,
    }
    # bm25 is lower-is-better; report a positive score so that higher is better everywhere.
    return [(r[0], -float(r[1]), r[2]) for r in session.execute(text(sql), params)]


def _search_postgres(
    session: Session, query: str, state: str | None, limit: int
) -> list[tuple[int, float, str]]:
    state_join = (
        "JOIN jurisdictions j ON j.id = b.jurisdiction_id AND j.code = :state" if state else ""
    )
    sql = f"""
        WITH q AS (SELECT to_tsquery('english', :query) AS q),
        text_hits AS (
            SELECT v.bill_id, v.id AS version_id, ts_rank(v.search_vector, q.q) AS rank
            FROM bill_versions v CROSS JOIN q
            JOIN bills b ON b.id = v.bill_id {state_join}
            WHERE v.search_vector @@ q.q
            ORDER BY rank DESC LIMIT :candidates
        ), title_hits AS (
            SELECT b.id AS bill_id, NULL::integer AS version_id,
                   ts_rank(b.search_vector, q.q) * 2 AS rank
            FROM bills b CROSS JOIN q {state_join}
            WHERE b.search_vector @@ q.q
            ORDER BY rank DESC LIMIT :candidates
        ), best AS (
            SELECT DISTINCT ON (bill_id) bill_id, version_id, rank
            FROM (SELECT * FROM text_hits UNION ALL SELECT * FROM title_hits) h
            ORDER BY bill_id, rank DESC
        ), top AS (SELECT * FROM best ORDER BY rank DESC LIMIT :limit)
        SELECT top.bill_id, top.rank,
               ts_headline('english', left(coalesce(v.text, b.title), 100000), q.q, :options)
        FROM top CROSS JOIN q
        JOIN bills b ON b.id = top.bill_id
        LEFT JOIN bill_versions v ON v.id = top.version_id
        ORDER BY top.rank DESC
    """
    params = {
        "query": query,
        "candidates": limit * 5,
        "limit": limit,
        "state": state,
        "options": f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=24, MinWords=8",
    }
    return [(r[0], float(r[1]), r[2]) for r in session.execute(text(sql), params)]


def find_bills(
    session: Session, identifier: str, *, state: str | None = None, session_id: str | None = None
) -> list[Bill]:
    """Bills whose identifier matches (spaces and case ignored), newest session first."""
    wanted = re.sub(r"[\s.]", "", identifier).upper()
    query = (
        select(Bill)
        .join(Jurisdiction, Bill.jurisdiction_id == Jurisdiction.id)
        .join(LegislativeSession, Bill.session_id == LegislativeSession.id)
        .where(func.upper(func.replace(Bill.identifier, " ", "")) == wanted)
        .order_by(LegislativeSession.identifier.desc())
    )
    if state:
        query = query.where(Jurisdiction.code == state.upper())
    if session_id:
        query = query.where(LegislativeSession.identifier == session_id)
    return list(session.scalars(query))


def current_tags(session: Session, version_ids: list[int]) -> dict[int, list[Tag]]:
    """Tags per version from the newest classifier run on it, rejected ones left out."""
    if not version_ids:
        return {}
    latest = {
        vid: cv
        for vid, cv in session.execute(
            select(VersionClassification.version_id, VersionClassification.classifier_version)
            .where(VersionClassification.version_id.in_(version_ids))
            .order_by(VersionClassification.classified_at, VersionClassification.id)
        )
    }
    out: dict[int, list[Tag]] = {vid: [] for vid in version_ids}
    for tag in session.scalars(
        select(Tag).where(Tag.version_id.in_(version_ids)).order_by(Tag.section_index, Tag.tag)
    ):
        if latest.get(tag.version_id) == tag.classifier_version and tag.review_state != "rejected":
            out[tag.version_id].append(tag)
    return out


def bill_events(session: Session, bill_id: int) -> list[Event]:
    """Hearings that have this bill on their agenda, by start time."""
    on_agenda = select(EventAgendaItem.event_id).where(EventAgendaItem.bill_id == bill_id)
    return list(
        session.scalars(select(Event).where(Event.id.in_(on_agenda)).order_by(Event.start_time))
    )


def bill_to_dict(session: Session, bill: Bill, *, with_text: bool = True) -> dict[str, Any]:
    """One bill as the export object: metadata, versions, actions, sponsors, events, tags."""
    tags = current_tags(session, [v.id for v in bill.versions])
    notes = {v.id: v.note for v in bill.versions}
    linked = {s.person_id for s in bill.sponsorships if s.person_id}
    people = dict(
        session.execute(select(Person.id, Person.source_key).where(Person.id.in_(linked))).all()
    )
    return {
        "jurisdiction": bill.jurisdiction.code,
        "jurisdiction_id": bill.jurisdiction.ocd_id,
        "session": bill.session.identifier,
        "identifier": bill.identifier,
        "title": bill.title,
        "status": bill.status,
        "stage": bill.stage,
        "classification": bill.classification,
        "subjects": bill.subjects,
        "last_action_date": _iso(bill.last_action_date),
        "source_urls": bill.source_urls,
        "first_seen": _iso(bill.first_seen),
        "updated_at": _iso(bill.updated_at),
        "versions": [
            {
                "note": v.note,
                "date": _iso(v.date),
                "url": v.url,
                "media_type": v.media_type,
                "hash": v.content_hash,
                "text": v.text if with_text else None,
                "inserted": v.inserted,
                "struck": v.struck,
            }
            for v in bill.versions
        ],
        "actions": [
            {
                "date": _iso(a.date),
                "organization": a.organization,
                "description": a.description,
                "classification": a.classification,
            }
            for a in bill.actions
        ],
        "sponsors": [
            {
                "name": s.name,
                "kind": s.classification,
                "entity_type": s.entity_type,
                # Open States' own fields: primary, classification, the person's id.
                "primary": s.classification == "primary",
                "classification": s.classification,
                "person_id": people.get(s.person_id) if s.person_id else None,
            }
            for s in bill.sponsorships
        ],
        "votes": vote_dicts(session, bill.id),
        "events": [
            {
                "name": e.name,
                "committee": e.committee,
                "start_time": _iso(e.start_time),
                "location": e.location,
                "status": e.status,
            }
            for e in bill_events(session, bill.id)
        ],
        "tags": [
            {
                "tag": t.tag,
                "score": round(t.score, 4),
                "version": notes[vid],
                "section": t.section_label,
                "evidence": t.evidence,
                "start": t.evidence_start,
                "end": t.evidence_end,
                "classifier_version": t.classifier_version,
                "review_state": t.review_state,
            }
            for vid, version_tags in tags.items()
            for t in version_tags
        ],
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
