"""Delivery of the outbox over SMTP or to .eml files: the only module that talks to SMTP.

Exactly-once is impossible over SMTP (the server's final "250" can be lost with the process),
so the window of doubt is made as small as it can be and its outcome is never a double send:

1. MAIL FROM and RCPT TO are sent while the row is still "pending": a crash here leaves a row
   that was never handed over and is simply sent again.
2. Once the server accepts the recipient, the row is committed as "sending" with a lease, and
   only then is the body sent with DATA.
3. The server's 250 is followed at once by committing "sent".

A row still "sending" after its lease ran out means the process died between steps 2 and 3: the
server may or may not have the message. We choose at-most-once: such a row becomes
"unconfirmed" and is not resent automatically, because a repeated call to action erodes trust
faster than an operator can check one message. `billwatch outbox --requeue-unconfirmed` puts
them back after a look in the mail server's log (the Message-ID derives from the key, so the
message is easy to find there). The .eml transport is idempotent (the file name derives from
the key), so for it a "sending" row is simply written again.

The same holds within a run: a connection that drops after the body was handed over, before
the server's reply, may have left the message stored (servers do this under load), so the row
becomes "unconfirmed" at once instead of being retried.

A 4xx reply or a dropped connection before the hand-over is retried with exponential backoff; a
5xx reply to the recipient or the body marks the address failed and nothing more is sent to it.
Any other error with one message (an address the server cannot take, a broken stored message)
marks that message failed with its reason, and the pass goes on with the others. Error texts
are redacted (billwatch.redact) before they are stored, logged or printed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import CANCELLED, FAILED, PENDING, SENDING, SENT, UNCONFIRMED
from alerts.preflight import smtp_url_problem
from billwatch.db.models import Delivery, OutboxMessage, Subscriber, utcnow
from billwatch.redact import redact

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=10)  # longer than any single SMTP transaction takes


class SendError(Exception):
    """A failed delivery: `permanent` for 5xx replies, `address` when the recipient is at fault."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        *,
        permanent: bool = False,
        address: bool = False,
        connection: bool = False,
        unconfirmed: bool = False,
    ) -> None:
        super().__init__(redact(message))
        self.code = code
        self.permanent = permanent
        self.address = address
        self.connection = connection  # the server, not this message: stop this pass
        self.unconfirmed = unconfirmed  # no reply after the body left: it may be delivered


class Taken(Exception):
    """Another sender claimed the message first."""


