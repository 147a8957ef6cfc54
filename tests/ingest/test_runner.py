"""A bill that fails half-way leaves nothing behind; the others are stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion
from billwatch.ingest.runner import Ingester
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord


def bill(identifier, sponsor_name):
    return BillRecord(
        jurisdiction="MN",
        session="2025-2026",
        identifier=identifier,
        title="A bill.",
        versions=[VersionRecord(note="Introduced", text=f"Section 1. {identifier} text.")],
        actions=[
            ActionRecord(
                date=dt.date(2025, 2, 3),
                description="Introduction and first reading, referred to Judiciary",
                organization="upper",
            )
        ],
        sponsors=[SponsorRecord(name=sponsor_name)],
    )


def test_failure_mid_bill_rolls_the_whole_bill_back(Session):
    ingester = Ingester(Session, "ingest:test")
    ingester.start()
    # A sponsor without a name fails at the database, after the bill, its version and its
    # action were already written in the same transaction. On PostgreSQL a new bill's rows
    # wait in the batch's buffer, so the failure may show only when the batch is sent: it is
    # reported then, and the bill taken out of the counts.
    ingester.bill(bill("SF 10", None), "first.json")
    assert ingester.bill(bill("SF 11", "Vik"), "second.json").created
    stats = ingester.finish()
    assert [path for path, _ in stats.errors] == ["first.json"]
    assert (stats.bills_created, stats.versions_added, stats.actions_added) == (1, 1, 1)
    with Session() as session:
        assert session.scalars(select(Bill.identifier)).all() == ["SF 11"]
        assert session.scalar(select(func.count()).select_from(BillVersion)) == 1
        assert session.scalar(select(func.count()).select_from(BillAction)) == 1


def test_failed_update_keeps_the_stored_bill_as_it_was(Session):
    ingester = Ingester(Session, "ingest:test")
    assert ingester.bill(bill("SF 12", "Vik"), "v1.json").created
    newer = bill("SF 12", None)  # fails at the database after its new action was written
    newer.actions.append(
        ActionRecord(
            date=dt.date(2025, 3, 1), organization="upper", description="Committee report, to pass"
        )
    )
    newer.versions.append(VersionRecord(note="Amended", text="Section 1. Amended text."))
    assert ingester.bill(newer, "v2.json") is None
    assert ingester.stats.errors[0][0] == "v2.json"
    ingester.finish()  # commits the batch
    with Session() as session:
        stored = session.scalars(select(Bill).where(Bill.identifier == "SF 12")).one()
        assert [a.description for a in stored.actions] == [
            "Introduction and first reading, referred to Judiciary"
        ]
        assert [v.note for v in stored.versions] == ["Introduced"]
        assert stored.stage == "in committee"
