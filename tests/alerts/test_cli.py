"""The subscribers, digest, alerts, outbox and unsubscribe commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import time_machine
from sqlalchemy import select
from typer.testing import CliRunner

from alerts.unsubscribe import make_token
from billwatch.cli import app
from billwatch.db.models import OutboxMessage, Subscriber
from billwatch.db.session import get_sessionmaker
from tests.alerts.conftest import NOW, amend_hb10, build_world

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
    monkeypatch.setenv("BILLWATCH_SECRET_KEY", "cli-secret")
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
        sub = s.scalar(select(Subscriber))
        token = make_token(sub.id, sub.email, "cli-secret")
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
