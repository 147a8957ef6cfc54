"""Digests on SQLite and PostgreSQL: what is selected, in what order, and never an empty one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import time_machine
from sqlalchemy import select

from alerts.compose import compose_digests, digest_due, period_of
from alerts.context import matches
from alerts.select import changed_bill_ids, load_snapshots
from billwatch.db.models import OutboxMessage, Subscriber
from tests.alerts.conftest import (
    NOW,
    advance_sb5,
    amend_hb10,
    build_world,
    settings_for,
    subscribe,
    text_of,
)


def test_snapshot_has_current_tags_changes_and_hearing(Session, db_url):
    world = build_world(Session)
    amend_hb10(Session)
    with Session.begin() as s:
        snaps = load_snapshots(s, changed_bill_ids(s, NOW - dt.timedelta(days=1), NOW), NOW)
    assert set(snaps) == {world.hb10}  # SB 5 did not change
    hb10 = snaps[world.hb10]
    # The rejected survivor_services tag never counts; the new version added penalty_increase.
    assert hb10.tag_names == {"sex_work_criminalization", "penalty_increase"}
    assert hb10.tags_added == ["penalty_increase"] and hb10.tags_removed == ["survivor_services"]
    penalty = next(t for t in hb10.tags if t.name == "penalty_increase")
    assert penalty.inserted and "mandatory minimum" in penalty.inserted
    assert hb10.tags[0].group == "ALERT"
    hearing = hb10.next_hearing(NOW)
    assert hearing and hearing.committee == "Criminal Jurisprudence"
    assert hearing.location == "E2.014, Capitol Extension"
    assert hb10.version_note == "Committee Substitute" and hb10.stance == "ALERT"


def test_digest_per_subscriber_filters_and_orders(Session, db_url):
    build_world(Session)
    amend_hb10(Session)
    advance_sb5(Session)
    both = subscribe(Session, "both@example.org", states="TX", tags="alert,track")
    track = subscribe(Session, "track@example.org", tags="record_relief")
    ny = subscribe(Session, "ny@example.org", states="NY")
    words = subscribe(Session, "words@example.org", keywords="felony")
    settings = settings_for(db_url)
    with Session.begin() as s:
        done = compose_digests(s, "daily", NOW, settings)
    assert done.enqueued == 3 and done.empty == 1  # NY has nothing: no empty digest
    with Session.begin() as s:
        rows = {r.subscriber_id: r for r in s.scalars(select(OutboxMessage))}
        assert ny not in rows
        body = text_of(rows[both].message)
        assert body.index("HB 10") < body.index("SB 5")
        assert "SB 5" in text_of(rows[track].message) and "HB 10" not in rows[track].subject
        assert rows[track].subject == "billwatch daily digest: 1 bill (TX)"
        words_text = text_of(rows[words].message)
        assert "HB 10" in words_text and "SB 5" not in words_text
        assert rows[both].idempotency_key == f"digest:{both}:daily:2026-03-03"
        assert s.get(Subscriber, both).last_digest_at is not None


def test_next_digest_covers_only_what_changed_since(Session, db_url):
    build_world(Session)
    amend_hb10(Session)
    sid = subscribe(Session, "a@example.org", states="TX")
    settings = settings_for(db_url)
    with Session.begin() as s:
        assert compose_digests(s, "daily", NOW, settings).enqueued == 1
    tomorrow = NOW + dt.timedelta(days=1)
    with Session.begin() as s:  # nothing changed since: no digest tomorrow
        assert compose_digests(s, "daily", tomorrow, settings).empty == 1
    advance_sb5(Session, tomorrow)
    with Session.begin() as s:
        done = compose_digests(s, "daily", tomorrow + dt.timedelta(hours=1), settings)
        assert done.keys == [f"digest:{sid}:daily:2026-03-04"]
        message = text_of(
            s.scalar(
                select(OutboxMessage.message).where(OutboxMessage.idempotency_key == done.keys[0])
            )
        )
        assert "SB 5" in message and "HB 10 (89R)" not in message


def test_preview_writes_files_and_queues_nothing(Session, db_url, tmp_path: Path):
    build_world(Session)
    amend_hb10(Session)
    subscribe(Session, "a@example.org")
    with Session.begin() as s:
        done = compose_digests(s, "daily", NOW, settings_for(db_url), preview=tmp_path)
        assert s.scalar(select(OutboxMessage)) is None
    assert len(done.previews) == 1 and done.previews[0].suffix == ".html"
    assert "<mark>" in done.previews[0].read_text() or "<mark " in done.previews[0].read_text()
    assert len(list(tmp_path.glob("*.eml"))) == 1 and len(list(tmp_path.glob("*.txt"))) == 1


def test_periods_and_due_times_are_local():
    settings = settings_for("sqlite://")
    late_evening = dt.datetime(2026, 3, 3, 3, 30, tzinfo=dt.UTC)  # 22:30 on the 2nd in New York
    assert period_of("daily", late_evening, settings.timezone) == "2026-03-02"
    assert period_of("weekly", NOW, settings.timezone) == "2026-W10"
    six_am = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)
    assert not digest_due("daily", six_am, settings)
    assert digest_due("daily", six_am + dt.timedelta(hours=1), settings)
    monday_6 = dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC)
    assert not digest_due("weekly", monday_6, settings)
    assert digest_due("weekly", monday_6 + dt.timedelta(hours=1), settings)
    assert digest_due("weekly", NOW, settings)  # Tuesday: this week's is overdue


def test_matching_rules(Session, db_url):
    world = build_world(Session)
    with time_machine.travel(NOW, tick=False), Session.begin() as s:
        snaps = load_snapshots(s, [world.hb10, world.sb5], NOW)
    hb10, sb5 = snaps[world.hb10], snaps[world.sb5]
    assert matches(hb10, [], ["alert"], []) and not matches(sb5, [], ["alert"], [])
    assert matches(sb5, ["TX"], ["track"], []) and not matches(sb5, ["CA"], [], [])
    assert matches(hb10, [], [], ["LOITERING"]) and not matches(hb10, [], [], ["firearm"])
    assert not matches(hb10, [], ["alert"], ["firearm"])
    assert matches(hb10, [], [], [])  # any tagged bill when nothing narrower is asked


def test_freshness_is_the_newest_sighting_or_successful_crawl(Session, db_url):
    from alerts.select import freshness
    from billwatch.db.models import CrawlRun

    build_world(Session)
    later = NOW + dt.timedelta(hours=5)
    with Session.begin() as s:
        s.add(
            CrawlRun(
                source="legiscan", status="ok", states=["TX"], started_at=NOW, finished_at=later
            )
        )
        s.add(
            CrawlRun(
                source="legiscan",
                status="failed",
                states=["TX"],
                started_at=NOW,
                finished_at=later + dt.timedelta(hours=1),
            )
        )
        s.add(
            CrawlRun(
                source="congress",
                status="ok",
                states=["US"],
                started_at=NOW,
                finished_at=later + dt.timedelta(hours=2),
            )
        )
    with Session.begin() as s:
        fresh = freshness(s, {"TX", "CA"})
    assert fresh["TX"] == later  # the failed run does not count, nor another state's
    assert fresh["CA"] is None


def test_a_retrained_classifier_alone_does_not_make_a_bill_news(Session, db_url):
    from alerts.select import retagged_bill_ids
    from billwatch.db.models import BillVersion, Tag, VersionClassification

    world = build_world(Session)
    since = NOW - dt.timedelta(days=1)
    with Session.begin() as s:
        sb5_version = s.scalar(select(BillVersion.id).where(BillVersion.bill_id == world.sb5))
        # Version 2 of the classifier finds the same record_relief tag again: not news.
        s.add(
            VersionClassification(
                version_id=sb5_version, classifier_version="v2", stance="TRACK", classified_at=NOW
            )
        )
        s.add(
            Tag(
                version_id=sb5_version,
                tag="record_relief",
                score=0.8,
                evidence="x",
                classifier_version="v2",
                created_at=NOW,
            )
        )
    with Session() as s:
        assert world.sb5 not in changed_bill_ids(s, since, NOW)
    with Session.begin() as s:
        # Version 3 also finds civil_remedies: the tags changed, so the bill is news again.
        s.add(
            VersionClassification(
                version_id=sb5_version, classifier_version="v3", stance="TRACK", classified_at=NOW
            )
        )
        for name in ("record_relief", "civil_remedies"):
            s.add(
                Tag(
                    version_id=sb5_version,
                    tag=name,
                    score=0.8,
                    evidence="x",
                    classifier_version="v3",
                    created_at=NOW,
                )
            )
    with Session() as s:
        assert retagged_bill_ids(s, since) == {world.sb5}
        assert world.sb5 in changed_bill_ids(s, since, NOW)
