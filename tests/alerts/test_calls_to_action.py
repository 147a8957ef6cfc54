"""Sharper calls to action: leverage, own legislators, mixed bills, the hearing's .ics, phones."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select, update
from typer.testing import CliRunner

from alerts.compose import compose_alerts
from alerts.context import Contact, Record, SectionRef, rank_targets
from alerts.send import send_pending, transport_for
from billwatch.cli import app
from billwatch.db.models import (
    Event,
    OutboxMessage,
    Person,
    PersonVote,
    Sponsorship,
    Subscriber,
    Tag,
    VoteEvent,
)
from billwatch.db.store import find_bill, upsert_event, upsert_person
from billwatch.records import AgendaItemRecord, EventRecord, OfficeRecord, PersonRecord
from tests.alerts.conftest import NOW, amend_hb10, build_world, settings_for, subscribe
from tests.conftest import missing

CHROMIUM = os.environ.get("BILLWATCH_CHROMIUM", "/usr/bin/chromium")


def parsed(raw: str) -> EmailMessage:
    return message_from_bytes(raw.encode("utf-8"), policy=policy.default)  # type: ignore[return-value]


def text_and_html(raw: str) -> tuple[str, str]:
    msg = parsed(raw)
    return (
        msg.get_body(("plain",)).get_content(),  # type: ignore[union-attr]
        msg.get_body(("html",)).get_content(),  # type: ignore[union-attr]
    )


def scripts(text: str) -> tuple[str | None, str]:
    """(the script for the member's own legislators or None, the script for everyone else)."""
    rest = text.split("WHY IT MATTERS")[0]
    if "CALL SCRIPT FOR YOUR OWN LEGISLATORS" in rest:
        own, other = rest.split("CALL SCRIPT FOR YOUR OWN LEGISLATORS")[1].split(
            "CALL SCRIPT FOR EVERYONE ELSE"
        )
        return own, other
    return None, rest.split("CALL SCRIPT")[1]


def add_person(Session, name: str, chamber: str, district: str, key: str) -> None:  # noqa: N803
    with Session.begin() as s:
        upsert_person(
            s,
            PersonRecord(
                jurisdiction="TX",
                name=name,
                source_key=key,
                chamber=chamber,
                district=district,
                party="Independent",
                email=f"{key.rsplit('/', 1)[-1]}@house.tx.example",
                offices=[OfficeRecord(classification="capitol", voice="512-555-0199")],
            ),
        )


def sponsor(Session, name: str, kind: str = "primary") -> None:  # noqa: N803
    with Session.begin() as s:
        person = s.scalar(select(Person).where(Person.name == name))
        bill = find_bill(s, "TX", "89R", "HB 10")
        assert bill is not None and person is not None
        s.add(Sponsorship(bill_id=bill.id, name=name, classification=kind, person_id=person.id))


def alert_text(Session, db_url: str, email: str) -> tuple[str, str, str]:  # noqa: N803
    """Compose alerts and return (text, html, raw) of the one for `email`."""
    with Session.begin() as s:
        compose_alerts(s, NOW, settings_for(db_url))
    with Session.begin() as s:
        raws = [
            m.message
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email))
        ]
    assert len(raws) == 1, raws
    return (*text_and_html(raws[0]), raws[0])


@pytest.fixture
def alert_world(Session):  # noqa: N803
    """HB 10 (ALERT) with a hearing before Criminal Jurisprudence (Ana chairs, Ben sits)."""
    build_world(Session)
    amend_hb10(Session)
    return Session


# --- whom to call, and why ------------------------------------------------------------------


def test_sponsor_on_the_committee_is_flagged_and_chair_first(alert_world, db_url):
    sponsor(alert_world, "Ben Member")
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "a@example.org")
    calls = text.split("WHOM TO CALL")[1].split("CALL SCRIPT")[0]
    assert calls.index("Ana Chair") < calls.index("Ben Member")
    assert "why: chairs the committee" in calls
    assert "why: sponsors the bill and sits on the committee hearing it" in calls


