"""Signed unsubscribe tokens and the unsubscribe itself (the endpoint is in alerts/web.py).

A token is `[subscriber id, nonce]` signed with BILLWATCH_SECRET_KEY, where the nonce is the
subscriber's unguessable `unsubscribe_nonce`: forging one takes both the key and the nonce.
Tokens of the older form `[subscriber id, email]` (mail sent before migration 0004) are still
honoured when signed with the current key, so no member's old unsubscribe link breaks; forging
one of those takes the key and the member's address. Drop that branch of `read_token` once mail
from before 0004 is old enough not to matter.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import CANCELLED, PENDING
from billwatch.db.models import OutboxMessage, Subscriber, utcnow

log = logging.getLogger(__name__)
SALT = "billwatch-unsubscribe"  # tokens for this purpose only, whatever else the key signs


class BadToken(ValueError):
    """A token that was not made by us, or names no subscriber."""


MAX_TOKEN_LENGTH = 512  # ours are under 100 characters; longer input is refused unread


@dataclass(frozen=True)
class Claim:
    """What a valid token says: the subscriber and their nonce (or, legacy, their email)."""

    subscriber_id: int
    nonce: str | None = None
    email: str | None = None

    def matches(self, sub: Subscriber) -> bool:
        """Whether the token was made for this subscriber (constant-time comparison)."""
        if self.nonce is not None:
            return hmac.compare_digest(self.nonce.encode(), sub.unsubscribe_nonce.encode())
        return self.email is not None and hmac.compare_digest(
            self.email.encode(), sub.email.encode()
        )


def make_token(subscriber_id: int, nonce: str, secret: str) -> str:
    """A URL-safe signed token naming the subscriber; it does not expire (old mail must work)."""
    return URLSafeSerializer(secret, salt=SALT).dumps([subscriber_id, nonce])


def read_token(token: str, secret: str) -> Claim:
    """The claim a token makes, or BadToken for anything not signed by us or not of our shape."""
    invalid = BadToken("this unsubscribe link is not valid (damaged or not ours)")
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token.strip())
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise invalid from None
    # A signed payload of another shape (our key signing something else) is not a token.
    if not (isinstance(payload, list) and len(payload) == 2):
        raise invalid
    subscriber_id, value = payload
    # Ids fit the database's 32-bit integer (a larger one would be a database error).
    if type(subscriber_id) is not int or not 0 < subscriber_id < 2**31:
        raise invalid
    if not isinstance(value, str) or not 0 < len(value) <= 320:
        raise invalid
    if "@" in value:  # nonces are URL-safe base64, which has no "@"
        return Claim(subscriber_id, email=value)
    return Claim(subscriber_id, nonce=value)


def unsubscribe_url(public_url: str, token: str) -> str:
    """The https link that shows the confirmation page and takes the one-click POST."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"


def unsubscribe(
    session: Session, token: str, secret: str, now: dt.datetime | None = None
) -> Subscriber:
    """Unsubscribe the token's subscriber and cancel what is waiting for them; idempotent."""
    claim = read_token(token, secret)
    sub = session.get(Subscriber, claim.subscriber_id)
    if sub is None or not claim.matches(sub):
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
