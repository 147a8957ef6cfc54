"""The review queue (most uncertain tags first) and the classifier's agreement with reviewers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.outbox import CANCELLED, PENDING
from billwatch.db import queries
from billwatch.db.models import (
    Bill,
    BillVersion,
    OutboxMessage,
    Tag,
    TagReview,
    User,
    utcnow,
)
from billwatch.taxonomy import ALERT_TAGS, TAGS
from billwatch.web.billview import segments
from billwatch.web.charts import bars
from billwatch.web.common import in_thread, read_form, render, require, web

CONTEXT_CHARS = 300
DECISIONS = ("confirm", "reject", "relabel")
MAX_NOTE = 2000


@dataclass
class Pending:
    """A tag waiting for review, with its evidence in context."""

    tag: Tag
    bill: Bill
    version: BillVersion
    before: str
    evidence: str
    after: str


def queue(session: Session, limit: int = 20) -> tuple[list[Pending], int]:
    """Unreviewed tags, the classifier's least certain (score nearest 0.5) first, and the count."""
    unreviewed = Tag.review_state.is_(None)
    total = session.scalar(select(func.count()).select_from(Tag).where(unreviewed)) or 0
    rows = session.execute(
        select(Tag, BillVersion, Bill)
        .join(BillVersion, BillVersion.id == Tag.version_id)
        .join(Bill, Bill.id == BillVersion.bill_id)
        .where(unreviewed)
        .order_by(func.abs(Tag.score - 0.5), Tag.id)
        .limit(limit)
    ).all()
    out = []
    for tag, version, bill in rows:
        start = tag.evidence_start if tag.evidence_start is not None else 0
        end = tag.evidence_end if tag.evidence_end is not None else start
        text = version.text
        out.append(
            Pending(
                tag=tag,
                bill=bill,
                version=version,
                before=text[max(0, start - CONTEXT_CHARS) : start],
                evidence=text[start:end] or tag.evidence,
                after=text[end : end + CONTEXT_CHARS],
            )
        )
    return out, total


def decide(
    session: Session,
    tag_id: int,
    user: User,
    decision: str,
    new_tag: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> TagReview:
    """Store a decision on the tag itself (what `billwatch train` reads) and in tag_reviews."""
    if decision not in DECISIONS:
        raise ValueError(f"decision is one of {', '.join(DECISIONS)}")
    if len(note) > MAX_NOTE:
        raise ValueError(f"a note has at most {MAX_NOTE} characters")
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise LookupError("no such tag")
    if decision == "relabel" and (new_tag not in TAGS or new_tag == tag.tag):
        raise ValueError("relabel needs another taxonomy tag")
    now = now or utcnow()
    tag.review_state = "confirmed" if decision == "confirm" else "rejected"
    tag.reviewed_by, tag.reviewed_at = user.email, now
    if decision == "relabel":
        # The section carries the reviewer's tag instead: a confirmed tag for training, with the
        # same evidence, in the same classifier run so the bill's current tags include it.
        other = session.scalar(
            select(Tag).where(
                Tag.version_id == tag.version_id,
                Tag.section_index == tag.section_index,
                Tag.tag == new_tag,
                Tag.classifier_version == tag.classifier_version,
            )
        )
        if other is None:
            other = Tag(
                version_id=tag.version_id,
                section_index=tag.section_index,
                section_label=tag.section_label,
                tag=new_tag,
                score=tag.score,
                evidence=tag.evidence,
                evidence_start=tag.evidence_start,
                evidence_end=tag.evidence_end,
                classifier_version=tag.classifier_version,
            )
            session.add(other)
        other.review_state, other.reviewed_by, other.reviewed_at = "confirmed", user.email, now
    review = TagReview(
        tag_id=tag.id,
        user_id=user.id,
        reviewer=user.email,
        decision={"confirm": "confirmed", "reject": "rejected"}.get(decision, "relabelled"),
        new_tag=new_tag or None,
        note=note,
        tag=tag.tag,
        score=tag.score,
        decided_at=now,
    )
    session.add(review)
    session.flush()
    if tag.review_state == "rejected" and tag.tag in ALERT_TAGS:
        cancel_alerts_without_alert_tags(session, tag.version.bill_id)
    return review


def cancel_alerts_without_alert_tags(session: Session, bill_id: int) -> int:
    """Cancel unsent alerts for a bill that no unrejected ALERT tag supports any more."""
    version_ids = list(
        session.scalars(select(BillVersion.id).where(BillVersion.bill_id == bill_id))
    )
    current = queries.current_tags(session, version_ids)
    if any(t.tag in ALERT_TAGS for found in current.values() for t in found):
        return 0
    cancelled = 0
    for row in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == PENDING, OutboxMessage.idempotency_key.startswith("alert:")
        )
    ):
        # alert:<subscriber>:<bill>:<trigger> (alerts.outbox.alert_key)
        if row.idempotency_key.split(":")[2:3] == [str(bill_id)]:
            row.status, row.last_error = CANCELLED, "ALERT tag rejected by a reviewer"
            cancelled += 1
    return cancelled


def review_page(request: Request) -> Response:
    """GET /review: the queue, with keyboard shortcuts (c, r, l, j, k)."""
    require(request, "reviewer")
    with web(request).factory() as session:
        pending, total = queue(session)
        for p in pending:
            p.segments = segments(  # type: ignore[attr-defined]
                p.before + p.evidence + p.after,
                [],
                [],
                [(len(p.before), len(p.before) + len(p.evidence), p.tag.tag)],
            )
        return render(request, "review.html", {"pending": pending, "total": total})


async def review_decide(request: Request) -> Response:
    """POST /review/{tag_id}: confirm, reject or relabel, with a note."""
    user = require(request, "reviewer")
    form = await read_form(request)
    tag_id = request.path_params["tag_id"]

    def store() -> None:
        with web(request).factory.begin() as session:
            try:
                decide(
                    session,
                    tag_id,
                    user,
                    str(form.get("decision", "")),
                    str(form.get("new_tag", "") or ""),
                    str(form.get("note", "") or ""),
                )
            except LookupError as exc:
                raise HTTPException(404, str(exc)) from None
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from None

    await in_thread(store)
    return RedirectResponse("/review", status_code=303)


def agreement(session: Session) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(month, reviewed, confirmed) and (tag, reviewed, confirmed) from the decisions."""
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for tag, decision, when in session.execute(
        select(TagReview.tag, TagReview.decision, TagReview.decided_at)
    ):
        for bucket in (by_month[when.strftime("%Y-%m")], by_tag[tag]):
            bucket[0] += 1
            bucket[1] += decision == "confirmed"
    return (
        [(k, *v) for k, v in sorted(by_month.items())],  # type: ignore[misc]
        [(k, *v) for k, v in sorted(by_tag.items())],  # type: ignore[misc]
    )


def agreement_page(request: Request) -> Response:
    """GET /review/agreement: how often reviewers confirm the classifier, over time and per tag."""
    require(request, "viewer")
    with web(request).factory() as session:
        months, tags = agreement(session)
    chart = bars(
        [(m, round(100 * c / n) if n else 0) for m, n, c in months],
        title="Confirmed, % of reviewed tags, by month",
        unit="%",
    )
    return render(request, "agreement.html", {"months": months, "tags": tags, "chart": chart})


routes = [
    Route("/review", review_page, methods=["GET"]),
    Route("/review/agreement", agreement_page, methods=["GET"]),
    Route("/review/{tag_id:int}", review_decide, methods=["POST"]),
]
