"""Delivery through a real SMTP server (aiosmtpd): headers, parts, escaping, retries, no repeats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.compose import compose_alerts, compose_digests
from alerts.outbox import SENDING, SENT, UNCONFIRMED, requeue_unconfirmed
from alerts.send import FileTransport, SmtpTransport, send_pending
from alerts.unsubscribe import read_token, unsubscribe
from billwatch.db.models import Delivery, OutboxMessage, Subscriber
from tests.alerts.conftest import (
    NOW,
    SECRET,
    advance_sb5,
    amend_hb10,
    build_world,
    settings_for,
    subscribe,
    token_for,
)

TITLE = 'Relating to <script>alert("x")</script> loitering & prostitution'


@pytest.fixture
def world(Session):  # noqa: N803 - the sessionmaker fixture, on SQLite and PostgreSQL
    build_world(Session, title=TITLE)
    amend_hb10(Session)
    advance_sb5(Session)
    return Session


def queue_digest(Session, url: str, email: str = "amy@example.org") -> int:  # noqa: N803
    sid = subscribe(
        Session,
        email,
        name="Amy Organizer",
        organization="Coalition",
        states="TX",
        tags="alert,track",
        frequency="daily",
    )
    with Session.begin() as s:
        assert compose_digests(s, "daily", NOW, settings_for(url)).enqueued == 1
    return sid


def send(Session, smtp_url: str, clock=lambda: NOW, **kwargs):  # noqa: N803
    with SmtpTransport(smtp_url, timeout=5) as transport:
        return send_pending(
            Session, transport, sender="alerts@coalition.example", clock=clock, **kwargs
        )


def test_digest_arrives_with_headers_and_both_parts(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    summary = send(world, smtp_url)
    assert summary.sent == 1 and len(recorder.messages) == 1
    msg = recorder.messages[0]
    assert msg["From"] == "billwatch <alerts@coalition.example>"
    assert msg["To"] == "Amy Organizer <amy@example.org>"
    assert msg["Subject"].startswith("billwatch daily digest: 2 bills, 1 ALERT")
    assert msg["Date"].datetime == NOW
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@coalition.example>")
    unsub = msg["List-Unsubscribe"]
    assert "<mailto:unsubscribe@coalition.example?subject=unsubscribe%20" in unsub
    assert "<https://alerts.coalition.example/unsubscribe/" in unsub
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The header travels as plain URLs, not RFC 2047 words that clients would not follow.
    assert b"\r\nList-Unsubscribe: <mailto:unsubscribe@coalition.example?" in recorder.raw[0]
    token = unsub.rsplit("/unsubscribe/", 1)[1].rstrip(">")
    claim = read_token(token, SECRET)
    with world.begin() as s:
        amy = s.scalar(select(Subscriber).where(Subscriber.email == "amy@example.org"))
        assert claim.subscriber_id == amy.id and claim.matches(amy)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "HB 10" in text and "HB 10" in html and "SB 5" in text
    assert text.index("HB 10") < text.index("SB 5")  # ALERT before TRACK
    assert "<mark" in html and "mandatory minimum of two years</mark>" in html
    assert 'style="' in html  # CSS inlined onto the elements
    assert recorder.envelopes[0] == ("alerts@coalition.example", ["amy@example.org"])


def test_script_in_title_arrives_escaped(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    send(world, smtp_url)
    html = recorder.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; loitering &amp; prostitution' in html
    text = recorder.messages[0].get_body(("plain",)).get_content()
    assert TITLE in text  # the text part shows the title as written


def test_no_tracking_pixels_or_rewritten_links(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    send(world, smtp_url)
    html = recorder.messages[0].get_body(("html",)).get_content()
    assert "<img" not in html
    assert 'href="https://capitol.texas.gov/tlodocs/HB10C.htm"' in html


def test_rerun_and_second_compose_do_not_send_twice(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    send(world, smtp_url)
    with world.begin() as s:  # the same period again: the key is taken
        assert (
            compose_digests(s, "daily", NOW + dt.timedelta(hours=2), settings_for(db_url)).enqueued
            == 0
        )
    assert send(world, smtp_url).sent == 0
    assert len(recorder.messages) == 1


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it)."""


def test_crash_between_send_and_mark_sent_does_not_double_send(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)

    class DiesAfterData(SmtpTransport):
        def deliver(self, *args, **kwargs):
            super().deliver(*args, **kwargs)
            raise Crash  # the server said 250; the process dies before recording it

    with pytest.raises(Crash):
        with DiesAfterData(smtp_url, timeout=5) as transport:
            send_pending(world, transport, sender="alerts@coalition.example", clock=lambda: NOW)
    assert len(recorder.messages) == 1  # the server has it ...
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == SENDING  # ... but we never recorded it
    # Restart soon after: the lease still runs, nothing is touched.
    assert send(world, smtp_url, clock=lambda: NOW + dt.timedelta(minutes=1)).sent == 0
    # Restart after the lease: the row is flagged for a person to check, never resent.
    later = send(world, smtp_url, clock=lambda: NOW + dt.timedelta(hours=1))
    assert later.sent == 0 and later.unconfirmed == 1
    assert len(recorder.messages) == 1
    with world.begin() as s:
        assert s.scalar(select(OutboxMessage)).status == UNCONFIRMED