class Transport:
    """Where messages go; `idempotent` transports may safely redo a half-finished delivery."""

    idempotent = False

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection."""

    def deliver(
        self, sender: str, recipient: str, key: str, message: str, handing_over: Callable[[], None]
    ) -> int:
        """Deliver one message; call `handing_over()` right before the body leaves."""
        raise NotImplementedError


class FileTransport(Transport):
    """Writes `<kind>-<hash of key>.eml` files into a folder: the demo's and tests' mailbox."""

    idempotent = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def deliver(
        self, sender: str, recipient: str, key: str, message: str, handing_over: Callable[[], None]
    ) -> int:
        handing_over()
        name = f"{key.split(':', 1)[0]}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.eml"
        tmp = self.folder / (name + ".tmp")
        tmp.write_text(message, encoding="utf-8")
        os.replace(tmp, self.folder / name)  # atomic: a reader never sees half a file
        return 250


class SmtpTransport(Transport):
    """SMTP with STARTTLS (smtp://, upgraded when offered or required) or TLS (smtps://)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        # "?starttls=require" refuses to send in clear; "never" is for local test servers.
        self.starttls = (query.get("starttls") or ["auto"])[0]
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if not self.implicit_tls and self.starttls != "never":
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif self.starttls == "require" or self.user:
                smtp.quit()  # never send a password in clear
                raise SendError(f"{self.host}:{self.port} does not offer STARTTLS", connection=True)
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def deliver(
        self, sender: str, recipient: str, key: str, message: str, handing_over: Callable[[], None]
    ) -> int:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except SendError:
                raise
            except (smtplib.SMTPException, OSError) as exc:
                # Refused logins and TLS failures are our configuration, not this message:
                # retried later (after the fix), never counted against the addresses.
                self.close()
                raise SendError(
                    f"cannot connect to {self.host}:{self.port}: {exc}", connection=True
                ) from None
        if not (sender.isascii() and recipient.isascii()):
            # Addresses are checked at the door; this catches rows stored before that check.
            raise SendError(
                f"address {recipient!r} needs SMTPUTF8, which billwatch does not send",
                permanent=True,
                address=not recipient.isascii(),
            )
        # SMTP wants CRLF line ends; the outbox stores LF (str.replace beats a regex here).
        data = message.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
        handed_over = False
        try:
            smtp = self._smtp
            code, reply = smtp.mail(sender)
            if code != 250:
                self._fail(code, reply, "MAIL FROM", address=False)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._fail(code, reply, "RCPT TO", address=True)
            try:
                handing_over()
            except Taken:
                smtp.rset()  # drop the envelope: the other sender delivers it
                raise
            handed_over = True
            code, reply = smtp.data(data)
            if code != 250:
                self._fail(code, reply, "DATA", address=True)
            return code
        except SendError:
            raise
        except smtplib.SMTPResponseException as exc:
            # The server answered, so it did not keep the message: safe to retry or fail.
            self.close()
            raise SendError(
                f"{exc.smtp_code} {exc.smtp_error!r}", exc.smtp_code, permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # the connection is in an unknown state: start afresh next time
            stage = "after the message was handed over" if handed_over else "before the hand-over"
            raise SendError(
                f"connection to {self.host}:{self.port} failed {stage}: {exc}",
                connection=True,
                unconfirmed=handed_over,
            ) from None

    def _fail(self, code: int, reply: bytes, stage: str, *, address: bool) -> None:
        try:
            self._smtp.rset()  # type: ignore[union-attr]
        except (smtplib.SMTPException, OSError):
            self.close()
        text = reply.decode("utf-8", "replace")
        raise SendError(
            f"{stage}: {code} {text}", code, permanent=code >= 500, address=address and code >= 500
        )


class BadSmtpUrl(ValueError):
    """BILLWATCH_SMTP_URL cannot be used; the message says why (without its password)."""


def transport_for(url: str) -> Transport:
    """The transport for BILLWATCH_SMTP_URL: smtp://, smtps:// or file:///folder."""
    problem = smtp_url_problem(url)
    if problem:
        raise BadSmtpUrl(problem)
    if urlsplit(url).scheme == "file":
        raw = url.split("://", 1)[1]
        return FileTransport(Path(unquote(raw)).expanduser())
    return SmtpTransport(url)


@dataclass
class SendSummary:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: bool = False  # the server could not be reached: the rest wait for the next pass


def recover_stale(session: Session, now: dt.datetime, idempotent: bool) -> int:
    """Rows left "sending" by a crashed run: redo them if the transport allows, else flag them."""
    rows = list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == SENDING, OutboxMessage.next_attempt_at < now
            )
        )
    )
    for row in rows:
        row.status = PENDING if idempotent else UNCONFIRMED
        row.last_error = "delivery interrupted between hand-over and confirmation"
        row.next_attempt_at = None
    return 0 if idempotent else len(rows)


def backoff(attempts: int, base_s: int) -> dt.timedelta:
    """Delay before the next try: base, 2*base, 4*base ... capped at six hours."""
    return dt.timedelta(seconds=min(base_s * 2 ** max(0, attempts - 1), 6 * 3600))


def send_pending(
    Session: sessionmaker[Session],
    transport: Transport,
    *,
    sender: str,  # noqa: N803
    clock: Callable[[], dt.datetime] = utcnow,
    max_attempts: int = 8,
    retry_base_s: int = 60,
    limit: int | None = None,
) -> SendSummary:
    """Send every due outbox message once; each row's state is committed on its own."""
    summary = SendSummary()
    with Session.begin() as session:
        summary.unconfirmed = recover_stale(session, clock(), transport.idempotent)
    with Session.begin() as session:
        now = clock()
        query = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == PENDING)
            .where(
                (OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now)
            )
            .order_by(OutboxMessage.id)
        )
        ids = list(session.scalars(query.limit(limit) if limit else query))
    for outbox_id in ids:
        if not _send_one(
            Session, transport, outbox_id, sender, clock, max_attempts, retry_base_s, summary
        ):
            summary.stopped = True  # the server is unreachable: the rest wait untouched
            break
    return summary