def test_committee_without_sponsors_on_it_flags_no_sponsor(alert_world, db_url):
    sponsor(alert_world, "Cy Senator")  # a senator sponsors; the House committee hears it
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "a@example.org")
    assert "sponsors the bill" not in text and "co-sponsors" not in text
    assert "Cy Senator" not in text  # not on the committee, not the member's legislator
    assert "why: sits on the committee" in text  # Ben, a plain member, still says why


def test_rank_targets_swing_votes_between_chair_and_members():
    people = [
        Contact("Zed Plain", "member", "D", "lower", "1", None, None, person_id=1),
        Contact("Amy Swing", "member", "R", "lower", "2", None, None, person_id=2),
        Contact("Bo Vice", "Vice Chair", "R", "lower", "3", None, None, person_id=3),
        Contact("Cat Chair", "chair", "R", "lower", "4", None, None, person_id=4),
        Contact("Dan Co", "member", "R", "lower", "5", None, None, person_id=5),
    ]
    records = {2: Record(2, 3, True), 1: Record(0, 4, False)}  # Zed always against: not swing
    ranked = rank_targets(people, {5: "cosponsor"}, records, [], on_committee=True)
    assert [c.name for c in ranked] == ["Cat Chair", "Bo Vice", "Dan Co", "Amy Swing", "Zed Plain"]
    assert ranked[2].reasons == ["co-sponsors the bill and sits on the committee hearing it"]
    assert ranked[3].reasons == [
        "swing vote: sided with the coalition on 2 of 5 stored roll calls, majority party"
    ]
    assert ranked[4].reasons == ["sits on the committee"]
    assert not any(c.own for c in ranked)
    assert all(not c.reasons or c.reasons != people[0].reasons for c in people)  # no mutation


def test_swing_vote_read_from_stored_roll_calls(alert_world, db_url):
    with alert_world.begin() as s:
        bill = find_bill(s, "TX", "89R", "HB 10")
        assert bill is not None
        people = {p.name: p for p in s.scalars(select(Person))}
        for n, (ana, ben) in enumerate([("yes", "yes"), ("yes", "no")]):  # HB 10 is ALERT
            event = VoteEvent(
                jurisdiction_id=bill.jurisdiction_id,
                source_key=f"rc-{n}",
                bill_id=bill.id,
                chamber="lower",
                motion_text="Passage",
                motion_classification=["passage"],
                start_date=NOW.date(),
                result="pass",
            )
            s.add(event)
            s.flush()
            for name, option in (("Ana Chair", ana), ("Ben Member", ben)):
                s.add(
                    PersonVote(
                        vote_event_id=event.id,
                        option=option,
                        voter_name=name,
                        person_id=people[name].id,
                    )
                )
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "a@example.org")
    ben = text.split("- Ben Member")[1].split("\n- ")[0]
    ana = text.split("- Ana Chair")[1].split("\n- ")[0]
    # Everyone here is an Independent, the chamber's largest party.
    assert "swing vote: sided with the coalition on 1 of 2 stored roll calls, majority party" in ben
    assert "swing" not in ana  # always against: a known no, not a swing


# --- own legislators and "constituent" -------------------------------------------------------


def test_own_legislator_first_and_only_their_script_says_constituent(alert_world, db_url):
    subscribe(
        alert_world,
        "own@example.org",
        states="TX",
        tags="alert",
        frequency="immediate",
        districts="TX:040",  # Ben Member's district 40, written with a leading zero
    )
    text, html, _ = alert_text(alert_world, db_url, "own@example.org")
    calls = text.split("WHOM TO CALL")[1].split("CALL SCRIPT")[0]
    assert "(your own legislators first)" in calls
    assert calls.index("Ben Member") < calls.index("Ana Chair")
    assert "why: represents your district (40)" in calls
    own, other = scripts(text)
    assert own is not None and "I am a constituent" in own
    assert "constituent" not in other
    assert text.count("constituent") == 1
    assert 'class="contact own"' in html