def test_dropped_connection_after_data_is_unconfirmed_not_resent(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    amy = queue_digest(world, db_url)
    queue_digest(world, db_url, email="bo@example.org")
    recorder.drop_after_data = 1
    first = send(world, smtp_url)
    assert first.sent == 0 and first.unconfirmed == 1 and first.stopped
    assert len(recorder.messages) == 1  # the server kept amy's digest
    with world.begin() as s:
        rows = {r.subscriber_id: r for r in s.scalars(select(OutboxMessage))}
        assert rows[amy].status == UNCONFIRMED and rows[amy].next_attempt_at is None
        assert "after the message was handed over" in rows[amy].last_error
        assert [r.status for sid, r in rows.items() if sid != amy] == ["pending"]
        assert s.scalar(select(Delivery.result).where(Delivery.outbox_id == rows[amy].id)) == (
            "unconfirmed"
        )
    # Later passes, however late, send bo's and never amy's again.
    for hours in (1, 48):
        send(world, smtp_url, clock=lambda h=hours: NOW + dt.timedelta(hours=h))
    recipients = [m["To"].addresses[0].addr_spec for m in recorder.messages]
    assert recipients == ["amy@example.org", "bo@example.org"]
    # Only a person's decision sends it again (after finding it absent from the mail log).
    with world.begin() as s:
        assert requeue_unconfirmed(s) == 1
    assert send(world, smtp_url, clock=lambda: NOW + dt.timedelta(days=3)).sent == 1
    assert [m["Message-ID"] for m in recorder.messages].count(
        recorder.messages[0]["Message-ID"]
    ) == 2


def test_an_error_with_one_message_does_not_stop_the_others(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url, email="amy@example.org")
    queue_digest(world, db_url, email="bo@example.org")
    queue_digest(world, db_url, email="cy@example.org")

    class BreaksOnBo(SmtpTransport):
        def deliver(self, sender, recipient, key, message, handing_over):
            if recipient == "bo@example.org":
                raise RuntimeError("something unforeseen about this one message")
            return super().deliver(sender, recipient, key, message, handing_over)

    with BreaksOnBo(smtp_url, timeout=5) as transport:
        summary = send_pending(
            world, transport, sender="alerts@coalition.example", clock=lambda: NOW
        )
    assert summary.sent == 2 and summary.failed == 1 and not summary.stopped
    assert sorted(m["To"].addresses[0].addr_spec for m in recorder.messages) == [
        "amy@example.org",
        "cy@example.org",
    ]
    with world.begin() as s:
        bo = s.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "bo@example.org"))
        assert bo.status == "failed" and "RuntimeError: something unforeseen" in bo.last_error


def test_address_stored_before_validation_fails_alone(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url, email="amy@example.org")
    bad = queue_digest(world, db_url, email="zed@example.org")
    with world.begin() as s:
        # As `subscribers add` accepted it before it validated: Cyrillic "е" in "еve".
        s.get(Subscriber, bad).email = "\u0435ve@example.org"
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.subscriber_id == bad)):
            row.recipient = "\u0435ve@example.org"
    summary = send(world, smtp_url)
    assert summary.sent == 1 and summary.failed == 1
    assert [m["To"].addresses[0].addr_spec for m in recorder.messages] == ["amy@example.org"]
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.subscriber_id == bad))
        assert row.status == "failed" and "SMTPUTF8" in row.last_error


def test_crash_before_hand_over_is_sent_after_restart(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)

    class DiesBeforeData(SmtpTransport):
        def deliver(self, sender, recipient, key, message, handing_over):
            raise Crash

    with pytest.raises(Crash):
        with DiesBeforeData(smtp_url) as transport:
            send_pending(world, transport, sender="alerts@coalition.example", clock=lambda: NOW)
    assert send(world, smtp_url).sent == 1
    assert len(recorder.messages) == 1


def test_451_is_retried_with_backoff(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    recorder.rcpt_replies.append("451 4.7.1 Try again later")
    first = send(world, smtp_url)
    assert first.retried == 1 and not recorder.messages
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "pending" and row.attempts == 1
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) == NOW + dt.timedelta(seconds=60)
    assert send(world, smtp_url, clock=lambda: NOW + dt.timedelta(seconds=30)).sent == 0
    recorder.data_replies.append("452 4.3.1 Insufficient storage")
    second = send(world, smtp_url, clock=lambda: NOW + dt.timedelta(seconds=61))
    assert second.retried == 1
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.attempts == 2  # the backoff doubles
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) == NOW + dt.timedelta(seconds=181)
    third = send(world, smtp_url, clock=lambda: NOW + dt.timedelta(seconds=200))
    assert third.sent == 1 and len(recorder.messages) == 1
    with world.begin() as s:
        results = [d.result for d in s.scalars(select(Delivery).order_by(Delivery.id))]
        assert results == ["retry", "retry", "sent"]
        assert s.scalar(select(OutboxMessage)).status == SENT


