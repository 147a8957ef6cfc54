"""Admin pages: users, API keys, subscribers, outbox, crawl health (members' data: admins only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billwatch.db.models import ApiKey, CrawlRun, OutboxMessage, Subscriber, User, utcnow
from billwatch.db.runs import freshness
from billwatch.web.common import in_thread, read_form, render, require, web
from billwatch.web.security import ROLES, WeakPassword, create_api_key, create_user


def admin_page(request: Request) -> Response:
    """GET /admin: users, keys, subscribers, outbox by status, crawls and freshness."""
    require(request, "admin")
    with web(request).factory() as session:
        context = {
            "users": list(session.scalars(select(User).order_by(User.email))),
            "keys": list(session.scalars(select(ApiKey).order_by(ApiKey.id))),
            "subscribers": list(session.scalars(select(Subscriber).order_by(Subscriber.email))),
            "outbox": list(
                session.execute(
                    select(OutboxMessage.status, func.count())
                    .group_by(OutboxMessage.status)
                    .order_by(OutboxMessage.status)
                )
            ),
            "runs": list(
                session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(30))
            ),
            "freshness": freshness(session),
            "today": dt.date.today(),
            "ROLES": ROLES,
        }
        return render(request, "admin.html", context)


async def admin_action(request: Request) -> Response:
    """POST /admin: add a user, create or revoke an API key."""
    require(request, "admin")
    form = await read_form(request)
    action = str(form.get("action", ""))

    def act() -> str:
        with web(request).factory.begin() as session:
            if action == "add-user":
                try:
                    user = create_user(
                        session,
                        str(form.get("email", "")),
                        str(form.get("password", "")),
                        str(form.get("role", "viewer")),
                        str(form.get("name", ""))[:200],
                    )
                except (ValueError, WeakPassword) as exc:
                    raise HTTPException(400, str(exc)) from None
                return f"Added {user.email} as {user.role}."
            if action == "add-key":
                rate = str(form.get("rate", "60"))
                if not rate.isdigit() or not 1 <= int(rate) <= 10_000:
                    raise HTTPException(400, "rate: 1 to 10000 a minute")
                name = str(form.get("name", "")).strip()[:200] or "unnamed"
                _, key = create_api_key(session, name, int(rate))
                return f"New key for {name} (shown once, copy it now): {key}"
            if action == "revoke-key":
                key_id = str(form.get("key_id", ""))
                row = session.get(ApiKey, int(key_id)) if key_id.isdigit() else None
                if row is None:
                    raise HTTPException(404, "no such key")
                row.revoked_at = row.revoked_at or utcnow()
                return f"Revoked key {row.prefix}…"
            raise HTTPException(400, "unknown action")

    message = await in_thread(act)
    return render(request, "message.html", {"title": "Admin", "message": message})


routes = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/admin", admin_action, methods=["POST"]),
]
