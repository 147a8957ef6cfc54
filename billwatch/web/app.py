"""The workbench's ASGI app: pages, the read API, review, members' preferences, admin."""

from __future__ import annotations

import html
import logging

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from alerts.web import HeaderLimit
from alerts.web import create_app as unsubscribe_app
from billwatch.web import account, admin, api, dashboard, members, pages, review
from billwatch.web.common import HERE, LoginRequired, Web, login_url, render, user_of

log = logging.getLogger(__name__)


def home(request: Request) -> Response:
    """GET /: the dashboard when signed in, else the sign-in page."""
    return RedirectResponse("/dashboard" if user_of(request) else "/login", status_code=303)


def health(request: Request) -> Response:
    """GET /healthz: the process answers (for proxies and benchmarks)."""
    return PlainTextResponse("ok")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def on_login_required(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": "an API key (X-API-Key) or a session is required"}, 401)
    return RedirectResponse(login_url(request), status_code=303)


async def on_http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "server error"
    headers = getattr(exc, "headers", None) or {}
    if _is_api(request):
        return JSONResponse({"detail": detail}, status, headers=headers)
    try:
        response = render(request, "message.html", {"title": f"Error {status}", "message": detail})
        response.status_code = status
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        response = PlainTextResponse(html.escape(str(detail)), status)
    for key, value in headers.items():
        response.headers[key] = value
    return response


async def on_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path)
    return await on_http_error(request, HTTPException(500, "server error"))


def create_app(
    factory: sessionmaker[Session],
    secret: str,
    *,
    secure_cookies: bool = True,
    with_unsubscribe: bool = True,
) -> Starlette:
    """The workbench on one database; `secret` signs CSRF tokens and members' links."""
    from billwatch.web.security import SecurityHeaders

    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/healthz", health),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        *pages.routes,
        *account.routes,
        *dashboard.routes,
        *review.routes,
        *members.routes,
        *admin.routes,
        Mount("/api/v1", routes=api.routes),
    ]
    if with_unsubscribe:
        # The RFC 8058 endpoint as alerts/web.py serves it: mail clients post without cookies,
        # so it has its own checks (signed token, List-Unsubscribe=One-Click), not our CSRF.
        routes += members.unsubscribe_routes
        routes.append(Route("/unsubscribe/{token}", unsubscribe_app(factory, secret)))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(HeaderLimit),
            Middleware(SecurityHeaders, secure_cookies=secure_cookies),
        ],
        exception_handlers={
            LoginRequired: on_login_required,
            HTTPException: on_http_error,
            500: on_server_error,
        },
    )
    app.state.web = Web(factory=factory, secret=secret, secure_cookies=secure_cookies)
    return app
