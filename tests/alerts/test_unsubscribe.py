"""Signed tokens and the RFC 8058 one-click endpoint over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from alerts.compose import compose_digests
from alerts.unsubscribe import BadToken, make_server, make_token, read_token
from billwatch.db.models import OutboxMessage, Subscriber
from billwatch.db.session import get_sessionmaker
from tests.alerts.conftest import NOW, amend_hb10, build_world, settings_for, subscribe


def test_token_round_trip_and_tampering():
    token = make_token(7, "a@b.example", "k1")
    assert read_token(token, "k1") == (7, "a@b.example")
    with pytest.raises(BadToken):
        read_token(token, "another-key")
    with pytest.raises(BadToken):
        read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "k1")


@pytest.fixture
def endpoint(sqlite_url):
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    server = make_server(Session, "test-secret", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Session, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_one_click_post_unsubscribes_and_cancels_queued_mail(endpoint, sqlite_url):
    Session, base = endpoint  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    sid = subscribe(Session, "a@freedom.example")
    with Session.begin() as s:
        compose_digests(s, "daily", NOW, settings_for(sqlite_url))
    token = make_token(sid, "a@freedom.example", "test-secret")
    # GET only shows a button: link scanners must not unsubscribe people.
    with urllib.request.urlopen(f"{base}/unsubscribe/{token}", timeout=5) as response:
        assert response.status == 200 and '<form method="post"' in response.read().decode()
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "active"
    status, body = post(f"{base}/unsubscribe/{token}", b"List-Unsubscribe=One-Click")
    assert status == 200 and "is unsubscribed" in body
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "unsubscribed"
        assert s.scalar(select(OutboxMessage.status)) == "cancelled"
    assert post(f"{base}/unsubscribe/{token}", b"List-Unsubscribe=One-Click")[0] == 200


def test_bad_requests_are_refused(endpoint):
    Session, base = endpoint  # noqa: N806
    sid = subscribe(Session, "a@freedom.example")
    token = make_token(sid, "a@freedom.example", "test-secret")
    assert post(f"{base}/unsubscribe/{token}", b"something=else")[0] == 400
    assert post(f"{base}/unsubscribe/forged.token", b"List-Unsubscribe=One-Click")[0] == 400
    assert post(f"{base}/elsewhere", b"List-Unsubscribe=One-Click")[0] == 404
    wrong = make_token(sid, "other@freedom.example", "test-secret")
    assert post(f"{base}/unsubscribe/{wrong}", b"List-Unsubscribe=One-Click")[0] == 400
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "active"
