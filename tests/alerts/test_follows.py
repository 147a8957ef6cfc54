"""Workbench follows and saved searches as subscriptions: digests and calls to action honour them.

A user's follows belong to the subscriber with the same address; they bring their bills whatever
the states and tags of the subscriptions. Mail goes through a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

from sqlalchemy import select

from alerts.compose import compose_alerts, compose_digests
from alerts.select import followed_bill_ids
from alerts.send import SmtpTransport, send_pending
from billwatch.db import faceted
from billwatch.db.models import Follow, OutboxMessage, Person, Sponsorship, Subscriber, User
from tests.alerts.conftest import (
    NOW,
    advance_sb5,
    amend_hb10,
    build_world,
    settings_for,
    subscribe,
    text_of,
)

SAVED = "/search?state=TX&tag=penalty_increase&page=3&sort=identifier"


def add_user(Session, email: str, follows: list[tuple[str, str]], active: bool = True) -> int:  # noqa: N803
    """A workbench user (the hash is never checked here) and their follows."""
    with Session.begin() as s:
        user = User(email=email, name="Analyst", password_hash="unused", role="viewer")
        user.active = active
        s.add(user)
        s.flush()
        for kind, target in follows:
            s.add(Follow(user_id=user.id, kind=kind, target=target, label=target))
        return user.id


def sponsor(Session, bill_id: int, name: str) -> int:  # noqa: N803
    """Make the legislator `name` the primary sponsor of the bill; returns the person's id."""
    with Session.begin() as s:
        person = s.scalar(select(Person).where(Person.name == name))
        assert person is not None
        s.add(Sponsorship(bill_id=bill_id, name=name, person_id=person.id))
        return person.id


def messages(Session) -> dict[int, list[OutboxMessage]]:  # noqa: N803
    out: dict[int, list[OutboxMessage]] = {}
    with Session() as s:
        for row in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            s.expunge(row)
            out.setdefault(row.subscriber_id, []).append(row)
    return out


def test_followed_bill_and_saved_search_reach_the_digest_outside_preferences(
    Session, db_url, smtpd
):
    recorder, smtp_url = smtpd
    world = build_world(Session)
    amend_hb10(Session)
    advance_sb5(Session)
    # Both subscribers only want New York; only the analyst follows Texas bills in the workbench.
    analyst = subscribe(Session, "analyst@example.org", states="NY")
    other = subscribe(Session, "other@example.org", states="NY")
    add_user(Session, "Analyst@Example.org", [("bill", str(world.sb5)), ("search", SAVED)])
    settings = settings_for(db_url)
    with Session.begin() as s:
        done = compose_digests(s, "daily", NOW, settings)
    assert done.enqueued == 1 and done.empty == 1
    queued = messages(Session)
    assert other not in queued
    body = text_of(queued[analyst][0].message)
    assert "SB 5" in body  # the followed bill
    assert "HB 10" in body  # found by the saved search (penalty_increase in TX)
    assert queued[analyst][0].subject.startswith("billwatch daily digest: 2 bills")

    with SmtpTransport(smtp_url, timeout=5) as transport:
        summary = send_pending(Session, transport, sender=settings.mail_from, clock=lambda: NOW)
    assert summary.sent == 1
    assert recorder.envelopes == [("alerts@coalition.example", ["analyst@example.org"])]
    arrived = recorder.messages[0].get_body(("plain",)).get_content()
    assert "HB 10" in arrived and "SB 5" in arrived


def test_without_follows_nothing_changes_and_unfollowing_stops_it(Session, db_url):
    world = build_world(Session)
    advance_sb5(Session)
    analyst = subscribe(Session, "analyst@example.org", states="NY")
    user = add_user(Session, "analyst@example.org", [("bill", str(world.sb5))])
    settings = settings_for(db_url)
    with Session.begin() as s:
        s.query(Follow).filter(Follow.user_id == user).delete()
    with Session.begin() as s:
        assert compose_digests(s, "daily", NOW, settings).empty == 1
    assert analyst not in messages(Session)


def test_followed_legislator_brings_the_bills_they_sponsor(Session, db_url):
    world = build_world(Session)
    amend_hb10(Session)
    person = sponsor(Session, world.hb10, "Ana Chair")
    add_user(Session, "a@example.org", [("person", str(person))])
    analyst = subscribe(Session, "a@example.org", states="NY", frequency="weekly")
    with Session() as s:
        assert followed_bill_ids(s, [analyst], {world.hb10, world.sb5}) == {analyst: {world.hb10}}
    with Session.begin() as s:
        # Tuesday NOW is in the week; the weekly digest covers the last seven days.
        assert compose_digests(s, "weekly", NOW, settings_for(db_url)).enqueued == 1
    assert "HB 10" in text_of(messages(Session)[analyst][0].message)


