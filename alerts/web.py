"""The RFC 8058 one-click unsubscribe endpoint: a Starlette app served by uvicorn with limits.

GET /unsubscribe/<token> shows a confirmation form and never unsubscribes (mail scanners
prefetch links); POST with `List-Unsubscribe=One-Click`, form-urlencoded or multipart (RFC 8058
says senders should expect both), unsubscribes. Every malformed request gets a 4xx. The app is
mountable (`create_app`) so a later web workbench can serve it under its own routes.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

import uvicorn
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from alerts.unsubscribe import MAX_TOKEN_LENGTH, BadToken, read_token, unsubscribe

log = logging.getLogger(__name__)
MAX_BODY = 8 * 1024  # a one-click body is 26 bytes; the confirm form's multipart under 1 KB
BODY_TIMEOUT_S = 10.0  # a body trickling in slower than this is dropped
HEADER_TIMEOUT_S = 10.0  # a connection that has not sent its headers by then is closed
MAX_HEADER_BYTES = 8 * 1024
MAX_CONNECTIONS = 100  # uvicorn answers 503 beyond this many connections and requests
KEEP_ALIVE_S = 5
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>billwatch</title></head>
<body style="font-family: Georgia, serif; max-width: 36em; margin: 2em auto; padding: 0 1em">
{body}</body></html>"""


def page(status: int, body: str) -> HTMLResponse:
    """An HTML page that no cache keeps (the token in its URL identifies a member)."""
    return HTMLResponse(
        PAGE.format(body=body),
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def read_body(
    request: Request, limit: int = MAX_BODY, timeout: float = BODY_TIMEOUT_S
) -> bytes:
    """The request body, or HTTPException 413 when over `limit`, 408 when too slow."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(413 if declared.isdigit() else 400, "bad or too large Content-Length")
    body = bytearray()
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:  # chunked bodies have no Content-Length to check
                    raise HTTPException(413, "request body too large")
    except TimeoutError:
        raise HTTPException(408, "request body too slow") from None
    return bytes(body)


async def parse_form(request: Request, body: bytes) -> FormData:
    """The fields of a form-urlencoded or multipart body (no files), or HTTPException 4xx."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise HTTPException(415, "expected a form (urlencoded or multipart)")

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        # Parsed from the bounded copy: the parser never reads the network itself.
        return await Request(request.scope, replay).form(
            max_files=0, max_fields=8, max_part_size=MAX_BODY
        )
    except HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is the client's malformed body
        raise HTTPException(400, f"malformed form: {type(exc).__name__}") from None


class HeaderLimit:
    """ASGI middleware answering 431 to requests whose headers exceed `limit` bytes in all."""

    def __init__(self, app: ASGIApp, limit: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # uvicorn bounds only headers that arrive incomplete; one large packet passes it.
        if scope["type"] == "http" and sum(len(k) + len(v) for k, v in scope["headers"]) > (
            self.limit
        ):
            await page(431, "<p>Request headers too large.</p>")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(
    Session: sessionmaker[Session],  # noqa: N803
    secret: str,
    *,
    body_timeout: float = BODY_TIMEOUT_S,
) -> Starlette:
    """The endpoint as an ASGI app (needs a checked secret key: `check_mail_settings`)."""

    def token_of(request: Request) -> str:
        token = str(request.path_params["token"])
        if len(token) > MAX_TOKEN_LENGTH:
            raise HTTPException(414, "token too long")
        return token

    async def confirm(request: Request) -> Response:
        token = token_of(request)
        try:
            read_token(token, secret)
        except BadToken as exc:
            return page(400, f"<p>{html.escape(str(exc))}</p>")
        return page(
            200,
            "<h1>Unsubscribe from billwatch?</h1>"
            f'<form method="post" action="/unsubscribe/{html.escape(token)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe</button></form>',
        )

    def act(token: str) -> str:
        with Session.begin() as session:
            return unsubscribe(session, token, secret).email

    async def one_click(request: Request) -> Response:
        token = token_of(request)
        form = await parse_form(request, await read_body(request, timeout=body_timeout))
        if form.getlist("List-Unsubscribe") != ["One-Click"]:
            return page(400, "<p>Expected List-Unsubscribe=One-Click.</p>")
        try:
            email = await run_in_threadpool(act, token)
        except BadToken as exc:
            return page(400, f"<p>{html.escape(str(exc))}</p>")
        log.info("unsubscribed a subscriber by one-click")  # never the token or address
        return page(
            200,
            f"<p>{html.escape(email)} is unsubscribed. You will get no more mail from "
            "billwatch.</p>",
        )

    async def error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "server error"
        return page(status, f"<p>{html.escape(str(detail))}</p>")

    return Starlette(
        routes=[
            Route("/unsubscribe/{token}", confirm, methods=["GET"]),
            Route("/unsubscribe/{token}", one_click, methods=["POST"]),
        ],
        exception_handlers={HTTPException: error, 500: error},
        middleware=[Middleware(HeaderLimit)],
    )


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that closes connections which do not finish their headers."""

    header_timeout = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_headers()  # the next request on a kept-alive connection gets its own limit

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        # A request whose headers arrived has a cycle that is not complete: leave it alone.
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


def make_server(
    Session: sessionmaker[Session],  # noqa: N803
    secret: str,
    host: str = "127.0.0.1",
    port: int = 8025,
    *,
    header_timeout: float = HEADER_TIMEOUT_S,
    body_timeout: float = BODY_TIMEOUT_S,
    limit_concurrency: int = MAX_CONNECTIONS,
) -> uvicorn.Server:
    """A uvicorn server for the endpoint with timeouts and limits (call `.run()` on it)."""
    protocol = type("Protocol", (LimitedH11Protocol,), {"header_timeout": header_timeout})
    config = uvicorn.Config(
        create_app(Session, secret, body_timeout=body_timeout),
        host=host,
        port=port,
        http=protocol,
        lifespan="off",
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        access_log=False,  # paths hold tokens, which identify members
        server_header=False,
        log_config=None,  # the application's logging, not uvicorn's own handlers
        proxy_headers=False,
    )
    return uvicorn.Server(config)
