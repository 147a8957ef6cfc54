"""One bad subscriber stops only their own mail: checked at the door, isolated when composing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.compose import compose_alerts, compose_digests
from alerts.subscribers import InvalidSubscriber, import_csv, make_spec
from billwatch.db.models import OutboxMessage, Subscriber
from tests.alerts.conftest import NOW, advance_sb5, amend_hb10, build_world, settings_for, subscribe

CYRILLIC_EVE = "\u0435ve@example.org"  # the first letter is Cyrillic


@pytest.mark.parametrize(
    ("email", "name", "reason"),
    [
        (CYRILLIC_EVE, None, "Internationalized characters before the @"),
        ("eve@example.org", "Eve\r\nBcc: all@example.org", "control characters"),
        ("eve@example.org", "Eve\x1b[2J", "control characters"),
        ("eve@example.org", "Eve\u202eevil", "control characters"),  # right-to-left override
        ("eve@example.org", "E" * 201, "longer than 200"),
    ],
)
def test_door_refuses(email, name, reason):
    with pytest.raises(InvalidSubscriber, match=reason):
        make_spec(email, name=name)


def test_door_refuses_controls_in_organisation_and_keywords():
    with pytest.raises(InvalidSubscriber, match="organisation"):
        make_spec("a@b.example", organization="Org\nX")
    with pytest.raises(InvalidSubscriber, match="keyword"):
        make_spec("a@b.example", keywords="wage,\x07bell")


def test_door_normalises_addresses():
    assert make_spec("  Ana@Freedom.Example ").email == "ana@freedom.example"
    # An internationalised domain is kept in the ASCII form every server takes.
    assert make_spec("eve@exämple.org").email == "eve@xn--exmple-cua.org"
    assert make_spec("eve@example.org", name="Zed [/] x").name == "Zed [/] x"


def test_import_skips_bad_rows_and_keeps_good_ones(Session, tmp_path: Path):  # noqa: N803
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name\n"
        f"{CYRILLIC_EVE},Eve\n"
        'ana@freedom.example,"Ana\r\nBcc: x@y.example"\n'
        "ben@freedom.example,Ben\n",
        encoding="utf-8",
    )
    with Session.begin() as s:
        result = import_csv(s, path)
    assert result.added == 1 and len(result.errors) == 2
    assert "Internationalized" in result.errors[0] and "control characters" in result.errors[1]
    with Session.begin() as s:
        assert list(s.scalars(select(Subscriber.email))) == ["ben@freedom.example"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "Bad\nBcc: everyone@example.org", "linefeed"),
        ("email", CYRILLIC_EVE, "UnicodeEncodeError"),
    ],
)
@pytest.mark.parametrize("kind", ["digest", "alert"])
def test_compose_skips_only_the_subscriber_whose_data_breaks_the_message(
    Session,  # noqa: N803
    db_url,
    kind,
    field,
    value,
    reason,
):
    build_world(Session)
    amend_hb10(Session)
    advance_sb5(Session)
    frequency = "daily" if kind == "digest" else "immediate"
    ids = [
        subscribe(Session, f"{who}@freedom.example", states="TX", tags="alert", frequency=frequency)
        for who in ("ana", "bad", "cy")
    ]
    with Session.begin() as s:
        # Stored before the door checked: a line feed or a Cyrillic address breaks the header.
        setattr(s.get(Subscriber, ids[1]), field, value)
    with Session.begin() as s:
        if kind == "digest":
            done = compose_digests(s, "daily", NOW, settings_for(db_url))
        else:
            done = compose_alerts(s, NOW, settings_for(db_url))
    assert done.enqueued == 2 and len(done.errors) == 1
    assert done.errors[0].startswith(f"{kind}:{ids[1]}:") and reason in done.errors[0]
    with Session.begin() as s:
        queued = set(s.scalars(select(OutboxMessage.subscriber_id)))
    assert queued == {ids[0], ids[2]}
