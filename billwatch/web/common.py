"""What every route needs: the app's state, the signed-in user, bounded forms, templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from alerts.web import read_body
from billwatch.db.models import User
from billwatch.taxonomy import ALERT_TAGS, TAGS
from billwatch.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    RateLimiter,
    check_csrf,
    csrf_for,
    has_role,
    session_user,
)

HERE = Path(__file__).resolve().parent
MAX_FORM = 64 * 1024
T = TypeVar("T")


class LoginRequired(Exception):
    """Nobody is signed in where a role is needed: browsers go to the sign-in page."""


@dataclass
class Web:
    """The app's shared state."""

    factory: sessionmaker[Session]
    secret: str
    secure_cookies: bool = True
    limiter: RateLimiter = field(default_factory=RateLimiter)
    login_limiter: RateLimiter = field(default_factory=RateLimiter)
    templates: Jinja2Templates = field(
        default_factory=lambda: Jinja2Templates(directory=str(HERE / "templates"))
    )


def web(request: Request) -> Web:
    """The app's state."""
    state: Web = request.app.state.web
    return state


def user_of(request: Request) -> User | None:
    """The signed-in user, read once per request."""
    if "user" not in request.state._state:
        token = request.cookies.get(SESSION_COOKIE, "")
        user = None
        if token:
            with web(request).factory() as session:
                user = session_user(session, token)
                if user is not None:
                    session.expunge(user)
        request.state.user = user
    found: User | None = request.state.user
    return found


def require(request: Request, role: str) -> User:
    """The signed-in user holding `role`, else LoginRequired (nobody) or 403 (too low a role)."""
    user = user_of(request)
    if user is None:
        raise LoginRequired()
    if not has_role(user, role):
        raise HTTPException(403, f"this page needs the {role} role")
    return user


async def read_form(request: Request) -> FormData:
    """A bounded form whose CSRF token matches the browser's cookie, else 4xx."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(415, "expected a form (application/x-www-form-urlencoded)")
    body = await read_body(request, limit=MAX_FORM)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=0, max_fields=200)
    token = form.get("csrf")
    check_csrf(
        web(request).secret,
        request.cookies.get(CSRF_COOKIE),
        token if isinstance(token, str) else None,
    )
    return form


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking database work off the event loop."""
    return await run_in_threadpool(fn, *args)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page from templates/, with the user, the CSRF token and the taxonomy."""
    cookie = request.scope.get("state", {}).get("csrf_cookie", "")
    base = {
        "user": user_of(request),
        "csrf": csrf_for(web(request).secret, cookie),
        "TAGS": TAGS,
        "ALERT_TAGS": ALERT_TAGS,
        "has_role": has_role,
    }
    response = web(request).templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def login_url(request: Request) -> str:
    """The sign-in page that comes back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def safe_next(value: str | None) -> str:
    """A local path to go to after sign-in; anything else (other sites) becomes /."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"