def test_own_legislator_off_the_committee_is_added_first(alert_world, db_url):
    add_person(alert_world, "Eve Outside", "lower", "7", "ocd-person/eve")
    add_person(alert_world, "Sam Senate", "upper", "7", "ocd-person/sam")  # other chamber
    subscribe(
        alert_world,
        "o@example.org",
        states="TX",
        tags="alert",
        frequency="immediate",
        districts="TX:7",
    )
    text, _, _ = alert_text(alert_world, db_url, "o@example.org")
    calls = text.split("WHOM TO CALL")[1].split("CALL SCRIPT")[0]
    assert calls.strip().splitlines()[1].startswith("- Eve Outside")
    assert "Sam Senate" not in calls  # the House committee hears it: the House member only
    eve = calls.split("- Eve Outside")[1].split("\n- ")[0]
    assert "represents your district (7)" in eve and "sits on the committee" not in eve


@pytest.mark.parametrize("districts", [None, "TX:99", "TX:3", "CA:40"])
def test_no_matching_district_means_no_constituent_claim(alert_world, db_url, districts):
    # None: no districts; TX:99: nobody on file; TX:3: a senator, but a House committee
    # hears it; CA:40: another state's district 40 is not Ben's TX district 40.
    subscribe(
        alert_world,
        "n@example.org",
        states="TX",
        tags="alert",
        frequency="immediate",
        districts=districts,
    )
    text, html, _ = alert_text(alert_world, db_url, "n@example.org")
    assert "constituent" not in text and "constituent" not in html
    assert "YOUR OWN LEGISLATORS" not in text and "represents your district" not in text
    assert "Hello, my name is [your name]." in text


