"""The dashboard: ALERT and TRACK bills by month and state, tags by state, stages, a map."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billwatch.db.faceted import OVERVIEW
from billwatch.db.models import BillAction
from billwatch.web.charts import bars, stacked_columns, tile_map
from billwatch.web.common import render, require, web

TRACKED = ("ALERT", "TRACK", "mixed")
STAGE_ORDER = (
    "introduced",
    "in committee",
    "passed committee",
    "passed one chamber",
    "passed both chambers",
    "sent to executive",
    "enacted",
    "vetoed",
    "failed",
    "withdrawn",
)
MAX_SERIES = 6  # more states than this are summed as "other" so the legend stays readable


def numbers(session: Session) -> dict[str, Any]:
    """The counts behind every chart."""
    c = OVERVIEW.c
    introduced = (
        select(BillAction.bill_id, func.min(BillAction.date).label("first"))
        .group_by(BillAction.bill_id)
        .subquery()
    )
    per_month: dict[str, Counter[str]] = defaultdict(Counter)
    for state, first in session.execute(
        select(c.jurisdiction, introduced.c.first)
        .join(introduced, introduced.c.bill_id == c.bill_id)
        .where(c.stance.in_(TRACKED))
    ):
        if first is not None:
            month = first if isinstance(first, str) else first.isoformat()
            per_month[month[:7]][state] += 1
    tags_by_state: dict[str, Counter[str]] = defaultdict(Counter)
    alert_by_state: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for state, stance, stage, tags in session.execute(
        select(c.jurisdiction, c.stance, c.stage, c.tags)
    ):
        tags_by_state[state].update(t for t in (tags or "").split(",") if t)
        if stance in ("ALERT", "mixed"):
            alert_by_state[state] += 1
        if stance in TRACKED:
            stages[stage or "unknown"] += 1
    return {
        "per_month": per_month,
        "tags_by_state": tags_by_state,
        "alert_by_state": alert_by_state,
        "stages": stages,
    }


def charts(n: dict[str, Any]) -> dict[str, Any]:
    """The SVG charts and the tags-by-state table from the counts."""
    months = sorted(n["per_month"])
    state_totals: Counter[str] = Counter()
    for counts in n["per_month"].values():
        state_totals.update(counts)
    top = [s for s, _ in state_totals.most_common(MAX_SERIES)]
    series: dict[str, list[int]] = {s: [n["per_month"][m][s] for m in months] for s in top}
    rest = [sum(v for s, v in n["per_month"][m].items() if s not in top) for m in months]
    if any(rest):
        series["other"] = rest
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    stages = sorted(n["stages"].items(), key=lambda kv: order.get(kv[0], len(order)))
    states = sorted(n["tags_by_state"])
    tags = sorted({t for c in n["tags_by_state"].values() for t in c})
    return {
        "per_month": stacked_columns(months, series, "ALERT and TRACK bills introduced per month"),
        "stages": bars(stages, "ALERT and TRACK bills by stage"),
        "map": tile_map(dict(n["alert_by_state"]), "ALERT bills by state"),
        "tag_states": states,
        "tag_names": tags,
        "tags_by_state": n["tags_by_state"],
    }


def dashboard_page(request: Request) -> Response:
    """GET /dashboard."""
    require(request, "viewer")
    with web(request).factory() as session:
        context = charts(numbers(session))
    return render(request, "dashboard.html", context)


routes = [Route("/dashboard", dashboard_page)]
