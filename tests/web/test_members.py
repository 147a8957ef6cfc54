"""Members' preferences by signed token, and the mounted one-click unsubscribe endpoint."""

from __future__ import annotations

from sqlalchemy import select

from alerts.unsubscribe import make_token
from billwatch.db.models import Subscriber, Subscription
from tests.web.conftest import SECRET, csrf_of


def _token(Session, subscriber_id: int) -> str:  # noqa: N803
    with Session() as s:
        return make_token(subscriber_id, s.get(Subscriber, subscriber_id).unsubscribe_nonce, SECRET)


def _status(Session, subscriber_id: int) -> str:  # noqa: N803
    # A session closed at once: an open one would hold PostgreSQL locks past the test.
    with Session() as s:
        return s.get(Subscriber, subscriber_id).status


def test_preferences_change_states_tags_keywords_and_frequency(client_for, data, Session):
    client = client_for(None)
    url = f"/preferences/{_token(Session, data.subscriber)}"
    page = client.get(url)
    assert "member@example.org" in page.text and page.headers["referrer-policy"] == "no-referrer"
    form = {
        "csrf": csrf_of(client, url),
        "action": "save",
        "states": "ny, CA",
        "tags": ["track", "prevention"],
        "keywords": "Housing, shelter",
        "frequency": "weekly",
    }
    assert client.post(url, data=form).status_code == 200
    with Session() as s:
        (sub,) = s.scalars(
            select(Subscription).where(Subscription.subscriber_id == data.subscriber)
        )
        assert (sub.states, sub.tags, sub.keywords, sub.frequency) == (
            ["CA", "NY"],
            ["prevention", "track"],
            ["housing", "shelter"],
            "weekly",
        )
    bad = client.post(url, data={**form, "frequency": "hourly"})
    assert bad.status_code == 400 and "unknown frequency" in bad.text


def test_pause_resume_and_unsubscribe_but_a_get_never_changes_anything(client_for, data, Session):
    client = client_for(None)
    url = f"/preferences/{_token(Session, data.subscriber)}"
    for _ in range(2):
        client.get(url)

    def status() -> str:
        return _status(Session, data.subscriber)

    assert status() == "active"
    client.post(url, data={"csrf": csrf_of(client, url), "action": "pause"})
    assert status() == "paused"
    client.post(url, data={"csrf": csrf_of(client, url), "action": "resume"})
    assert status() == "active"
    done = client.post(url, data={"csrf": csrf_of(client, url), "action": "unsubscribe"})
    assert "unsubscribed" in done.text and status() == "unsubscribed"


def test_forged_and_stale_tokens_are_refused(client_for, data, Session):
    client = client_for(None)
    good = _token(Session, data.subscriber)
    assert client.get(f"/preferences/{good[:-2]}xx").status_code == 400
    assert (
        client.get(f"/preferences/{make_token(data.subscriber, 'guess', SECRET)}").status_code
        == 400
    )
    other_key = make_token(data.subscriber, "n", "another-secret-key-0123456789-abcdef")
    assert client.get(f"/preferences/{other_key}").status_code == 400


def test_one_click_unsubscribe_is_mounted_and_needs_no_cookie(client_for, data, Session):
    client = client_for(None)
    url = f"/unsubscribe/{_token(Session, data.subscriber)}"
    assert "Unsubscribe from billwatch?" in client.get(url).text
    assert _status(Session, data.subscriber) == "active"
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _status(Session, data.subscriber) == "unsubscribed"