def test_one_members_districts_do_not_leak_to_another(alert_world, db_url):
    subscribe(
        alert_world,
        "own@example.org",
        states="TX",
        tags="alert",
        frequency="immediate",
        districts="TX:40",
    )
    subscribe(alert_world, "other@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "other@example.org")
    assert "constituent" not in text and "represents your district" not in text


# --- mixed bills ---------------------------------------------------------------------------


@pytest.fixture
def mixed_world(Session):  # noqa: N803
    """HB 10 as introduced (ALERT section 1, TRACK section 2) on a hearing agenda."""
    build_world(Session)
    with time_machine.travel(NOW, tick=False), Session.begin() as s:
        upsert_event(
            s,
            EventRecord(
                jurisdiction="TX",
                source_key="hearing-m",
                name="Public hearing",
                start_time=NOW + dt.timedelta(days=2),
                committee="Criminal Jurisprudence",
                chamber="lower",
                location="E2.014",
                agenda=[AgendaItemRecord("HB 10", session="89R")],
            ),
        )
    return Session


def test_mixed_bill_names_sections_to_strike_and_keep(mixed_world, db_url):
    subscribe(mixed_world, "m@example.org", states="TX", tags="alert", frequency="immediate")
    text, html, _ = alert_text(mixed_world, db_url, "m@example.org")
    _, script = scripts(text)
    assert "strike SECTION 1 (" in script and "loitering for the purpose of prostitution" in script
    assert "Please keep SECTION 2" in script
    assert "vote NO on HB 10 unless" not in script
    ask = text.split("THE ASK")[1].split("WHOM TO CALL")[0]
    assert "Strike: SECTION 1" in ask and "Keep: SECTION 2" in ask
    assert "<strong>strike</strong> SECTION 1" in html


def test_mixed_bill_sections_without_labels_are_named_by_their_words(mixed_world, db_url):
    with mixed_world.begin() as s:
        s.execute(update(Tag).values(section_label=None))
    subscribe(mixed_world, "m@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(mixed_world, db_url, "m@example.org")
    _, script = scripts(text)
    assert 'strike the section that reads "loitering for the purpose of prostitution"' in script
    assert 'Please keep the section that reads "fund survivor housing"' in script
    assert "None" not in script


def test_section_ref_names():
    assert SectionRef("5502.71", 4, "x").name == "section 5502.71"
    assert SectionRef("Sec. 3", 2, "x").name == "Sec. 3"
    assert SectionRef(None, 2, "").name == "section no. 3"
    long = SectionRef(None, 0, "word " * 40).name
    assert long.endswith('…"') and len(long) < 100


def test_alert_only_bill_still_asks_for_a_no(alert_world, db_url):
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "a@example.org")
    assert "vote NO on HB 10 unless it is amended" in text and "strike" not in text.lower()


# --- order, the calendar file, delivery ------------------------------------------------------


def test_call_details_come_before_the_evidence(alert_world, db_url):
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, html, _ = alert_text(alert_world, db_url, "a@example.org")
    order = ["WHAT HAPPENS", "THE ASK", "WHOM TO CALL", "CALL SCRIPT", "WHY IT MATTERS"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert html.index("Whom to call") < html.index("Call script") < html.index("Why it matters")
    assert html.index("Call script") < html.index("<mark")  # the evidence quote comes last


def calendar_of(msg: EmailMessage) -> str:
    parts = list(msg.iter_attachments())
    assert [p.get_filename() for p in parts] == ["hearing.ics"]
    assert parts[0].get_content_type() == "text/calendar"
    return parts[0].get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]


def test_hearing_ics_delivered_over_smtp(alert_world, db_url, smtpd):
    recorder, smtp_url = smtpd
    for email in ("a@example.org", "b@example.org"):
        subscribe(alert_world, email, states="TX", tags="alert", frequency="immediate")
    with alert_world.begin() as s:
        compose_alerts(s, NOW, settings_for(db_url))
    with transport_for(smtp_url) as transport:
        summary = send_pending(
            alert_world, transport, sender="alerts@billwatch.example", clock=lambda: NOW
        )
    assert summary.sent == 2 and len(recorder.messages) == 2
    msg = recorder.messages[0]
    assert msg.get_content_type() == "multipart/mixed"
    ics = calendar_of(msg)
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # CRLF line ends only (RFC 5545 3.1)
    # NOW + 2 days = Thu 5 Mar 2026 15:00 UTC = 09:00 CST in Austin (DST starts 8 March).
    assert "DTSTART;TZID=America/Chicago:20260305T090000\r\n" in ics
    assert "DTEND;TZID=America/Chicago:20260305T100000\r\n" in ics
    assert "TZID:America/Chicago" in ics and "BEGIN:DAYLIGHT" in ics
    assert "DTSTART:20260308T020000\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500" in ics
    assert "LOCATION:E2.014\\, Capitol Extension" in ics
    uids = [
        next(line for line in calendar_of(m).split("\r\n") if line.startswith("UID:"))
        for m in recorder.messages
    ]
    assert len(uids[0]) > 20 and uids[0] == uids[1]  # one hearing, one calendar entry
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "hearing.ics is attached" in text
    assert text.index("WHOM TO CALL") < text.index("WHY IT MATTERS")


def test_non_hearing_alert_has_no_attachment(alert_world, db_url):
    from tests.alerts.test_rapid_response import add_action  # noqa: PLC0415

    with alert_world.begin() as s:
        s.execute(update(Event).values(status="cancelled"))
    add_action(alert_world, "HB 10", "Reported favorably from Criminal Jurisprudence", "lower")
    with alert_world.begin() as s:
        from billwatch.db.models import BillAction  # noqa: PLC0415

        s.execute(
            update(BillAction)
            .where(BillAction.description.startswith("Reported"))
            .values(classification=["committee-passage"])
        )
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    _, _, raw = alert_text(alert_world, db_url, "a@example.org")
    msg = parsed(raw)
    assert msg.get_content_type() == "multipart/alternative"
    assert "text/calendar" not in raw


def open_states_event(**extra: object) -> dict[str, object]:
    """An Open States v3 event, written by hand in the API's documented shape."""
    return {
        "id": "ocd-event/5b7c1f0e-0000-4000-8000-000000000001",
        "jurisdiction": {"id": "ocd-jurisdiction/country:us/state:tx/government"},
        "name": "Criminal Jurisprudence",
        "start_date": "2026-03-05T09:00:00-06:00",
        "status": "confirmed",
        **extra,
    }


def test_open_states_livestream_parsed_only_when_given():
    from billwatch.ingest.openstates import parse_event  # noqa: PLC0415

    media = [
        {"note": "Video", "links": [{"media_type": "video/mp4", "url": "https://v.tx.example/1"}]}
    ]
    assert parse_event(open_states_event(media=media)).livestream_url == "https://v.tx.example/1"
    links = [
        {"note": "Agenda", "url": "https://tx.example/agenda.pdf"},
        {"note": "Watch live", "url": "https://tx.example/live"},
    ]
    assert parse_event(open_states_event(links=links)).livestream_url == "https://tx.example/live"
    bad = [{"note": "Live video", "url": "javascript:alert(1)"}]
    assert parse_event(open_states_event(links=bad)).livestream_url is None
    assert parse_event(open_states_event()).livestream_url is None
    agenda_only = [{"note": "Agenda", "url": "https://tx.example/agenda.pdf"}]
    assert parse_event(open_states_event(links=agenda_only)).livestream_url is None


def test_livestream_shown_in_alert_and_calendar_only_when_stored(alert_world, db_url, smtpd):
    recorder, smtp_url = smtpd
    subscribe(alert_world, "a@example.org", states="TX", tags="alert", frequency="immediate")
    text, _, _ = alert_text(alert_world, db_url, "a@example.org")
    assert "Watch live" not in text and "testimony" not in text.lower()
    with alert_world.begin() as s:
        s.execute(update(OutboxMessage).values(status="cancelled"))
        s.execute(update(Event).values(livestream_url="https://video.tx.example/house/cj"))
    subscribe(alert_world, "b@example.org", states="TX", tags="alert", frequency="immediate")
    text, html, raw = alert_text(alert_world, db_url, "b@example.org")
    assert "Watch live: https://video.tx.example/house/cj" in text
    assert 'href="https://video.tx.example/house/cj"' in html
    unfolded = calendar_of(parsed(raw)).replace("\r\n ", "")  # RFC 5545 3.1 line folding
    assert "\\nWatch live: https://video.tx.example/house/cj\r\n" in unfolded


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.chromium
def test_alert_fits_a_390px_screen(alert_world, db_url, tmp_path: Path):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing(f"no chromium at {CHROMIUM}")
    from PIL import Image  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    sponsor(alert_world, "Ben Member")
    with alert_world.begin() as s:  # long, unbreakable contact data is what overflows phones
        s.execute(
            update(Person)
            .where(Person.name == "Ana Chair")
            .values(email="ana.chair.of.the.criminal.jurisprudence.committee@house.tx.example")
        )
    subscribe(
        alert_world,
        "p@example.org",
        states="TX",
        tags="alert",
        frequency="immediate",
        districts="TX:40",
        organization="Survivors' Coalition of the Great State of Texas",
    )
    _, html, _ = alert_text(alert_world, db_url, "p@example.org")
    page_file = tmp_path / "alert.html"
    page_file.write_text(html, encoding="utf-8")
    shot = tmp_path / "alert-390.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(page_file.as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert overflow <= 0, f"the alert overflows a 390 px screen by {overflow} px"
    image = Image.open(shot).convert("L")
    assert image.width == 390
    low, high = image.getextrema()
    assert high - low > 100, "the screenshot is blank"
    assert len(set(image.getdata())) > 20  # text, not a flat fill


# --- subscribers' districts -----------------------------------------------------------------


def test_cli_districts_add_update_and_errors(Session, db_url):  # noqa: N803
    runner = CliRunner()
    result = runner.invoke(
        app, ["subscribers", "add", "d@example.org", "--districts", "tx:12, California:7"]
    )
    assert result.exit_code == 0, result.output
    with Session.begin() as s:
        assert s.scalar(select(Subscriber.districts)) == {"TX": ["12"], "CA": ["7"]}
    result = runner.invoke(
        app, ["subscribers", "update", "d@example.org", "--districts", "NY:59,NY:112"]
    )
    assert result.exit_code == 0, result.output
    with Session.begin() as s:
        assert s.scalar(select(Subscriber.districts)) == {"NY": ["59", "112"]}
    bad = runner.invoke(app, ["subscribers", "update", "d@example.org", "--districts", "12"])
    assert bad.exit_code == 2 and "STATE:DISTRICT" in bad.output
    bad = runner.invoke(app, ["subscribers", "update", "d@example.org", "--districts", "ZZ:1"])
    assert bad.exit_code == 2 and "unknown state" in bad.output
    nobody = runner.invoke(app, ["subscribers", "update", "x@example.org", "--districts", ""])
    assert nobody.exit_code == 1
    cleared = runner.invoke(app, ["subscribers", "update", "d@example.org", "--districts", ""])
    assert cleared.exit_code == 0
    with Session.begin() as s:
        assert s.scalar(select(Subscriber.districts)) == {}