def test_follows_only_subscriber_gets_a_daily_digest_unless_paused_or_user_inactive(
    Session, db_url
):
    world = build_world(Session)
    advance_sb5(Session)
    with Session.begin() as s:
        only = Subscriber(email="only@example.org")  # no subscription: follows alone
        paused = Subscriber(email="paused@example.org", status="paused")
        gone = Subscriber(email="gone@example.org")
        s.add_all([only, paused, gone])
        s.flush()
        ids = only.id, paused.id, gone.id
    for email, active in (("only@", True), ("paused@", True), ("gone@", False)):
        add_user(Session, email + "example.org", [("bill", str(world.sb5))], active=active)
    settings = settings_for(db_url)
    with Session.begin() as s:
        assert compose_digests(s, "weekly", NOW, settings).enqueued == 0  # daily is the default
    with Session.begin() as s:
        assert compose_digests(s, "daily", NOW, settings).enqueued == 1
    queued = messages(Session)
    assert set(queued) == {ids[0]}
    assert "SB 5" in text_of(queued[ids[0]][0].message)


def test_followed_alert_bill_sends_a_call_to_action_in_any_state(Session, db_url, smtpd):
    recorder, smtp_url = smtpd
    world = build_world(Session)
    amend_hb10(Session)  # HB 10 turns ALERT and gets a hearing: a trigger
    # The analyst has only a weekly New York digest, no immediate subscription.
    analyst = subscribe(Session, "analyst@example.org", states="NY", frequency="weekly")
    ny_now = subscribe(Session, "ny-now@example.org", states="NY", frequency="immediate")
    track = subscribe(Session, "track@example.org", frequency="weekly")
    add_user(Session, "analyst@example.org", [("bill", str(world.hb10))])
    add_user(Session, "track@example.org", [("bill", str(world.sb5))])  # a TRACK bill: no alert
    settings = settings_for(db_url)
    with Session.begin() as s:
        done = compose_alerts(s, NOW, settings)
    assert done.enqueued >= 1
    queued = messages(Session)
    assert set(queued) == {analyst}
    assert ny_now not in queued and track not in queued
    assert all(m.kind == "alert" for m in queued[analyst])
    assert all(f":{world.hb10}:" in m.idempotency_key for m in queued[analyst])
    with SmtpTransport(smtp_url, timeout=5) as transport:
        summary = send_pending(Session, transport, sender=settings.mail_from, clock=lambda: NOW)
    assert summary.sent == len(queued[analyst])
    arrived = recorder.messages[0].get_body(("plain",)).get_content()
    assert "HB 10" in arrived and "Criminal Jurisprudence" in arrived
    with Session.begin() as s:  # composed again: the idempotency key stops a repeat
        assert compose_alerts(s, NOW, settings).enqueued == 0


def test_saved_search_finds_what_the_search_page_shows(Session, db_url):
    world = build_world(Session)
    amend_hb10(Session)
    advance_sb5(Session)
    with Session() as s:
        for url in (SAVED, "/search?state=TX", "/search?q=prostitution", "/search?stance=TRACK"):
            f = faceted.saved_search_filters(url)
            page = {r.bill_id for r in faceted.run(s, f, facets=False).rows}
            assert faceted.matching_ids(s, f) == page, url
        assert faceted.matching_ids(s, faceted.saved_search_filters(SAVED)) == {world.hb10}
        assert faceted.matching_ids(s, faceted.saved_search_filters("/search?state=NY")) == set()
    # A saved search the search page would refuse is skipped, not fatal to the digest.
    sid = subscribe(Session, "x@example.org", states="NY")
    add_user(Session, "x@example.org", [("search", "/search?tag=no_such_tag"), ("bill", "99999")])
    with Session() as s:
        assert followed_bill_ids(s, [sid], {world.hb10, world.sb5}) == {}
    for bad in ("https://evil.example/search?q=x", "/bills/1", "/search?state=Texas"):
        try:
            faceted.saved_search_filters(bad)
        except faceted.BadFilter:
            continue
        raise AssertionError(f"{bad} was accepted")
