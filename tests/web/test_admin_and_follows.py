"""Admin actions, follows and saved searches, and the dashboard's charts."""

from __future__ import annotations

import re

from sqlalchemy import select

from billwatch.db.models import ApiKey, Follow, Subscriber, User
from tests.web.conftest import csrf_of


def test_admin_adds_users_and_creates_and_revokes_keys(client_for, data, Session):
    client = client_for("admin")
    csrf = csrf_of(client, "/admin")
    added = client.post(
        "/admin",
        data={
            "csrf": csrf,
            "action": "add-user",
            "role": "reviewer",
            "email": "New@Example.org",
            "password": "long-enough-pass",
        },
    )
    assert "Added new@example.org as reviewer." in added.text
    weak = client.post(
        "/admin",
        data={
            "csrf": csrf,
            "action": "add-user",
            "role": "viewer",
            "email": "w@example.org",
            "password": "short",
        },
    )
    assert weak.status_code == 400
    made = client.post(
        "/admin", data={"csrf": csrf, "action": "add-key", "name": "prog", "rate": "5"}
    )
    key = re.search(r"(bw_[\w-]+)", made.text).group(1)
    assert client_for(None).get("/api/v1/bills", headers={"X-API-Key": key}).status_code == 200
    with Session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.name == "prog"))
        assert key not in (row.key_hash, row.prefix)  # only a hash is stored
        assert s.scalar(select(User.role).where(User.email == "new@example.org")) == "reviewer"
    client.post("/admin", data={"csrf": csrf, "action": "revoke-key", "key_id": str(row.id)})
    assert client_for(None).get("/api/v1/bills", headers={"X-API-Key": key}).status_code == 401


def test_follow_a_bill_and_save_a_search(client_for, data, Session):
    client = client_for("viewer")
    csrf = csrf_of(client, "/follows")
    client.post("/follows", data={"csrf": csrf, "kind": "bill", "target": str(data.ca_bill)})
    client.post("/follows", data={"csrf": csrf, "kind": "search", "target": "/search?state=CA"})
    assert (
        client.post(
            "/follows", data={"csrf": csrf, "kind": "search", "target": "https://evil.example"}
        ).status_code
        == 400
    )
    page = client.get("/follows").text
    assert "CA AB 1" in page and 'href="/search?state=CA"' in page
    assert "Unfollow" in client.get(f"/bills/{data.ca_bill}").text
    client.post(
        "/follows", data={"csrf": csrf, "kind": "bill", "target": str(data.ca_bill), "remove": "1"}
    )
    with Session() as s:
        assert [f.kind for f in s.scalars(select(Follow))] == ["search"]


def test_dashboard_draws_charts_from_the_data(client_for, data):
    page = client_for("viewer").get("/dashboard").text
    assert page.count("<svg") == 3
    assert "<title>CA: 1</title>" in page  # the tile map: one ALERT (mixed) bill in CA
    assert "<title>NY: 0</title>" in page  # TRACK only
    assert re.search(r'href="/search\?state=CA&amp;tag=penalty_increase">1</a>', page)


def test_follows_go_by_email_to_the_users_own_address(client_for, data, Session):
    client = client_for("viewer")
    page = client.get("/follows").text
    assert "Nothing you follow is sent by email yet." in page
    csrf = csrf_of(client, "/follows")
    assert client.post("/follows/email", data={"csrf": "0" * 64}).status_code == 403
    client.post("/follows/email", data={"csrf": csrf})
    with Session() as s:
        sub = s.scalar(select(Subscriber).where(Subscriber.email == "viewer@example.org"))
        assert sub is not None and sub.status == "active" and sub.subscriptions == []
    page = client.get("/follows").text
    assert "What you follow comes to viewer@example.org" in page and "a daily digest" in page
    with Session.begin() as s:
        s.scalar(
            select(Subscriber).where(Subscriber.email == "viewer@example.org")
        ).status = "unsubscribed"
    assert "is unsubscribed" in client.get("/follows").text
