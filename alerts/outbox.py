"""The outbox: rendered messages stored once per idempotency key, then sent by `alerts.send`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.render import Outgoing
from billwatch.db.models import OutboxMessage

# Row states. "sending" is written after the server accepted the recipient and before the
# message body goes out; see alerts/send.py for what a leftover "sending" row means.
PENDING, SENDING, SENT, FAILED, CANCELLED, UNCONFIRMED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "cancelled",
    "unconfirmed",
)


def digest_key(subscriber_id: int, frequency: str, period: str) -> str:
    """One digest per subscriber, frequency and period ("2025-03-04", "2025-W10")."""
    return f"digest:{subscriber_id}:{frequency}:{period}"


def alert_key(subscriber_id: int, bill_id: int, trigger_key: str) -> str:
    """One alert per subscriber, bill and event, however many crawls see the event."""
    return f"alert:{subscriber_id}:{bill_id}:{trigger_key}"


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` are already in the outbox (by the unique index, 500 at a time)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.in_(keys[start : start + 500])
                )
            )
        )
    return found


def enqueue(
    session: Session,
    *,
    key: str,
    subscriber_id: int,
    kind: str,
    recipient: str,
    message: Outgoing,
    now: dt.datetime,
) -> bool:
    """Store a message unless its key is already there; True when stored."""
    row = OutboxMessage(
        idempotency_key=key,
        subscriber_id=subscriber_id,
        kind=kind,
        recipient=recipient,
        subject=message.subject,
        message=message.raw,
        status=PENDING,
        created_at=now,
    )
    try:
        # A savepoint: a concurrent run that stored the same key first is not an error.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def requeue_unconfirmed(session: Session) -> int:
    """Put messages whose delivery is unknown back in the queue (after checking the mail log)."""
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == UNCONFIRMED)))
    for row in rows:
        row.status = PENDING
        row.next_attempt_at = None
    return len(rows)