def test_retries_stop_after_max_attempts(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    queue_digest(world, db_url)
    recorder.rcpt_replies += ["421 busy"] * 3
    for minute in range(3):
        send(world, smtp_url, clock=lambda m=minute: NOW + dt.timedelta(days=m), max_attempts=3)
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "failed" and row.attempts == 3
        assert s.scalar(select(Subscriber)).status == "active"  # a busy server is not their fault


def test_550_stops_and_marks_the_address_failed(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    sid = queue_digest(world, db_url)
    recorder.rcpt_replies.append("550 5.1.1 No such user")
    summary = send(world, smtp_url)
    assert summary.failed == 1 and not recorder.messages
    with world.begin() as s:
        assert s.scalar(select(OutboxMessage)).status == "failed"
        assert s.get(Subscriber, sid).status == "failed"
    # Later mail to that address is never attempted.
    subscribe_again = send(world, smtp_url, clock=lambda: NOW + dt.timedelta(days=1))
    assert subscribe_again.sent == 0 and not recorder.messages


def test_unsubscribed_address_gets_nothing(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    sid = queue_digest(world, db_url)
    other = queue_digest(world, db_url, email="bo@example.org")
    token = token_for(world, sid)
    with world.begin() as s:
        unsubscribe(s, token, SECRET)
    summary = send(world, smtp_url)
    assert summary.sent == 1
    assert [m["To"].addresses[0].addr_spec for m in recorder.messages] == ["bo@example.org"]
    with world.begin() as s:
        assert s.get(Subscriber, sid).status == "unsubscribed"
        assert s.get(Subscriber, other).status == "active"
        # and the next digest run does not even render one for them
        advance = compose_digests(s, "daily", NOW + dt.timedelta(days=1), settings_for(db_url))
        assert all(not k.startswith(f"digest:{sid}:") for k in advance.keys)


def test_alert_delivered_once_with_contacts_and_script(world, db_url, smtpd):
    recorder, smtp_url = smtpd
    subscribe(
        world, "rapid@example.org", name="Rae", states="TX", tags="alert", frequency="immediate"
    )
    settings = settings_for(db_url)
    for hours in (0, 1, 5):  # three crawls see the same hearing
        with world.begin() as s:
            compose_alerts(s, NOW + dt.timedelta(hours=hours), settings)
        send(world, smtp_url)
    assert len(recorder.messages) == 1
    msg = recorder.messages[0]
    assert msg["Subject"].startswith("ACTION NEEDED: TX HB 10: Hearing scheduled")
    text = msg.get_body(("plain",)).get_content()
    assert "Ana Chair (chair)" in text and "512-555-0100" in text and "district 12" in text
    assert "vote NO on HB 10" in text
    assert "Creates crimes or raises penalties" in text  # the taxonomy's words
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_file_transport_writes_eml_idempotently(world, db_url, tmp_path: Path):
    queue_digest(world, db_url)
    outbox = tmp_path / "mail"
    with FileTransport(outbox) as transport:
        assert send_pending(world, transport, sender="a@b.example", clock=lambda: NOW).sent == 1
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1 and "List-Unsubscribe-Post" in files[0].read_text()


def test_unreachable_server_leaves_the_queue_for_later(world, db_url):
    from tests.alerts.conftest import free_port

    queue_digest(world, db_url)
    queue_digest(world, db_url, email="bo@example.org")
    summary = send(world, f"smtp://127.0.0.1:{free_port()}?starttls=never")
    assert summary.sent == 0 and summary.retried == 1 and summary.failed == 0
    with world.begin() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [r.status for r in rows] == ["pending", "pending"]
        assert [r.attempts for r in rows] == [0, 0]  # not the messages' fault
        assert rows[0].next_attempt_at is not None and rows[1].next_attempt_at is None
        assert {sub.status for sub in s.scalars(select(Subscriber))} == {"active"}


def test_a_message_claimed_by_another_sender_is_not_sent_twice(world, db_url, smtpd):
    from sqlalchemy import update

    recorder, smtp_url = smtpd
    queue_digest(world, db_url)

    class Racing(SmtpTransport):
        def deliver(self, sender, recipient, key, message, handing_over):
            with world.begin() as other:  # a CLI run beside the scheduler takes it first
                other.execute(update(OutboxMessage).values(status=SENDING))
            return super().deliver(sender, recipient, key, message, handing_over)

    with Racing(smtp_url, timeout=5) as transport:
        summary = send_pending(
            world, transport, sender="alerts@coalition.example", clock=lambda: NOW
        )
    assert summary.sent == 0 and not recorder.messages
    with world.begin() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == SENDING and row.attempts == 0  # left to its owner
