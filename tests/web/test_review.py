"""The review queue: order, decisions stored where training reads them, alerts stopped."""

from __future__ import annotations

import re

from sqlalchemy import select

from billwatch.db import queries
from billwatch.db.models import OutboxMessage, Tag, TagReview
from classifier.data import load_feedback
from tests.web.conftest import csrf_of


def test_queue_shows_the_least_certain_tag_first_with_its_evidence(client_for, data):
    page = client_for("reviewer").get("/review").text
    assert "3 pending" in page
    order = re.findall(r'data-tag="(\d+)"', page)
    assert order[0] == str(data.alert_tag)  # 0.55 is nearest to 0.5
    assert order[-1] == str(data.track_tag)  # 0.93 is the surest
    assert '<mark class="evidence">A person who commits' in page


def _decide(client, tag_id: int, **fields: str):
    form = {"csrf": csrf_of(client, "/review"), **fields}
    return client.post(f"/review/{tag_id}", data=form, follow_redirects=False)


def test_confirm_and_reject_are_stored_and_used_for_training(client_for, data, Session):
    client = client_for("reviewer")
    assert _decide(client, data.track_tag, decision="confirm", note="clear").status_code == 303
    assert (
        _decide(client, data.alert_tag, decision="reject", note="not a penalty").status_code == 303
    )
    with Session() as s:
        confirmed, rejected = s.get(Tag, data.track_tag), s.get(Tag, data.alert_tag)
        assert (confirmed.review_state, confirmed.reviewed_by) == (
            "confirmed",
            "reviewer@example.org",
        )
        assert rejected.review_state == "rejected" and rejected.reviewed_at is not None
        notes = {r.tag: (r.decision, r.note) for r in s.scalars(select(TagReview))}
        assert notes == {
            "survivor_services": ("confirmed", "clear"),
            "penalty_increase": ("rejected", "not a penalty"),
        }
        current = queries.current_tags(s, [data.amended])[data.amended]
        assert [t.tag for t in current] == ["survivor_services"]
    # `billwatch train` reads these decisions through classifier.data.load_feedback.
    examples = {ex.id: ex for ex in load_feedback(Session)}
    labelled = [(sorted(ex.labels), sorted(ex.known or ())) for ex in examples.values()]
    assert ([], ["penalty_increase"]) in labelled
    assert (["survivor_services"], ["survivor_services"]) in labelled
    assert "1 pending" in client.get("/review").text


def test_relabel_rejects_the_tag_and_confirms_the_reviewers_label(client_for, data, Session):
    client = client_for("reviewer")
    response = _decide(client, data.alert_tag, decision="relabel", new_tag="prevention")
    assert response.status_code == 303
    with Session() as s:
        tags = {
            t.tag: t.review_state
            for t in s.scalars(select(Tag).where(Tag.version_id == data.amended))
        }
        assert tags["penalty_increase"] == "rejected" and tags["prevention"] == "confirmed"
    assert _decide(client, data.track_tag, decision="relabel", new_tag="nope").status_code == 400
    assert _decide(client, 999999, decision="confirm").status_code == 404


def test_rejecting_the_last_alert_tag_cancels_unsent_alerts(client_for, data, Session):
    with Session.begin() as s:
        for key in (
            f"alert:{data.subscriber}:{data.ca_bill}:hearing-1",
            f"alert:{data.subscriber}:{data.ny_bill}:x",
        ):
            s.add(
                OutboxMessage(
                    idempotency_key=key,
                    subscriber_id=data.subscriber,
                    kind="alert",
                    recipient="member@example.org",
                    subject="s",
                    message="m",
                )
            )
    _decide(client_for("reviewer"), data.alert_tag, decision="reject")
    with Session() as s:
        status = {
            m.idempotency_key.split(":")[2]: m.status for m in s.scalars(select(OutboxMessage))
        }
    assert status == {str(data.ca_bill): "cancelled", str(data.ny_bill): "pending"}


def test_viewers_cannot_decide(client_for, data):
    assert _decide(client_for("viewer"), data.alert_tag, decision="confirm").status_code == 403


def test_agreement_page_counts_decisions_by_month_and_tag(client_for, data):
    client = client_for("reviewer")
    _decide(client, data.track_tag, decision="confirm")
    _decide(client, data.alert_tag, decision="reject")
    page = client.get("/review/agreement").text
    assert re.search(r"<td>survivor_services</td><td>1</td><td>1</td><td>100</td>", page)
    assert re.search(r"<td>penalty_increase</td><td>1</td><td>0</td><td>0</td>", page)
    assert re.search(r"<td>\d{4}-\d\d</td><td>2</td><td>1</td><td>50</td>", page)
    assert "<svg" in page
