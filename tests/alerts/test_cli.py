"""The subscribers, digest, alerts, outbox and unsubscribe commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import OutboxMessage, Subscriber
from billwatch.db.session import get_sessionmaker
from tests.alerts.conftest import NOW, SECRET, amend_hb10, build_world, free_port, token_for

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_add_list_remove(sqlite_url):
    result = invoke(
        "subscribers",
        "add",
        "Ana@Freedom.Example",
        "--name",
        "Ana",
        "--org",
        "Survivor Network",
        "--states",
        "ca,New York",
        "--tags",
        "alert,record_relief",
        "--keywords",
        "vacatur",
        "--frequency",
        "immediate",
    )
    assert result.exit_code == 0, result.output
    assert "added ana@freedom.example" in result.output.lower()
    listed = invoke("subscribers", "list")
    assert "Survivor Network" in listed.output and "CA,NY" in listed.output
    assert "immediate" in listed.output
    assert invoke("subscribers", "remove", "ana@freedom.example").exit_code == 0
    with get_sessionmaker(sqlite_url).begin() as s:
        sub = s.scalar(select(Subscriber))
        assert sub.status == "removed" and not sub.subscriptions
    assert invoke("subscribers", "remove", "nobody@freedom.example").exit_code == 1


def test_add_rejects_bad_input(sqlite_url):
    bad_email = invoke("subscribers", "add", "not-an-address")
    assert bad_email.exit_code == 2 and "invalid email" in bad_email.output
    bad_tag = invoke("subscribers", "add", "a@b.example", "--tags", "nonsense")
    assert bad_tag.exit_code == 2 and "unknown tag 'nonsense'" in bad_tag.output
    bad_freq = invoke("subscribers", "add", "a@b.example", "--frequency", "hourly")
    assert bad_freq.exit_code == 2 and "unknown frequency" in bad_freq.output
    with get_sessionmaker(sqlite_url).begin() as s:
        assert s.scalar(select(Subscriber)) is None


def test_import_reports_and_skips_bad_rows(sqlite_url, files: Path):
    path = files / "alerts" / "members.csv"
    result = invoke("subscribers", "import", str(path))
    assert result.exit_code == 1  # something was skipped
    assert "2 added, 0 updated, 4 skipped" in result.output.replace("\n", " ")
    out = " ".join(result.output.split())
    assert f"{path}:3:" in out and "invalid email address 'not-an-address'" in out
    assert "unknown state 'ZZ'" in out and "unknown tag 'bogus_tag'" in out
    assert "unknown frequency 'hourly'" in out
    with get_sessionmaker(sqlite_url).begin() as s:
        subs = {x.email: x for x in s.scalars(select(Subscriber))}
        assert set(subs) == {"ana@freedom.example", "ben@freedom.example"}
        ben = subs["ben@freedom.example"].subscriptions[0]
        assert ben.tags == ["record_relief", "worker_protections"] and ben.frequency == "weekly"
        assert ben.keywords == ["wage"]
    again = invoke("subscribers", "import", str(path))
    assert "0 added, 2 updated" in " ".join(again.output.split())


def test_import_without_email_column_fails_clearly(sqlite_url, tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("name,states\nAna,CA\n")
    result = invoke("subscribers", "import", str(path))
    assert result.exit_code == 2 and "no 'email' column" in result.output


def test_digest_preview_then_queue_and_unsubscribe(sqlite_url, tmp_path: Path, monkeypatch):
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    monkeypatch.setenv("BILLWATCH_SECRET_KEY", SECRET)
    monkeypatch.setenv("BILLWATCH_SMTP_URL", f"file://{tmp_path / 'mail'}")
    from billwatch.settings import get_settings

    get_settings.cache_clear()
    invoke("subscribers", "add", "a@freedom.example", "--frequency", "weekly")
    clock = time_machine.travel(NOW + dt.timedelta(hours=1), tick=False)
    clock.start()
    preview = invoke("digest", "--frequency", "weekly", "--preview", str(tmp_path / "pv"))
    assert "1 digests written" in preview.output
    assert len(list((tmp_path / "pv").glob("*.html"))) == 1
    queued = invoke("digest", "--frequency", "weekly", "--send")
    assert "1 digests queued" in queued.output and "sent 1" in queued.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert "0 digests queued, 1 already queued" in invoke("digest", "--frequency", "weekly").output
    with Session.begin() as s:
        sub_id = s.scalar(select(Subscriber.id))
    token = token_for(Session, sub_id)
    assert invoke("unsubscribe", "garbage").exit_code == 2
    done = invoke("unsubscribe", token)
    assert done.exit_code == 0 and "unsubscribed a@freedom.example" in done.output
    outbox = invoke("outbox")
    assert "digest" in outbox.output and "sent" in outbox.output
    with Session.begin() as s:
        assert s.scalar(select(OutboxMessage.status)) == "sent"
    clock.stop()
    get_settings.cache_clear()


def test_alerts_command_queues_once(sqlite_url, tmp_path: Path):
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    invoke(
        "subscribers",
        "add",
        "r@freedom.example",
        "--states",
        "TX",
        "--tags",
        "alert",
        "--frequency",
        "immediate",
    )
    with time_machine.travel(NOW, tick=False):
        first = invoke("alerts", "--preview", str(tmp_path / "pv"))
        assert "1 alerts written" in first.output
        assert "1 alerts queued" in invoke("alerts").output
        assert "0 alerts queued" in invoke("alerts").output


def clear_settings() -> None:
    from billwatch.settings import get_settings

    get_settings.cache_clear()


@pytest.mark.parametrize("key", [None, "change-me-in-production", "short-key"])
@pytest.mark.parametrize(
    "command",
    [
        ("digest",),
        ("alerts",),
        ("outbox", "--send"),
        ("serve-unsubscribe", "--port", "0"),
        ("unsubscribe", "x.y"),
    ],
)
def test_commands_refuse_a_weak_secret_key(sqlite_url, monkeypatch, key, command):
    if key is None:
        monkeypatch.delenv("BILLWATCH_SECRET_KEY")
    else:
        monkeypatch.setenv("BILLWATCH_SECRET_KEY", key)
    clear_settings()
    result = invoke(*command)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "BILLWATCH_SECRET_KEY" in out
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in out


def test_http_public_url_refused_for_smtp(sqlite_url, monkeypatch):
    monkeypatch.setenv("BILLWATCH_SMTP_URL", "smtp://mail.example:587")
    monkeypatch.setenv("BILLWATCH_PUBLIC_URL", "http://alerts.example")
    clear_settings()
    result = invoke("outbox", "--send")
    assert result.exit_code == 2 and "must be https" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("url", "message"),
    [("gopher://x", "unsupported scheme 'gopher'"), ("smtp://h:abc", "not a valid URL")],
)
def test_bad_smtp_url_is_a_clear_error(sqlite_url, monkeypatch, url, message):
    monkeypatch.setenv("BILLWATCH_SMTP_URL", url)
    clear_settings()
    result = runner.invoke(app, ["outbox", "--send"])  # exceptions caught: none may escape
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2 and message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_outbox_send_to_unreachable_server_exits_non_zero(sqlite_url, monkeypatch):
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    monkeypatch.setenv("BILLWATCH_SMTP_URL", f"smtp://127.0.0.1:{free_port()}?starttls=never")
    monkeypatch.setenv("BILLWATCH_PUBLIC_URL", "https://alerts.coalition.example")
    clear_settings()
    invoke("subscribers", "add", "a@freedom.example", "--frequency", "weekly")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert "1 digests queued" in invoke("digest", "--frequency", "weekly").output
        result = invoke("outbox", "--send")
    assert result.exit_code == 1
    assert "could not be reached" in result.output and "pending" in result.output
    with Session.begin() as s:
        assert s.scalar(select(OutboxMessage.status)) == "pending"


def test_subscribers_list_prints_data_literally(sqlite_url):
    assert invoke("subscribers", "add", "zed@freedom.example", "--name", "Zed [/] x").exit_code == 0
    with get_sessionmaker(sqlite_url).begin() as s:
        # Stored before the door checked names: a screen clear and an OSC 8 hyperlink.
        sub = s.scalar(select(Subscriber))
        sub.organization = "Org\x1b[2J \x1b]8;;https://evil.example\x1b\\[b]click[/b]\x1b]8;;\x1b\\"
    result = invoke("subscribers", "list")
    assert result.exit_code == 0
    assert "Zed [/] x" in result.output and "Org [b]click[/b]" in result.output
    assert "\x1b" not in result.output


def test_add_refuses_what_would_break_mail(sqlite_url):
    cyrillic = invoke("subscribers", "add", "\u0435ve@example.org")
    assert cyrillic.exit_code == 2 and "Internationalized characters" in cyrillic.output
    crlf = invoke("subscribers", "add", "eve@example.org", "--name", "Eve\r\nBcc: x@y.example")
    assert crlf.exit_code == 2 and "control characters" in crlf.output
    with get_sessionmaker(sqlite_url).begin() as s:
        assert s.scalar(select(Subscriber)) is None


def test_digest_queues_the_others_and_exits_1_when_one_message_breaks(sqlite_url):
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    for who in ("ana", "bad", "cy"):
        invoke("subscribers", "add", f"{who}@freedom.example", "--frequency", "weekly")
    with Session.begin() as s:
        bad = s.scalar(select(Subscriber).where(Subscriber.email == "bad@freedom.example"))
        bad.name = "Bad\r\nBcc: [red]everyone@example.org"  # stored before the door checked
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        result = invoke("digest", "--frequency", "weekly")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "2 digests queued" in out and "skipped digest:" in out and "linefeed" in out
