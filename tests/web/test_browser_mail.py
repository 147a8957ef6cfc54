"""Browser flows that end in mail: follow a bill and find it in the next digest; change
preferences and unsubscribe from the link of a real rendered email.

The app runs as `billwatch serve` runs it (make_server, uvicorn) on a per-test database; digests
are rendered by the real digest job into the outbox; Chromium is Debian's.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import OutboxMessage, Subscriber, utcnow
from billwatch.jobs import digest_job
from billwatch.settings import Settings
from billwatch.web.server import make_server
from tests.alerts.conftest import free_port, text_of
from tests.web.conftest import PASSWORDS, SECRET, Data
from tests.web.test_browser import browser, check  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.chromium


@pytest.fixture
def live(Session: sessionmaker[Session], db_url: str, data: Data, tmp_path: Path):  # noqa: N803
    """(base URL, settings): the workbench served as `billwatch serve` does; links point here."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(  # type: ignore[call-arg]
        database_url=db_url,
        secret_key=SECRET,
        public_url=base,
        smtp_url=f"file://{tmp_path / 'mail'}",
        mail_from="billwatch <alerts@coalition.example>",
        timezone="America/New_York",
    )
    server, configured = make_server(Session, settings, port=port)
    assert configured  # the real key: members' links work
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield base, settings
    server.should_exit = True
    thread.join(10)


def sign_in(page, base: str, role: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.fill("input[name=email]", f"{role}@example.org")
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def digest_for(
    Session: sessionmaker[Session],  # noqa: N803
    settings: Settings,
    email: str,
) -> str:
    """Run the real daily digest job and return the plain text of `email`'s digest."""
    digest_job("daily", settings=settings, now=utcnow(), only_due=False)
    with Session() as s:
        sub = s.scalar(select(Subscriber).where(Subscriber.email == email))
        assert sub is not None, f"no subscriber {email}"
        row = s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.subscriber_id == sub.id, OutboxMessage.kind == "digest"
            )
        )
        assert row is not None, f"no digest for {email}"
        return text_of(row.message)


def test_follow_a_bill_and_see_it_in_the_next_digest(live, browser, Session, data, tmp_path):  # noqa: F811, N803
    base, settings = live
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, "viewer", f"/bills/{data.ny_bill}")
    page.click("button:text-is('Follow this bill')")
    page.wait_for_selector("button:text-is('Unfollow')")
    page.goto(f"{base}/follows")
    assert "NY S 2" in page.inner_text("ul.follows")
    with page.expect_navigation():
        page.click("button:text-is('Email me what I follow')")
    assert "What you follow comes to viewer@example.org" in page.inner_text("main")
    check(page, tmp_path, "follows")
    # The viewer's address has no subscription of its own: the followed NY bill alone comes,
    # although nothing else in the database would send it to them.
    body = digest_for(Session, settings, "viewer@example.org")
    assert "S 2" in body and "Housing for survivors of trafficking" in body
    assert "AB 1" not in body
    assert errors == []


def test_change_preferences_and_unsubscribe_from_an_email_link(
    live,
    browser,  # noqa: F811
    Session,  # noqa: N803
    data,
    tmp_path,
):
    base, settings = live
    body = digest_for(Session, settings, "member@example.org")
    assert "AB 1" in body  # the seeded member follows ALERT bills in CA
    link = re.search(rf"{re.escape(base)}/unsubscribe/[\w.~-]+", body)
    assert link, "the digest has no unsubscribe link to this server"
    page = browser.new_page()
    page.goto(link.group(0))
    check(page, tmp_path, "unsubscribe")
    with Session() as s:  # opening the link changed nothing (scanners prefetch links)
        assert s.get(Subscriber, data.subscriber).status == "active"
    page.click("#preferences")
    check(page, tmp_path, "preferences")
    page.fill("input[name=states]", "CA, ny")
    page.check("input[name=tags][value=track]")
    page.select_option("select[name=frequency]", "weekly")
    page.click("button[value=save]")
    assert page.inner_text("p.message") == "Saved."
    with Session() as s:
        sub = s.get(Subscriber, data.subscriber)
        (subscription,) = sub.subscriptions
        assert subscription.states == ["CA", "NY"]
        assert set(subscription.tags) == {"alert", "track"}
        assert subscription.frequency == "weekly" and sub.status == "active"
    page.goto(link.group(0))
    page.click("button:text-is('Unsubscribe from everything')")
    assert "is unsubscribed" in page.inner_text("body")
    with Session() as s:
        assert s.get(Subscriber, data.subscriber).status == "unsubscribed"
    page.goto(link.group(0))  # the link still opens, and says so
    assert "This address is unsubscribed" in page.inner_text("main")
