"""A bill that fails half-way leaves nothing behind; the others are stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion
from billwatch.ingest.runner import Ingester
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord


def bill(identifier, sponsor_name):
    return BillRecord(
        jurisdiction="MN", session="2025-2026", identifier=identifier, title="A bill.",
        versions=[VersionRecord(note="Introduced", text=f"Section 1. {identifier} text.")],
        actions=[ActionRecord(date=dt.date(2025, 2, 3), description="Introduction and first"
                              " reading, referred to Judiciary", organization="upper")],
        sponsors=[SponsorRecord(name=sponsor_name)],
    )


def test_failure_mid_bill_rolls_the_whole_bill_back(Session):
    ingester = Ingester(Session, "ingest:test")
    ingester.start()
    # A sponsor without a name fails at the database, after the bill, its version and its
    # action were already written in the same transaction.
    assert ingester.bill(bill("SF 10", None), "first.json") is None
    assert ingester.bill(bill("SF 11", "Vik"), "second.json").created
    stats = ingester.finish()
    assert [path for path, _ in stats.errors] == ["first.json"]
    assert stats.bills_created == 1
    with Session() as session:
        assert session.scalars(select(Bill.identifier)).all() == ["SF 11"]
        assert session.scalar(select(func.count()).select_from(BillVersion)) == 1
        assert session.scalar(select(func.count()).select_from(BillAction)) == 1