def _send_one(
    Session: sessionmaker[Session],
    transport: Transport,
    outbox_id: int,  # noqa: N803
    sender: str,
    clock: Callable[[], dt.datetime],
    max_attempts: int,
    retry_base_s: int,
    summary: SendSummary,
) -> bool:
    """Try one message; False when the server could not be reached at all."""
    session = Session()
    try:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.status != PENDING:
            return True  # another sender took it
        subscriber = session.get(Subscriber, row.subscriber_id)
        if subscriber is None or subscriber.status != "active":
            # Unsubscribed, removed or failed addresses get nothing more.
            row.status = CANCELLED
            row.last_error = f"subscriber is {subscriber.status if subscriber else 'gone'}"
            session.commit()
            summary.cancelled += 1
            return True

        def handing_over() -> None:
            # Conditional: if another sender (a CLI run beside the scheduler) claimed the row
            # since we read it, this one backs off before the body leaves.
            claimed = cast(
                CursorResult[Any],
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.status == PENDING)
                    .values(
                        status=SENDING,
                        attempts=OutboxMessage.attempts + 1,
                        next_attempt_at=clock() + LEASE,
                    )
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
            session.commit()
            if not claimed:
                raise Taken(row.idempotency_key)
            session.refresh(row)

        try:
            code = transport.deliver(
                _envelope_sender(sender),
                row.recipient,
                row.idempotency_key,
                row.message,
                handing_over,
            )
        except Taken:
            return True
        except SendError as exc:
            _record_failure(
                session,
                row,
                subscriber,
                exc,
                clock(),
                max_attempts,
                retry_base_s,
                summary,
                transport.idempotent,
            )
            return not exc.connection
        except Exception as exc:  # noqa: BLE001 - one broken message must not stop the others
            transport.close()  # its connection may be mid-command
            session.rollback()  # and reload the row as committed
            failure = SendError(
                f"{type(exc).__name__}: {exc}",
                permanent=True,
                unconfirmed=row.status == SENDING,
            )
            log.error("unexpected error sending %s: %s", row.idempotency_key, failure)
            _record_failure(
                session,
                row,
                subscriber,
                failure,
                clock(),
                max_attempts,
                retry_base_s,
                summary,
                transport.idempotent,
            )
            return True
        row.status = SENT
        row.sent_at = clock()
        row.next_attempt_at = None
        row.last_error = None
        session.add(
            Delivery(outbox_id=row.id, attempted_at=row.sent_at, result="sent", smtp_code=code)
        )
        session.commit()
        summary.sent += 1
        return True
    finally:
        session.close()


def _record_failure(
    session: Session,
    row: OutboxMessage,
    subscriber: Subscriber,
    exc: SendError,
    now: dt.datetime,
    max_attempts: int,
    retry_base_s: int,
    summary: SendSummary,
    idempotent: bool = False,
) -> None:
    """Record a failed try: unconfirmed, retry later, or failed for good."""
    if row.status == PENDING and not exc.connection:
        row.attempts += 1  # failed before the hand-over, which counts attempts otherwise
    row.last_error = str(exc)  # SendError redacts its message
    if exc.unconfirmed and not idempotent:
        # The server may have stored it: only a person (--requeue-unconfirmed) sends it again.
        row.status = UNCONFIRMED
        row.next_attempt_at = None
        result = "unconfirmed"
        summary.unconfirmed += 1
        log.warning("delivery of %s unconfirmed: %s", row.idempotency_key, exc)
    elif (exc.permanent and not exc.connection) or row.attempts >= max_attempts:
        row.status = FAILED
        row.next_attempt_at = None
        result = "failed"
        summary.failed += 1
        if exc.address:
            subscriber.status = "failed"
        log.warning("giving up on %s: %s", row.idempotency_key, exc)
    else:
        row.status = PENDING
        row.next_attempt_at = now + backoff(row.attempts, retry_base_s)
        result = "retry"
        summary.retried += 1
        log.info("will retry %s at %s: %s", row.idempotency_key, row.next_attempt_at, exc)
    summary.errors.append(f"{row.recipient}: {exc}")
    session.add(
        Delivery(
            outbox_id=row.id, attempted_at=now, result=result, smtp_code=exc.code, detail=str(exc)
        )
    )
    session.commit()


def _envelope_sender(mail_from: str) -> str:
    from email.utils import parseaddr

    return parseaddr(mail_from)[1] or mail_from


__all__ = [
    "CANCELLED",
    "FAILED",
    "SENT",
    "UNCONFIRMED",
    "FileTransport",
    "SendError",
    "SendSummary",
    "SmtpTransport",
    "Transport",
    "send_pending",
    "transport_for",
]
