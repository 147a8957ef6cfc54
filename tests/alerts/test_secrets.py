"""No mail and no endpoint with a guessable secret key; tokens carry a per-subscriber nonce."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import insert, select, text

from alerts.compose import compose_alerts, compose_digests
from alerts.preflight import MailConfigError, check_mail_settings
from billwatch.db.models import Subscriber
from billwatch.db.session import alembic_config, get_engine, upgrade
from billwatch.settings import Settings, WeakSecretKey
from tests.alerts.conftest import NOW, SECRET, settings_for

HOW_TO = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("change-me-in-production", "published example"),
        ("demo-only-secret", "published example"),
        ("short-but-random-Zq81", "shorter than 32"),
    ],
)
def test_weak_keys_are_refused_with_the_fix(key, problem, monkeypatch):
    monkeypatch.delenv("BILLWATCH_SECRET_KEY", raising=False)
    settings = Settings(_env_file=None, secret_key=key)  # type: ignore[call-arg]
    with pytest.raises(WeakSecretKey, match=problem) as caught:
        settings.signing_key()
    assert HOW_TO in str(caught.value)
    assert key is None or key == "" or key not in str(caught.value)  # never echo the key


def test_no_default_key_any_more(monkeypatch):
    monkeypatch.delenv("BILLWATCH_SECRET_KEY", raising=False)
    assert Settings(_env_file=None).secret_key is None  # type: ignore[call-arg]


def test_strong_key_is_accepted():
    assert settings_for("sqlite://").signing_key() == SECRET


@pytest.mark.parametrize("compose", ["digests", "alerts"])
def test_compose_refuses_a_weak_key(Session, db_url, compose):  # noqa: N803
    settings = settings_for(db_url, secret_key="change-me-in-production")
    with Session.begin() as s, pytest.raises(MailConfigError, match="token_urlsafe"):
        if compose == "digests":
            compose_digests(s, "daily", NOW, settings)
        else:
            compose_alerts(s, NOW, settings)


@pytest.mark.parametrize(
    ("smtp_url", "public_url", "ok"),
    [
        ("smtp://mail.example:587", "http://127.0.0.1:8025", False),
        ("smtps://mail.example", "http://alerts.example", False),
        ("smtp://mail.example:587", "https://alerts.example", True),
        ("file:///tmp/outbox", "http://127.0.0.1:8025", True),  # the demo's mailbox
    ],
)
def test_http_unsubscribe_links_refused_for_real_smtp(smtp_url, public_url, ok):
    settings = settings_for("sqlite://", smtp_url=smtp_url, public_url=public_url)
    if ok:
        assert check_mail_settings(settings) == SECRET
    else:
        with pytest.raises(MailConfigError, match="RFC 8058"):
            check_mail_settings(settings)


@pytest.mark.parametrize(
    ("smtp_url", "message"),
    [
        ("gopher://x", "unsupported scheme 'gopher'"),
        ("smtp://host:abc", "not a valid URL"),
        ("smtp://", "names no host"),
        ("mail.example.org", "unsupported scheme ''"),
    ],
)
def test_bad_smtp_urls_are_explained(smtp_url, message):
    settings = settings_for("sqlite://", smtp_url=smtp_url)
    with pytest.raises(MailConfigError, match=message):
        check_mail_settings(settings)


def test_password_in_smtp_url_is_never_quoted():
    settings = settings_for("sqlite://", smtp_url="gopher://u:hunter2pass@x")
    with pytest.raises(MailConfigError) as caught:
        check_mail_settings(settings)
    assert "hunter2pass" not in str(caught.value)


def test_migration_gives_existing_subscribers_distinct_nonces(db_url):
    command.downgrade(alembic_config(db_url), "0003")
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subscribers"))
        for i in range(5):
            conn.execute(
                text(
                    "INSERT INTO subscribers (email, status, created_at) VALUES (:e, 'active', :t)"
                ),
                {"e": f"m{i}@freedom.example", "t": NOW},
            )
    engine.dispose()
    upgrade(db_url)
    engine = get_engine(db_url)
    with engine.begin() as conn:
        nonces = list(conn.scalars(select(Subscriber.unsubscribe_nonce)))
        assert len(nonces) == 5 and len(set(nonces)) == 5
        assert all(n and len(n) >= 22 for n in nonces)
        # New rows get one from the model's default; the column refuses NULL.
        conn.execute(insert(Subscriber).values(email="new@freedom.example", unsubscribe_nonce="x"))
        with pytest.raises(Exception, match="(?i)null"):
            with conn.begin_nested():
                conn.execute(
                    text(
                        "INSERT INTO subscribers (email, status, created_at, unsubscribe_nonce)"
                        " VALUES ('n@x.example', 'active', :t, NULL)"
                    ),
                    {"t": NOW},
                )
