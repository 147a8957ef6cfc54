"""Who sees what: roles, sign-in, sessions, CSRF, cookies, headers, and the refusal to serve."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from starlette.routing import Mount, Route

from billwatch.db.models import WebSession
from billwatch.settings import Settings
from billwatch.web.security import CSP, sha256
from billwatch.web.server import UnsafeServe, secret_for
from tests.web.conftest import PASSWORDS, SECRET, csrf_of

PAGES = ["/dashboard", "/search", "/hearings", "/follows", "/review/agreement"]
DETAIL = ["/bills/{ca_bill}", "/people/{person}"]
REVIEWER_ONLY = ["/review"]
ADMIN_ONLY = ["/admin"]


def _paths(ro) -> list[str]:
    return PAGES + [p.format(**vars(ro)) for p in DETAIL] + REVIEWER_ONLY + ADMIN_ONLY


def test_anonymous_visitors_are_sent_to_sign_in(ro_client_for, ro):
    client = ro_client_for(None)
    for path in _paths(ro):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2F"), path
    assert client.get("/api/v1/bills").status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [("viewer", REVIEWER_ONLY + ADMIN_ONLY), ("reviewer", ADMIN_ONLY), ("admin", [])],
)
def test_each_role_sees_exactly_what_it_may(ro_client_for, ro, role, forbidden):
    client = ro_client_for(role)
    for path in _paths(ro):
        response = client.get(path)
        assert response.status_code == (403 if path in forbidden else 200), (role, path)
        # Members' personal data appears on admin pages only.
        shown = path == "/admin" and role == "admin"
        assert ("member@example.org" in response.text) == shown, (role, path)
    nav = client.get("/search").text
    assert ('href="/review"' in nav) == (role != "viewer")
    assert ('href="/admin"' in nav) == (role == "admin")


def test_wrong_password_and_unknown_user_are_refused_alike(ro_client_for):
    client = ro_client_for(None)
    for email, password in [("viewer@example.org", "wrong-password-1"), ("nobody@x.org", "x" * 14)]:
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf": csrf_of(client)}
        )
        assert response.status_code == 401
        assert "Wrong email or password." in response.text


def test_sign_in_goes_back_only_to_local_pages(ro_client_for):
    client = ro_client_for(None)
    for target, expected in [
        ("/search?q=x", "/search?q=x"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
    ]:
        response = client.post(
            "/login",
            data={
                "email": "viewer@example.org",
                "password": PASSWORDS["viewer"],
                "csrf": csrf_of(client),
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_cookies_are_secure_http_only_same_site_and_pages_carry_a_csp(ro_client_for):
    client = ro_client_for(None)
    page = client.get("/login")
    assert page.headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP and "script-src 'self'" in CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and " style=" not in page.text
    response = client.post(
        "/login",
        data={
            "email": "viewer@example.org",
            "password": PASSWORDS["viewer"],
            "csrf": csrf_of(client),
        },
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("bw_session=")
    for flag in ("HttpOnly", "SameSite=Lax", "Secure"):
        assert flag in cookie


def test_forms_without_a_matching_csrf_token_are_refused(ro_client_for, ro):
    client = ro_client_for("admin")
    other = ro_client_for(None)
    foreign = csrf_of(other)  # a valid token, but for another browser's cookie
    app = client.app
    posts = []
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and "POST" in (route.methods or ()):
            posts.append(route.path)
        assert not isinstance(route, Mount) or route.path in ("/static", "/api/v1")
    assert {"/login", "/logout", "/follows", "/review/{tag_id:int}", "/admin"} <= set(posts)
    values = {"tag_id:int": str(ro.alert_tag), "token": "x"}
    for path in posts:
        if path == "/unsubscribe/{token}":
            continue  # RFC 8058: mail clients post without cookies; tested in test_members
        url = path
        for key, value in values.items():
            url = url.replace("{" + key + "}", value)
        for data in ({}, {"csrf": foreign}, {"csrf": "0" * 64}):
            response = client.post(url, data={"action": "add-key", **data})
            assert response.status_code in (403, 400), (path, data, response.status_code)
            if path != "/preferences/{token}":  # a bad member token is found first: 400
                assert response.status_code == 403, (path, data)


def test_forged_expired_and_replayed_sessions_are_refused(client_for, Session, data):
    client = client_for("viewer")
    assert client.get("/search", follow_redirects=False).status_code == 200
    token = client.cookies.get("bw_session")
    # Forged: a random value of the right shape signs nobody in.
    anonymous = client_for(None)

    def status(cookie: str) -> int:
        headers = {"Cookie": f"bw_session={cookie}"}
        return anonymous.get("/search", headers=headers, follow_redirects=False).status_code

    assert status("A" * 43) == 303
    # Replayed after sign-out: the server forgot the session.
    assert status(token) == 200
    client.post("/logout", data={"csrf": csrf_of(client, "/search")})
    assert status(token) == 303
    # Expired: a session past its time is refused.
    again = client_for("viewer")
    with Session.begin() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.token_hash == sha256(again.cookies.get("bw_session")))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert again.get("/search", follow_redirects=False).status_code == 303


def test_serve_refuses_a_public_address_without_a_strong_key():
    for key in (None, "test-secret", "short"):
        settings = Settings(secret_key=key)
        with pytest.raises(UnsafeServe, match="refusing to listen on 0.0.0.0"):
            secret_for(settings, "0.0.0.0")
        secret, configured = secret_for(settings, "127.0.0.1")
        assert not configured and len(secret) >= 32
    assert secret_for(Settings(secret_key=SECRET), "0.0.0.0") == (SECRET, True)
