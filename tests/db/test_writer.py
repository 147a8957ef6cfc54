"""The one Writer: unchanged records cost no writes, texts fill their links, writers run at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, func, select

from billwatch.db.models import Bill, BillAction, BillVersion, Sponsorship
from billwatch.db.store import Change, InvalidRecord
from billwatch.db.writer import MAX_ERROR_SAMPLES, ErrorLog, Writer
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord, VersionText

LINK = "https://leginfo.example/AB7-introduced.html"


def bill(identifier: str = "AB 7", text: str = "") -> BillRecord:
    return BillRecord(
        jurisdiction="CA",
        session="2025-2026",
        identifier=identifier,
        title="An act relating to farm labor contractors.",
        versions=[VersionRecord(note="Introduced", url=LINK, source_key="d7", text=text)],
        actions=[
            ActionRecord(dt.date(2025, 1, 6), "Introduced. Read first time.", "lower"),
            ActionRecord(dt.date(2025, 1, 21), "Referred to Com. on L. & E.", "lower"),
        ],
        sponsors=[
            SponsorRecord(name="Rivera"),
            SponsorRecord(name="Lee", classification="cosponsor"),
        ],
    )


def counts(Session) -> tuple[int, int, int, int]:  # noqa: N803
    with Session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Bill, BillVersion, BillAction, Sponsorship)
        )


def test_an_unchanged_record_is_only_compared(Session, db_url) -> None:  # noqa: N803
    first = Writer(Session, "test")
    created = first.bill(bill())
    first.close()
    assert created.created and created.new_actions == 2
    with Session() as s:
        seen_before = s.scalar(select(Bill.last_seen))
    statements: list[str] = []
    engine = Session.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        again = Writer(Session, "test")
        changes = [again.bill(bill())]
        reads = len(statements)  # the session's stored hashes, read once
        changes += [again.bill(bill()) for _ in range(2)]
        after = len(statements)
        again.close()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not any(c.changed for c in changes) and {c.id for c in changes} == {created.id}
    # Then each record costs no statement at all, and no bill part is ever inserted.
    assert after == reads
    inserts = [s for s in statements if s.lstrip().startswith("INSERT INTO bill")]
    assert inserts == []
    assert counts(Session) == (1, 1, 2, 2)
    with Session() as s:
        assert s.scalar(select(Bill.last_seen)) >= seen_before  # marked seen, in one batch


def test_a_link_is_reported_until_its_text_is_stored(Session) -> None:  # noqa: N803
    writer = Writer(Session, "test")
    change = writer.bill(bill())
    assert [v.url for v in change.needs_text] == [LINK]
    assert change.new_versions == []  # a link is not a new version
    text = VersionRecord(note="", url=LINK, source_key="d7", text="SECTION 1. Contractors pay.")
    stored = writer.write(VersionText("CA", "2025-2026", "AB 7", text))
    assert len(stored.new_versions) == 1
    # The same text again is not new; the bill seen again needs no fetch.
    assert writer.write(VersionText("CA", "2025-2026", "AB 7", text)).new_versions == []
    writer.close()
    later = Writer(Session, "test")
    assert later.bill(bill()).needs_text == []
    later.close()
    with Session() as s:
        [version] = s.scalars(select(BillVersion)).all()
        assert (version.note, version.url, version.text) == (
            "Introduced",
            LINK,
            "SECTION 1. Contractors pay.",
        )


def test_a_text_for_an_unknown_bill_is_refused(Session) -> None:  # noqa: N803
    writer = Writer(Session, "test")
    item = VersionText("CA", "2025-2026", "AB 404", VersionRecord(note="x", text="Some text."))
    with pytest.raises(InvalidRecord, match="AB 404 is not stored"):
        writer.write(item)
    writer.close()


def test_a_failure_inside_a_batch_keeps_the_others(Session) -> None:  # noqa: N803
    writer = Writer(Session, "test", batch=50)
    reported: list[tuple[str, str]] = []
    writer.on_error = lambda where, reason: reported.append((where, reason))
    undone: list[Change] = []
    writer.on_undone = undone.append
    writer.bill(bill("AB 1"), "AB1.json")
    broken = bill("AB 2")
    broken.sponsors.append(SponsorRecord(name=None))  # type: ignore[arg-type]
    # In a batch a new bill's rows wait in the buffer: the database refuses them at once or
    # when the batch is sent. Either way the failure is reported once, under its name.
    with writer.guard("AB2.json"):
        writer.bill(broken, "AB2.json")
    writer.bill(bill("AB 3"), "AB3.json")
    writer.close()
    assert [where for where, _ in reported] == ["AB2.json"]
    assert "null" in reported[0][1].lower()
    # A failure found after the bill's call returned undoes the change that call reported.
    assert [c.created for c in undone] == [True]
    with Session() as s:
        assert s.scalars(select(Bill.identifier).order_by(Bill.identifier)).all() == [
            "AB 1",
            "AB 3",
        ]
    assert counts(Session) == (2, 2, 4, 4)


def test_a_text_after_a_batch_went_back_reaches_its_bill(Session) -> None:  # noqa: N803
    # The batch goes back to its start when AB 2 fails and writes AB 1 again (perhaps under a
    # new id): the id handed out for AB 1 before still takes its text.
    writer = Writer(Session, "test", batch=50)
    first = writer.bill(bill("AB 1"))
    broken = bill("AB 2")
    broken.sponsors.append(SponsorRecord(name=None))  # type: ignore[arg-type]
    with writer.guard("AB2.json"):  # refused at once, or when the text sends the batch
        writer.bill(broken, "AB2.json")
    text = VersionRecord(note="", url=LINK, source_key="d7", text="SECTION 1. Contractors pay.")
    assert len(writer.text_of(first.id, text).new_versions) == 1
    writer.close()
    assert [s["url"] for s in writer.errors.samples] == ["AB2.json"]
    with Session() as s:
        [version] = s.scalars(select(BillVersion)).all()
        assert (version.bill.identifier, version.text) == ("AB 1", "SECTION 1. Contractors pay.")
    assert counts(Session) == (1, 1, 2, 2)


def test_ids_drawn_ahead_follow_another_writers_bills(Session) -> None:  # noqa: N803
    # A batch draws its new bills' ids ahead (on SQLite counted up from the largest, under its
    # write lock): bills another writer stored between two batches must not be reused.
    writer = Writer(Session, "test", batch=2)
    first = [writer.bill(bill(f"AB {n}")).id for n in (1, 2)]  # the batch commits after two
    other = Writer(Session, "test", batch=2)
    theirs = [other.bill(bill(f"AB {n}")).id for n in (10, 11)]
    other.close()
    later = [writer.bill(bill(f"AB {n}")).id for n in (3, 4)]
    writer.close()
    assert writer._falls == 0 and writer.errors.count == 0  # no batch had to go back
    assert len(set(first + theirs + later)) == 6
    with Session() as s:
        stored = dict(s.execute(select(Bill.identifier, Bill.id)).all())
    assert [stored[f"AB {n}"] for n in (1, 2, 10, 11, 3, 4)] == first + theirs + later
    assert counts(Session) == (6, 6, 12, 12)


def test_two_writers_at_once_upsert_without_errors(Session) -> None:  # noqa: N803
    records = [bill(f"AB {n}", text=f"SECTION 1. Text {n}.") for n in range(40)]
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def ingest(order: list[BillRecord]) -> None:
        writer = Writer(Session, "test", batch=10)
        start.wait()
        try:
            for record in order:
                writer.bill(record)
        except BaseException as exc:  # reported below: the test fails on any error
            failures.append(exc)
        finally:
            writer.close()

    # Opposite orders: each batch soon waits for rows the other holds (a deadlock on PostgreSQL).
    orders = [records, records[::-1]]
    threads = [threading.Thread(target=ingest, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert counts(Session) == (40, 40, 80, 80)


def test_error_samples_are_capped_but_all_counted() -> None:
    log = ErrorLog()
    for n in range(MAX_ERROR_SAMPLES + 7):
        log.add(f"file{n}.json", "bad")
    assert log.count == MAX_ERROR_SAMPLES + 7
    assert len(log.samples) == MAX_ERROR_SAMPLES
    assert log.samples[0] == {"url": "file0.json", "reason": "bad"}


def test_a_queued_text_the_database_refuses_is_reported_and_keeps_the_others(
    Session,  # noqa: N803
    db_url,
) -> None:
    # A bulk ingest on PostgreSQL queues its texts and reads their results later; a text
    # refused (a media type longer than its column, which SQLite does not check) must be
    # reported under its own name while the batch's other records are kept.
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce column lengths, and writes its texts at once")
    writer = Writer(Session, "test", batch=50)
    reported: list[str] = []
    writer.on_error = lambda where, _reason: reported.append(where)
    first, second = writer.bill(bill("AB 1")), writer.bill(bill("AB 2"))
    bad = VersionRecord(
        note="", url=LINK, source_key="d7", text="SECTION 1. Bad.", media_type="x" * 150
    )
    good = VersionRecord(note="", url=LINK, source_key="d7", text="SECTION 1. Contractors pay.")
    # Its failure shows at once or only at the commit (psycopg reads a queued statement's
    # result when it can): either way it is reported once, under its own name.
    with writer.guard("AB1-text.json"):
        writer.text_of(first.id, bad, "AB1-text.json")
    assert len(writer.text_of(second.id, good, "AB2-text.json").new_versions) == 1
    writer.close()
    assert reported == ["AB1-text.json"] and writer.errors.count == 1
    with Session() as s:
        texts = dict(
            s.execute(select(Bill.identifier, BillVersion.text).join(BillVersion.bill)).all()
        )
    assert texts == {"AB 1": "", "AB 2": "SECTION 1. Contractors pay."}
    assert counts(Session) == (2, 2, 4, 4)


def test_a_text_queued_after_its_batch_went_back_reaches_its_bill(
    Session,  # noqa: N803
    db_url,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An earlier queued text's failure can surface only at the next text's first query (the
    # server answered late): the batch goes back and its bills may get new ids, which the
    # waiting text must follow instead of writing to its bill's old id.
    if not db_url.startswith("postgresql"):
        pytest.skip("texts are queued on PostgreSQL only")
    writer = Writer(Session, "test", batch=50)
    first, second = writer.bill(bill("AB 1")), writer.bill(bill("AB 2"))
    one = VersionRecord(note="", url=LINK, source_key="d7", text="SECTION 1. Brokers pay.")
    two = VersionRecord(note="", url=LINK, source_key="d7", text="SECTION 1. Contractors pay.")
    writer.text_of(first.id, one, "AB1-text.json")
    reserve = writer._pool.reserve

    def late_failure(conn, table, count) -> None:  # as if AB 1's text failed only now
        monkeypatch.setattr(writer._pool, "reserve", reserve)
        reserve(conn, table, count)
        writer._fall_back()

    monkeypatch.setattr(writer._pool, "reserve", late_failure)
    change = writer.text_of(second.id, two, "AB2-text.json")
    writer.close()
    assert len(change.new_versions) == 1 and writer.errors.count == 0
    with Session() as s:
        texts = dict(
            s.execute(select(Bill.identifier, BillVersion.text).join(BillVersion.bill)).all()
        )
    assert texts == {"AB 1": "SECTION 1. Brokers pay.", "AB 2": "SECTION 1. Contractors pay."}
    assert counts(Session) == (2, 2, 4, 4)
