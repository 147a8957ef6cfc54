"""Rapid response: which events on which bills alert whom, with contacts, exactly once."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from alerts.compose import compose_alerts
from alerts.context import detect_triggers
from alerts.select import load_snapshots
from billwatch.db.models import OutboxMessage
from billwatch.db.store import find_bill, upsert_bill
from billwatch.records import ActionRecord, BillRecord
from tests.alerts.conftest import (
    NOW,
    amend_hb10,
    build_world,
    settings_for,
    subscribe,
    text_of,
)


def add_action(
    Session,
    identifier: str,
    description: str,
    organization: str,  # noqa: N803
    when: dt.datetime = NOW,
) -> None:
    with time_machine.travel(when, tick=False), Session.begin() as s:
        bill = find_bill(s, "TX", "89R", identifier)
        record = BillRecord(
            jurisdiction="TX",
            session="89R",
            identifier=identifier,
            title=bill.title,
            actions=[
                *(
                    ActionRecord(
                        date=a.date, description=a.description, organization=a.organization
                    )
                    for a in bill.actions
                ),
                ActionRecord(date=when.date(), description=description, organization=organization),
            ],
        )
        upsert_bill(s, record, now=when)


def alerts_for(Session, db_url, now=NOW) -> list[OutboxMessage]:  # noqa: N803
    with Session.begin() as s:
        compose_alerts(s, now, settings_for(db_url))
    with Session.begin() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_hearing_on_alert_bill_alerts_matching_immediate_subscribers(Session, db_url):
    build_world(Session)
    amend_hb10(Session)
    rae = subscribe(
        Session, "rae@example.org", states="TX", tags="penalty_increase", frequency="immediate"
    )
    subscribe(Session, "ca@example.org", states="CA", tags="alert", frequency="immediate")
    subscribe(Session, "track@example.org", tags="track", frequency="immediate")
    subscribe(Session, "daily@example.org", states="TX", tags="alert", frequency="daily")
    rows = alerts_for(Session, db_url)
    assert [r.subscriber_id for r in rows] == [rae]
    key = rows[0].idempotency_key
    assert key.startswith(f"alert:{rae}:") and ":event:" in key
    assert "Members of the Criminal Jurisprudence committee" in text_of(rows[0].message)
    assert len(alerts_for(Session, db_url, NOW + dt.timedelta(hours=3))) == 1  # no repeat


def test_passage_and_governor_each_alert_once(Session, db_url):
    world = build_world(Session)
    amend_hb10(Session)
    sid = subscribe(Session, "rae@example.org", tags="alert", frequency="immediate")
    alerts_for(Session, db_url)
    later = NOW + dt.timedelta(days=4)
    add_action(Session, "HB 10", "Passed the House (Record 112)", "lower", later)
    rows = alerts_for(Session, db_url, later)
    passage = [r for r in rows if "Passed a chamber" in r.subject]
    assert len(passage) == 1
    # The bill goes to the Senate next: its members are whom to call.
    passage_text = text_of(passage[0].message)
    assert "Cy Senator" in passage_text and "Ana Chair" not in passage_text
    last = later + dt.timedelta(days=10)
    add_action(Session, "HB 10", "Sent to the Governor", "executive", last)
    rows = alerts_for(Session, db_url, last)
    governor = [r for r in rows if "Sent to the governor" in r.subject]
    assert len(governor) == 1 and "Governor of Texas" in text_of(governor[0].message)
    assert "veto" in text_of(governor[0].message)
    assert {r.subscriber_id for r in rows} == {sid} and len(rows) == 3
    assert world.hb10 in {int(r.idempotency_key.split(":")[2]) for r in rows}


def test_no_alert_for_track_only_bills_or_old_actions(Session, db_url):
    world = build_world(Session)
    subscribe(Session, "rae@example.org", frequency="immediate")
    add_action(Session, "SB 5", "Passed the Senate", "upper")
    assert alerts_for(Session, db_url) == []  # SB 5 is TRACK only
    with Session.begin() as s:
        hb10 = load_snapshots(s, [world.hb10], NOW)[world.hb10]
    # HB 10's actions are 20 days old: outside the lookback, nothing to call about.
    assert detect_triggers(hb10, NOW, lookback_days=3) == []
    assert [t.kind for t in detect_triggers(hb10, NOW, lookback_days=30)] == []  # filed/referred


def test_committee_vote_uses_chamber_when_committee_unknown(Session, db_url):
    build_world(Session)
    amend_hb10(Session)
    later = NOW + dt.timedelta(days=5)  # the hearing has passed by then
    add_action(Session, "HB 10", "Reported favorably as substituted", "lower", later)
    subscribe(Session, "rae@example.org", states="TX", frequency="immediate")
    rows = alerts_for(Session, db_url, later)
    assert [r.subject for r in rows] == ["ACTION NEEDED: TX HB 10: Committee vote"]
    vote_text = text_of(rows[0].message)
    assert "Ana Chair" in vote_text and "Cy Senator" not in vote_text


def test_committee_named_in_the_action_and_people_known_twice(Session, db_url):
    from billwatch.db.store import upsert_person
    from billwatch.records import PersonRecord

    build_world(Session)
    amend_hb10(Session)
    with Session.begin() as s:  # the same legislator again, from another source, no contacts
        upsert_person(
            s,
            PersonRecord(
                jurisdiction="TX",
                name="Cy  Senator",
                source_key="legiscan-person/77",
                chamber="upper",
                district="3",
            ),
        )
    later = NOW + dt.timedelta(days=5)
    add_action(Session, "HB 10", "Reported favorably from Criminal Jurisprudence", "lower", later)
    add_action(Session, "HB 10", "Passed the House", "lower", later)
    subscribe(Session, "rae@example.org", states="TX", frequency="immediate")
    rows = {r.subject: text_of(r.message) for r in alerts_for(Session, db_url, later)}
    vote = rows["ACTION NEEDED: TX HB 10: Committee vote"]
    assert "Members of the Criminal Jurisprudence committee" in vote
    passage = rows["ACTION NEEDED: TX HB 10: Passed a chamber"]
    assert passage.count("Senator") == 1 and "512-555-0102" in passage
