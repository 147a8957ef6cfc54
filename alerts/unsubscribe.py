"""Signed unsubscribe tokens, the unsubscribe itself, and the RFC 8058 one-click endpoint."""

from __future__ import annotations

import datetime as dt
import html
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import CANCELLED, PENDING
from billwatch.db.models import OutboxMessage, Subscriber, utcnow

log = logging.getLogger(__name__)
SALT = "billwatch-unsubscribe"  # tokens for this purpose only, whatever else the key signs


class BadToken(ValueError):
    """A token that was not made by us, or names no subscriber."""


def make_token(subscriber_id: int, email: str, secret: str) -> str:
    """A URL-safe signed token naming the subscriber; it does not expire (old mail must work)."""
    return URLSafeSerializer(secret, salt=SALT).dumps([subscriber_id, email])


def read_token(token: str, secret: str) -> tuple[int, str]:
    """(subscriber id, email) from a token, or BadToken."""
    try:
        subscriber_id, email = URLSafeSerializer(secret, salt=SALT).loads(token.strip())
    except (BadSignature, ValueError, TypeError):
        raise BadToken("this unsubscribe link is not valid (damaged or not ours)") from None
    return int(subscriber_id), str(email)


def unsubscribe_url(public_url: str, token: str) -> str:
    """The https link that shows the confirmation page and takes the one-click POST."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"


def unsubscribe(
    session: Session, token: str, secret: str, now: dt.datetime | None = None
) -> Subscriber:
    """Unsubscribe the token's subscriber and cancel what is waiting for them; idempotent."""
    subscriber_id, email = read_token(token, secret)
    sub = session.get(Subscriber, subscriber_id)
    if sub is None or sub.email != email:
        raise BadToken("this unsubscribe link names no current subscriber")
    if sub.status != "unsubscribed":
        sub.status = "unsubscribed"
        sub.unsubscribed_at = now or utcnow()
    for row in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.subscriber_id == sub.id, OutboxMessage.status == PENDING
        )
    ):
        row.status = CANCELLED
        row.last_error = "unsubscribed"
    session.flush()
    return sub


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>billwatch</title></head>
<body style="font-family: Georgia, serif; max-width: 36em; margin: 2em auto; padding: 0 1em">
{body}</body></html>"""


def make_handler(
    Session: sessionmaker[Session],
    secret: str,  # noqa: N803
) -> type[BaseHTTPRequestHandler]:
    """A request handler: GET shows a confirm button, POST (one-click or the button) acts."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "billwatch"

        def _token(self) -> str | None:
            path = self.path.split("?", 1)[0]
            prefix = "/unsubscribe/"
            return path[len(prefix) :] if path.startswith(prefix) else None

        def _reply(self, code: int, body: str) -> None:
            data = PAGE.format(body=body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            # GET never unsubscribes: mail scanners prefetch links.
            token = self._token()
            if not token:
                return self._reply(404, "<p>Not found.</p>")
            try:
                read_token(token, secret)
            except BadToken as exc:
                return self._reply(400, f"<p>{html.escape(str(exc))}</p>")
            self._reply(
                200,
                "<h1>Unsubscribe from billwatch?</h1>"
                f'<form method="post" action="/unsubscribe/{html.escape(token)}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                '<button type="submit">Unsubscribe</button></form>',
            )

        def do_POST(self) -> None:  # noqa: N802
            token = self._token()
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(min(length, 4096)).decode("utf-8", "replace"))
            if not token:
                return self._reply(404, "<p>Not found.</p>")
            if form.get("List-Unsubscribe") != ["One-Click"]:
                return self._reply(400, "<p>Expected List-Unsubscribe=One-Click.</p>")
            try:
                with Session.begin() as session:
                    sub = unsubscribe(session, token, secret)
                    email = sub.email
            except BadToken as exc:
                return self._reply(400, f"<p>{html.escape(str(exc))}</p>")
            log.info("unsubscribed subscriber by one-click")
            self._reply(
                200,
                f"<p>{html.escape(email)} is unsubscribed. You will get no more "
                "mail from billwatch.</p>",
            )

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            # Tokens in paths identify people: keep them out of the logs.
            log.debug("unsubscribe endpoint: %s", self.command)

    return Handler


def make_server(
    Session: sessionmaker[Session],
    secret: str,
    host: str = "127.0.0.1",  # noqa: N803
    port: int = 8025,
) -> ThreadingHTTPServer:
    """The one-click endpoint's HTTP server (call serve_forever() on it)."""
    return ThreadingHTTPServer((host, port), make_handler(Session, secret))
