"""The store upserts on natural keys: the same record twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion, Sponsorship
from billwatch.db.store import InvalidRecord, find_bill, upsert_bill
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord


def make_bill(**overrides) -> BillRecord:
    record = BillRecord(
        jurisdiction="CA",
        session="2025-2026",
        identifier="AB 99",
        title="An act relating to labor recruiters.",
        versions=[
            VersionRecord(
                note="Introduced",
                date=dt.date(2025, 1, 5),
                text="SECTION 1. Recruiters shall register.",
            )
        ],
        actions=[
            ActionRecord(
                date=dt.date(2025, 1, 5),
                description="Introduced. Read first time.",
                organization="lower",
            ),
            ActionRecord(
                date=dt.date(2025, 1, 20),
                description="Referred to Com. on L. & E.",
                organization="lower",
            ),
        ],
        sponsors=[SponsorRecord(name="Rivera")],
    )
    for key, value in overrides.items():
        setattr(record, key, value)
    return record


def counts(session) -> tuple[int, int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(m))
        for m in (Bill, BillVersion, BillAction, Sponsorship)
    )


def test_same_record_twice_changes_nothing(Session):
    with Session.begin() as s:
        first = upsert_bill(s, make_bill())
    with Session.begin() as s:
        second = upsert_bill(s, make_bill())
        assert counts(s) == (1, 1, 2, 1)
    assert first.created and first.changed
    assert not second.changed


def test_new_version_and_action_are_added(Session):
    with Session.begin() as s:
        upsert_bill(s, make_bill())
    newer = make_bill()
    newer.versions.append(
        VersionRecord(
            note="Amended",
            date=dt.date(2025, 3, 1),
            text="SECTION 1. Recruiters shall register annually.",
        )
    )
    newer.actions.append(
        ActionRecord(
            date=dt.date(2025, 3, 1),
            organization="lower",
            description="From committee: Do pass. (Ayes 5. Noes 2.)",
        )
    )
    with Session.begin() as s:
        change = upsert_bill(s, newer)
        assert len(change.new_versions) == 1 and change.new_actions == 1
        bill = find_bill(s, "CA", "2025-2026", "AB 99")
        assert bill.stage == "passed committee"
        assert bill.last_action_date == dt.date(2025, 3, 1)
        assert counts(s) == (1, 2, 3, 1)


def test_reflowed_text_is_not_a_new_version(Session):
    with Session.begin() as s:
        upsert_bill(s, make_bill())
    reflowed = make_bill(
        versions=[VersionRecord(note="Introduced", text="SECTION 1.  Recruiters\nshall register.")]
    )
    with Session.begin() as s:
        assert upsert_bill(s, reflowed).new_versions == []


def test_invalid_record_is_refused_and_nothing_is_written(Session):
    bad = make_bill(versions=[VersionRecord(note="Introduced", text="short", inserted=[(0, 99)])])
    with pytest.raises(InvalidRecord, match="outside the text"):
        with Session.begin() as s:
            upsert_bill(s, bad)
    with Session() as s:
        assert counts(s) == (0, 0, 0, 0)


def test_unknown_jurisdiction_is_refused(Session):
    with pytest.raises(InvalidRecord, match="unknown jurisdiction"):
        with Session.begin() as s:
            upsert_bill(s, make_bill(jurisdiction="ZZ"))
