"""Digests for 1,000 subscribers over 200 changed bills: rendered, queued and sent to a local
aiosmtpd server (its own process); messages per second against rendering alone (same run)."""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import socket
import subprocess
import sys
import time

import time_machine
from rich.console import Console
from rich.table import Table

from alerts import context as ctx_mod
from alerts.compose import compose_digests, period_of
from alerts.render import build_message, render_digest
from alerts.select import changed_bill_ids, freshness, load_snapshots
from alerts.send import SmtpTransport, send_pending
from alerts.subscribers import add_subscriber, make_spec
from benchmarks.common import fresh_database
from billwatch.db.models import Tag, VersionClassification
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import upsert_bill
from billwatch.records import ActionRecord, BillRecord, VersionRecord
from billwatch.settings import Settings
from classifier.taxonomy import TAGS

SUBSCRIBERS = int(os.environ.get("BENCH_ALERTS_SUBSCRIBERS", "1000"))
BILLS = int(os.environ.get("BENCH_ALERTS_BILLS", "200"))
STATES = ["CA", "NY", "TX", "WA", "FL", "IL", "GA", "OH"]
NOW = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
SENTENCES = [
    "A person who commits loitering for the purpose of prostitution is guilty of a felony.",
    "The department shall fund survivor housing and legal aid without conditions.",
    "A court may vacate a conviction where the defendant was a victim of trafficking.",
    "The state police shall establish a human trafficking task force.",
    "Employers shall pay wages owed within seven days of demand.",
]


def _world(url: str, rng: random.Random) -> None:
    Session = get_sessionmaker(url)  # noqa: N806
    with time_machine.travel(NOW - dt.timedelta(hours=3), tick=False), Session.begin() as s:
        for n in range(BILLS):
            text = " ".join(f"SECTION {i + 1}. {rng.choice(SENTENCES)}" for i in range(6))
            change = upsert_bill(
                s,
                BillRecord(
                    jurisdiction=STATES[n % len(STATES)],
                    session="2026",
                    identifier=f"HB {n}",
                    title=f"Relating to trafficking, bill {n}",
                    source_urls=[f"https://legislature.example/{n}"],
                    versions=[
                        VersionRecord(
                            note="Introduced",
                            date=NOW.date(),
                            text=text,
                            url=f"https://legislature.example/{n}.pdf",
                        )
                    ],
                    actions=[
                        ActionRecord(
                            date=NOW.date(),
                            description="Referred to Judiciary",
                            organization="lower",
                        )
                    ],
                ),
            )
            vid = change.new_versions[0]
            for section, tag in enumerate(rng.sample(TAGS, 3)):
                start = text.index(f"SECTION {section + 1}.")
                s.add(
                    Tag(
                        version_id=vid,
                        section_index=section,
                        tag=tag,
                        score=0.8,
                        evidence=text[start : start + 60],
                        evidence_start=start,
                        evidence_end=start + 60,
                        classifier_version="bench",
                    )
                )
            s.add(VersionClassification(version_id=vid, classifier_version="bench", stance="mixed"))
        for n in range(SUBSCRIBERS):
            add_subscriber(
                s,
                make_spec(
                    f"member{n}@coalition.example",
                    name=f"Member {n}",
                    states=rng.sample(STATES, rng.randint(1, 4)),
                    tags=rng.choice(
                        [["alert"], ["track"], ["alert", "track"], rng.sample(TAGS, 2)]
                    ),
                    frequency="daily",
                ),
            )


def _render_only(url: str, settings: Settings) -> tuple[int, float]:
    """Select once, then build, render and assemble every digest in memory: the baseline."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from billwatch.db.models import Subscriber

    Session = get_sessionmaker(url)  # noqa: N806
    started = time.perf_counter()
    made = 0
    fragments: dict = {}
    with Session() as s:
        since = NOW - dt.timedelta(days=1)
        bills = list(load_snapshots(s, changed_bill_ids(s, since, NOW), NOW).values())
        fresh = freshness(s, {b.state for b in bills})
        subs = s.scalars(select(Subscriber).options(selectinload(Subscriber.subscriptions)))
        for sub in subs:
            digest = ctx_mod.build_digest(
                ctx_mod.Recipient(sub.id, sub.email, sub.name),
                [(x.states, x.tags, x.keywords) for x in sub.subscriptions],
                bills,
                frequency="daily",
                period=period_of("daily", NOW, settings.timezone),
                since=since,
                now=NOW,
                freshness=fresh,
            )
            if digest is None:
                continue
            rendered = render_digest(
                digest, tz=settings.timezone, unsubscribe_url="https://x/u", cache=fragments
            )
            build_message(
                rendered,
                key=f"k{sub.id}",
                to_email=sub.email,
                to_name=sub.name,
                mail_from=settings.mail_from,
                now=NOW,
                unsubscribe_token="t",
                unsubscribe_url="https://x/u",
                unsubscribe_mailto="u@x.example",
            )
            made += 1
    return made, time.perf_counter() - started


def _smtp_server() -> tuple[subprocess.Popen[bytes], int]:
    """aiosmtpd in its own process, as a real mail server would be (not sharing our GIL)."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the aiosmtpd server did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(console: Console) -> None:
    """Print the digest pipeline's throughput against rendering alone."""
    rng = random.Random(5)
    settings = Settings(
        database_url="sqlite://",
        secret_key=secrets.token_urlsafe(32),  # type: ignore[arg-type]
        mail_from="billwatch <alerts@coalition.example>",
    )
    table = Table(
        "step",
        "messages",
        "seconds",
        "messages/s",
        title=f"digests: {SUBSCRIBERS:,} subscribers, {BILLS} changed bills, SQLite",
    )
    with fresh_database("sqlite") as url:
        _world(url, rng)
        made, render_s = _render_only(url, settings)
        Session = get_sessionmaker(url)  # noqa: N806
        started = time.perf_counter()
        with Session.begin() as s:
            composed = compose_digests(
                s, "daily", NOW, settings.model_copy(update={"database_url": url})
            )
        compose_s = time.perf_counter() - started
        server, port = _smtp_server()
        try:
            started = time.perf_counter()
            with SmtpTransport(f"smtp://127.0.0.1:{port}?starttls=never") as transport:
                summary = send_pending(
                    Session, transport, sender="alerts@coalition.example", clock=lambda: NOW
                )
            send_s = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    total = compose_s + send_s
    table.add_row("render only (baseline)", str(made), f"{render_s:.2f}", f"{made / render_s:.0f}")
    table.add_row(
        "select + render + queue",
        str(composed.enqueued),
        f"{compose_s:.2f}",
        f"{composed.enqueued / compose_s:.0f}",
    )
    table.add_row(
        "send over SMTP (aiosmtpd)",
        f"{summary.sent}",
        f"{send_s:.2f}",
        f"{summary.sent / send_s:.0f}",
    )
    table.add_row(
        "[bold]whole pipeline",
        str(summary.sent),
        f"{total:.2f}",
        f"[bold]{summary.sent / total:.0f}",
    )
    console.print(table)
    console.print(
        f"whole pipeline / render only: {(summary.sent / total) / (made / render_s):.2f}"
        f" of the rendering rate ({composed.empty} subscribers had nothing new)"
    )
