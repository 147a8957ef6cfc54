"""The pure context builders, on hand-made snapshots (no database)."""

from __future__ import annotations

import datetime as dt

from alerts import context as c

NOW = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=30)


def snapshot(
    n: int, tags: list[str], *, state: str = "CA", actions=(), hearings=()
) -> c.BillSnapshot:
    return c.BillSnapshot(
        bill_id=n,
        jurisdiction_id=1,
        state=state,
        state_name="California",
        session="2026",
        identifier=f"AB {n}",
        title=f"Bill {n}",
        status="introduced",
        first_seen=NOW,
        tags=[c.TagView(name=t, score=0.9, evidence="quote") for t in tags],
        actions=list(actions),
        hearings=list(hearings),
    )


def action(key: str, classes: list[str], when: dt.date, org: str = "lower") -> c.ActionView:
    return c.ActionView(
        key=key,
        date=when,
        description=key,
        organization=org,
        classification=classes,
        created_at=NOW,
    )


def test_evidence_window_cuts_at_words():
    text = "alpha beta gamma " * 20 + "THE QUOTE" + " delta epsilon" * 20
    start = text.index("THE QUOTE")
    before, after = c.evidence_window(text, start, start + 9, "THE QUOTE")
    assert before.startswith("…") and before.endswith(" ") and len(before) <= c.EVIDENCE_CONTEXT + 2
    assert after.startswith(" delta") and after.endswith("…")
    assert c.evidence_window(text, None, None, "x") == ("", "")
    assert c.evidence_window(text, 5, 10_000, "x") == ("", "")  # a span outside the text


def test_inserted_overlap_finds_the_inserted_text():
    text = "keep this. NEW FELONY added. keep that."
    spans = [[text.index("NEW"), text.index(" added")]]
    assert (
        c.inserted_overlap(spans, text, text.index("FELONY"), text.index("FELONY") + 6)
        == "NEW FELONY"
    )
    assert c.inserted_overlap(spans, text, 0, 4) is None
    long = "old. " + "new words " * 100 + "THE QUOTE " + "more new " * 100
    span = [[5, len(long)]]
    quote = long.index("THE QUOTE")
    shown = c.inserted_overlap(span, long, quote, quote + 9)
    assert shown.startswith("…") and shown.endswith("…") and "THE QUOTE" in shown
    assert len(shown) <= 2 * c.EVIDENCE_CONTEXT + 20  # a new section can be pages long


def test_digest_lists_beyond_the_detail_limit_and_counts_the_rest():
    bills = [snapshot(n, ["penalty_increase"]) for n in range(c.DETAIL_LIMIT + c.LIST_LIMIT + 5)]
    digest = c.build_digest(
        c.Recipient(1, "a@b.example"),
        [([], [], [])],
        bills,
        frequency="daily",
        period="p",
        since=NOW - dt.timedelta(days=1),
        now=NOW,
        freshness={},
    )
    assert digest is not None
    assert len(digest.items) == c.DETAIL_LIMIT and len(digest.more) == c.LIST_LIMIT
    assert digest.left_out == 5 and digest.total == len(bills)
    assert digest.by_tag == [("penalty_increase", "Penalty increase", len(bills))]


def test_alert_bills_sort_before_track_and_untagged():
    bills = [snapshot(1, []), snapshot(2, ["record_relief"]), snapshot(3, ["carceral_funding"])]
    assert [b.bill_id for b in sorted(bills, key=c.sort_key)] == [3, 2, 1]


def test_no_digest_when_nothing_changed_for_the_subscriber():
    bill = snapshot(1, ["penalty_increase"])
    bill.first_seen = OLD
    assert (
        c.build_digest(
            c.Recipient(1, "a@b.example"),
            [([], [], [])],
            [bill],
            frequency="daily",
            period="p",
            since=NOW - dt.timedelta(days=1),
            now=NOW,
            freshness={},
        )
        is None
    )


def test_triggers_need_an_alert_tag_and_a_recent_event():
    today = NOW.date()
    moves = [
        action("a1", ["committee-passage"], today),
        action("a2", ["passage"], today),
        action("a3", ["executive-receipt"], today, "executive"),
        action("a4", ["passage"], today - dt.timedelta(days=10)),
        action("a5", ["referral-committee"], today),
    ]
    alert = snapshot(1, ["penalty_increase"], actions=moves)
    kinds = [(t.kind, t.key) for t in c.detect_triggers(alert, NOW, lookback_days=3)]
    assert kinds == [
        ("committee-vote", "action:a1"),
        ("passage", "action:a2"),
        ("governor", "action:a3"),
    ]
    assert c.detect_triggers(snapshot(2, ["record_relief"], actions=moves), NOW, 3) == []


def test_upcoming_hearing_wins_over_the_hearing_action():
    hearing = c.HearingView(
        event_id=9,
        name="Hearing",
        committee="Public Safety",
        committee_id=None,
        chamber="upper",
        start=NOW + dt.timedelta(days=1),
        location="Room 1",
        status="confirmed",
        url=None,
        updated_at=NOW,
    )
    cancelled = c.HearingView(**{**hearing.__dict__, "event_id": 10, "status": "cancelled"})
    bill = snapshot(
        1,
        ["diversion_court"],
        hearings=[hearing, cancelled],
        actions=[action("h", ["hearing"], NOW.date())],
    )
    triggers = c.detect_triggers(bill, NOW, 3)
    assert [t.key for t in triggers] == ["event:9"]
    assert triggers[0].committee == "Public Safety" and triggers[0].location == "Room 1"


def test_alert_follows_only_the_tags_asked_for():
    bill = snapshot(1, ["penalty_increase", "carceral_funding", "record_relief"])
    assert c.alert_subscription_tags(bill, []) == {"penalty_increase", "carceral_funding"}
    assert c.alert_subscription_tags(bill, ["carceral_funding"]) == {"carceral_funding"}
    assert c.alert_subscription_tags(bill, ["track"]) == set()
    alert = c.build_alert(
        c.Recipient(1, "a@b.example"),
        bill,
        c.Trigger("k", "passage", "Passed", NOW.date(), "Passed"),
        {"carceral_funding"},
        [],
        "Legislators",
        NOW,
    )
    assert [t.name for t in alert.reasons] == ["carceral_funding"]
    assert alert.script_tag == "carceral_funding"
