"""Alerts fixtures: a small legislative world built through the store, and a real SMTP server."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from alerts.subscribers import add_subscriber, make_spec
from alerts.unsubscribe import make_token
from billwatch.db.models import Subscriber, Tag, VersionClassification
from billwatch.db.store import find_bill, upsert_bill, upsert_committee, upsert_event, upsert_person
from billwatch.records import (
    ActionRecord,
    AgendaItemRecord,
    BillRecord,
    CommitteeRecord,
    EventRecord,
    MembershipRecord,
    OfficeRecord,
    PersonRecord,
    VersionRecord,
)
from billwatch.settings import Settings

NOW = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in New York
CLASSIFIER = "test-1"
SECRET = "test-secret-0123456789-abcdefghijklmnop"  # long enough for signing_key()

HB10_V1 = (
    "SECTION 1. A person who commits loitering for the purpose of prostitution is guilty "
    "of a class B misdemeanor. SECTION 2. The department shall fund survivor housing."
)
HB10_V2 = (
    "SECTION 1. A person who commits loitering for the purpose of prostitution is guilty "
    "of a class A felony and shall serve a mandatory minimum of two years. "
    "SECTION 2. The department shall fund survivor housing."
)
SB5_TEXT = (
    "SECTION 1. A court may vacate a conviction for prostitution where the defendant "
    "was a victim of trafficking."
)


@pytest.fixture(autouse=True)
def strong_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands and jobs read BILLWATCH_SECRET_KEY: give them one that signing_key() accepts."""
    monkeypatch.setenv("BILLWATCH_SECRET_KEY", SECRET)


