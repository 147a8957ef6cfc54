"""Queries on crawl runs and data freshness, for `billwatch status` and the spiders' memory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billwatch.db.models import Bill, BillAction, CrawlRun, Jurisdiction


def latest_run(session: Session, source: str, status: str | None = None) -> CrawlRun | None:
    """The newest run of `source` (with `status`, when given)."""
    query = select(CrawlRun).where(CrawlRun.source == source)
    if status is not None:
        query = query.where(CrawlRun.status == status)
    return session.scalar(query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()))


def freshness(session: Session) -> list[tuple[str, int, dt.date | None]]:
    """(jurisdiction, bills, newest action date) for each jurisdiction with bills."""
    query = (
        select(Jurisdiction.code, func.count(func.distinct(Bill.id)), func.max(BillAction.date))
        .join(Bill, Bill.jurisdiction_id == Jurisdiction.id)
        .outerjoin(BillAction, BillAction.bill_id == Bill.id)
        .group_by(Jurisdiction.code)
        .order_by(Jurisdiction.code)
    )
    return [(code, bills, newest) for code, bills, newest in session.execute(query)]