def settings_for(url: str, **overrides: object) -> Settings:
    """Settings for tests: fixed secret, New York time, the given database."""
    values: dict[str, object] = dict(
        database_url=url,
        mail_from="billwatch <alerts@coalition.example>",
        public_url="https://alerts.coalition.example",
        secret_key=SECRET,
        unsubscribe_mailto="unsubscribe@coalition.example",
        timezone="America/New_York",
        digest_daily_time="07:00",
        digest_weekly_day="mon",
        send_retry_base_s=60,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def tag(
    session: Session,
    version_id: int,
    name: str,
    text: str,
    quote: str,
    *,
    section: int = 0,
    score: float = 0.9,
    created: dt.datetime = NOW,
    review: str | None = None,
) -> None:
    """Insert one tag row whose evidence is `quote` found in `text`."""
    start = text.index(quote)
    session.add(
        Tag(
            version_id=version_id,
            section_index=section,
            section_label=f"SECTION {section + 1}",
            tag=name,
            score=score,
            evidence=quote,
            evidence_start=start,
            evidence_end=start + len(quote),
            classifier_version=CLASSIFIER,
            review_state=review,
            created_at=created,
        )
    )


def classified(session: Session, version_id: int, stance: str, when: dt.datetime = NOW) -> None:
    """Record that a version was classified."""
    session.add(
        VersionClassification(
            version_id=version_id, classifier_version=CLASSIFIER, stance=stance, classified_at=when
        )
    )


@dataclass
class World:
    """Ids of what `build_world` made."""

    hb10: int = 0
    sb5: int = 0
    event: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def build_world(
    Session: sessionmaker[Session],
    now: dt.datetime = NOW,  # noqa: N803
    title: str = "Relating to loitering for prostitution",
) -> World:
    """Two TX bills (one ALERT with a hearing ahead, one TRACK), people and a committee."""
    world = World()
    earlier = now - dt.timedelta(days=20)
    # Rows take their creation times from the clock: build the world at the times it describes.
    with time_machine.travel(earlier, tick=False), Session.begin() as s:
        for i, (name, chamber, district) in enumerate(
            [
                ("Ana Chair", "lower", "12"),
                ("Ben Member", "lower", "40"),
                ("Cy Senator", "upper", "3"),
            ]
        ):
            upsert_person(
                s,
                PersonRecord(
                    jurisdiction="TX",
                    name=name,
                    source_key=f"ocd-person/{i}",
                    chamber=chamber,
                    district=district,
                    party="Independent",
                    email=f"p{i}@house.tx.example",
                    offices=[OfficeRecord(classification="capitol", voice=f"512-555-010{i}")],
                ),
            )
        upsert_committee(
            s,
            CommitteeRecord(
                jurisdiction="TX",
                name="Criminal Jurisprudence",
                chamber="lower",
                members=[
                    MembershipRecord("Ana Chair", "chair", "ocd-person/0"),
                    MembershipRecord("Ben Member", "member", "ocd-person/1"),
                ],
            ),
        )
        record = BillRecord(
            jurisdiction="TX",
            session="89R",
            identifier="HB 10",
            title=title,
            source_urls=["https://capitol.texas.gov/BillLookup/History.aspx?Bill=HB10"],
            versions=[
                VersionRecord(
                    note="Introduced",
                    date=earlier.date(),
                    text=HB10_V1,
                    url="https://capitol.texas.gov/tlodocs/HB10I.htm",
                )
            ],
            actions=[
                ActionRecord(date=earlier.date(), description="Filed", organization="lower"),
                ActionRecord(
                    date=earlier.date(),
                    organization="lower",
                    description="Referred to Criminal Jurisprudence",
                ),
            ],
        )
        change = upsert_bill(s, record, now=earlier)
        world.hb10 = change.bill_id
        v1 = change.new_versions[0]
        tag(
            s,
            v1,
            "sex_work_criminalization",
            HB10_V1,
            "loitering for the purpose of prostitution",
            created=earlier,
        )
        tag(
            s, v1, "survivor_services", HB10_V1, "fund survivor housing", section=1, created=earlier
        )
        classified(s, v1, "mixed", earlier)
        sb5 = upsert_bill(
            s,
            BillRecord(
                jurisdiction="TX",
                session="89R",
                identifier="SB 5",
                title="Relating to vacatur",
                source_urls=["https://capitol.texas.gov/BillLookup/History.aspx?Bill=SB5"],
                versions=[VersionRecord(note="Introduced", date=earlier.date(), text=SB5_TEXT)],
                actions=[
                    ActionRecord(date=earlier.date(), description="Filed", organization="upper")
                ],
            ),
            now=earlier,
        )
        world.sb5 = sb5.bill_id
        tag(
            s,
            sb5.new_versions[0],
            "record_relief",
            SB5_TEXT,
            "vacate a conviction",
            created=earlier,
        )
        classified(s, sb5.new_versions[0], "TRACK", earlier)
    return world


def amend_hb10(Session: sessionmaker[Session], now: dt.datetime = NOW) -> None:  # noqa: N803
    """A new HB 10 version that inserts a felony and a mandatory minimum, and a hearing."""
    with time_machine.travel(now, tick=False), Session.begin() as s:
        bill = find_bill(s, "TX", "89R", "HB 10")
        assert bill is not None
        record = BillRecord(
            jurisdiction="TX",
            session="89R",
            identifier="HB 10",
            title=bill.title,
            versions=[
                VersionRecord(
                    note="Committee Substitute",
                    date=now.date(),
                    text=HB10_V2,
                    url="https://capitol.texas.gov/tlodocs/HB10C.htm",
                    inserted=[(HB10_V2.index("class A felony"), HB10_V2.index(". SECTION 2"))],
                )
            ],
            actions=[
                ActionRecord(
                    date=now.date(),
                    organization="lower",
                    description="Committee substitute considered in committee",
                )
            ],
        )
        change = upsert_bill(s, record, now=now)
        v2 = change.new_versions[0]
        tag(s, v2, "sex_work_criminalization", HB10_V2, "loitering for the purpose of prostitution")
        tag(s, v2, "penalty_increase", HB10_V2, "mandatory minimum of two years", score=0.95)
        tag(
            s,
            v2,
            "survivor_services",
            HB10_V2,
            "fund survivor housing",
            section=1,
            review="rejected",
        )
        classified(s, v2, "ALERT")
        upsert_event(
            s,
            EventRecord(
                jurisdiction="TX",
                source_key="hearing-1",
                name="Public hearing",
                start_time=now + dt.timedelta(days=2),
                committee="Criminal Jurisprudence",
                chamber="lower",
                location="E2.014, Capitol Extension",
                agenda=[AgendaItemRecord("HB 10", session="89R")],
            ),
        )


def subscribe(Session: sessionmaker[Session], email: str, **kwargs: object) -> int:  # noqa: N803
    """Add a subscriber; returns the id."""
    with Session.begin() as s:
        sub, _ = add_subscriber(s, make_spec(email, **kwargs))  # type: ignore[arg-type]
        return sub.id


def token_for(Session: sessionmaker[Session], subscriber_id: int) -> str:  # noqa: N803
    """A valid unsubscribe token for a subscriber, signed with the tests' SECRET."""
    with Session.begin() as s:
        sub = s.get(Subscriber, subscriber_id)
        assert sub is not None
        return make_token(sub.id, sub.unsubscribe_nonce, SECRET)


# --- a real SMTP server ---------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler that keeps messages and can answer with scripted error codes."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_replies: list[str] = []  # popped per RCPT: "451 ...", "550 ..."
        self.data_replies: list[str] = []
        self.drop_after_data = 0  # keep this many messages, then drop the line before "250"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,  # noqa: N802
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,  # noqa: N802
    ) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.raw.append(envelope.original_content or b"")
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        if self.drop_after_data:
            # What a server under load does: the message is stored, the reply never leaves.
            self.drop_after_data -= 1
            server.transport.abort()  # type: ignore[union-attr]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtpd() -> Iterator[tuple[Recorder, str]]:
    """A real SMTP server on 127.0.0.1: (recorder, smtp URL)."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, f"smtp://127.0.0.1:{port}?starttls=never"
    finally:
        controller.stop()


def advance_sb5(Session: sessionmaker[Session], now: dt.datetime = NOW) -> None:  # noqa: N803
    """SB 5 gets a committee report today: a TRACK bill that changed."""
    with time_machine.travel(now, tick=False), Session.begin() as s:
        upsert_bill(
            s,
            BillRecord(
                jurisdiction="TX",
                session="89R",
                identifier="SB 5",
                title="Relating to vacatur",
                actions=[
                    ActionRecord(
                        date=(now - dt.timedelta(days=20)).date(),
                        description="Filed",
                        organization="upper",
                    ),
                    ActionRecord(
                        date=now.date(),
                        organization="upper",
                        description="Reported favorably from Criminal Justice",
                    ),
                ],
            ),
            now=now,
        )


def text_of(raw: str) -> str:
    """The decoded plain-text part of a stored message (quoted-printable folds long lines)."""
    parsed = message_from_bytes(raw.encode("utf-8"), policy=policy.default)
    return parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
