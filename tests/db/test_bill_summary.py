"""`bill_summary` / `bill_tag_summary` (migration 0011) stay equal to what `bill_overview`
derived per bill before it (latest version, its latest classification, current tags), after
ingest, re-ingest, retagging, review decisions and deletions, and on upgrade of a filled database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db import faceted
from billwatch.db.models import Bill, BillVersion, Tag, VersionClassification
from billwatch.db.session import get_engine, get_sessionmaker, upgrade
from billwatch.db.store import upsert_bill
from billwatch.records import BillRecord, VersionRecord
from billwatch.web.review import decide
from billwatch.web.security import create_user
from classifier.store import write_result
from classifier.tagger import DocResult, Evidence, SectionResult

NOW = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
TEXT_1 = "SECTION 1. A person who commits loitering is guilty of a class B misdemeanor."
TEXT_2 = "SECTION 1. A person who commits loitering is guilty of a felony. SECTION 2. Housing."

# What bill_overview computed for every bill before 0011, written out independently here.
REFERENCE = """
SELECT b.id,
  (SELECT v.id FROM bill_versions v WHERE v.bill_id = b.id
    ORDER BY v.date IS NULL, v.date DESC, v.id DESC LIMIT 1) AS lv
FROM bills b
"""


def expected(session: Session) -> dict[int, tuple[int | None, str | None, frozenset[str]]]:
    """Per bill: (latest version, stance, current tags), from the base tables."""
    out = {}
    for bill_id, lv in session.execute(text(REFERENCE)):
        stance, tags = None, frozenset[str]()
        if lv is not None:
            vc = session.execute(
                select(VersionClassification.classifier_version, VersionClassification.stance)
                .where(VersionClassification.version_id == lv)
                .order_by(
                    VersionClassification.classified_at.desc(), VersionClassification.id.desc()
                )
                .limit(1)
            ).first()
            if vc is not None:
                stance = vc.stance
                tags = frozenset(
                    session.scalars(
                        select(Tag.tag).where(
                            Tag.version_id == lv,
                            Tag.classifier_version == vc.classifier_version,
                            (Tag.review_state.is_(None)) | (Tag.review_state != "rejected"),
                        )
                    )
                )
        out[bill_id] = (lv, stance, tags)
    return out


def stored(session: Session) -> dict[int, tuple[int | None, str | None, frozenset[str]]]:
    """The same, as `bill_overview` and the summary tables give it now."""
    tagged: dict[int, set[str]] = {}
    for bill_id, tag in session.execute(text("SELECT bill_id, tag FROM bill_tag_summary")):
        tagged.setdefault(bill_id, set()).add(tag)
    out = {}
    for bill_id, lv, stance, tags in session.execute(
        text("SELECT bill_id, latest_version_id, stance, tags FROM bill_overview")
    ):
        listed = frozenset(t for t in (tags or "").split(",") if t)
        assert listed == frozenset(tagged.get(bill_id, ())), bill_id
        assert len((tags or "").split(",")) == len(listed) or not tags  # no duplicates
        out[bill_id] = (lv, stance, listed)
    assert set(tagged) <= set(out)
    # One summary row per bill, with copies of the bill's own filter columns.
    copies = "jurisdiction_id, session_id, stage, last_action_date"
    summary = set(session.execute(text(f"SELECT bill_id, {copies} FROM bill_summary")))
    assert summary == set(session.execute(text(f"SELECT id, {copies} FROM bills")))
    return out


def check(factory: sessionmaker[Session]) -> dict[int, tuple[int | None, str | None, frozenset]]:
    with factory() as s:
        now = stored(s)
        assert now == expected(s)
        return now


def record(identifier: str, *versions: VersionRecord) -> BillRecord:
    return BillRecord(
        jurisdiction="TX",
        session="89R",
        identifier=identifier,
        title=f"Relating to {identifier}",
        source_urls=[f"https://capitol.texas.gov/{identifier.replace(' ', '')}"],
        versions=list(versions),
    )


def result(stance: str, *tags: str) -> DocResult:
    evidence = [Evidence(tag=t, start=0, end=10, quote="SECTION 1.") for t in tags]
    section = SectionResult(
        index=0,
        label="SECTION 1",
        start=0,
        end=10,
        tags=list(tags),
        scores={t: 0.9 for t in tags},
        evidence=evidence,
    )
    return DocResult(
        sections=[section], tags=list(tags), evidence=evidence, scores={}, stance=stance
    )


def facets_of(factory: sessionmaker[Session], **params: list[str]) -> dict:
    with factory() as s:
        return faceted.run(s, faceted.Filters.from_params(params)).facets


def test_summary_follows_ingest_retag_review_and_deletes(db_url):
    factory = get_sessionmaker(db_url)
    v1 = VersionRecord(note="Introduced", date=dt.date(2026, 1, 10), text=TEXT_1)
    with factory.begin() as s:
        hb10 = upsert_bill(s, record("HB 10", v1), now=NOW).bill_id
        sb5 = upsert_bill(s, record("SB 5"), now=NOW).bill_id  # no versions yet
    assert check(factory) == {
        hb10: (_latest(factory, hb10), None, frozenset()),
        sb5: (None, None, frozenset()),
    }

    # Tagging (the classifier's own writer): stance and tags appear.
    with factory.begin() as s:
        row = s.get(BillVersion, _latest(factory, hb10))
        write_result(s, row, result("ALERT", "penalty_increase", "survivor_services"), "c-1")
    state = check(factory)
    assert state[hb10][1:] == ("ALERT", frozenset({"penalty_increase", "survivor_services"}))
    assert ("penalty_increase", 1) in facets_of(factory, state=["TX"])["tag"]

    # Re-ingest with a newer version: the summary moves to it, untagged until classified.
    v2 = VersionRecord(note="Amended", date=dt.date(2026, 2, 1), text=TEXT_2)
    with factory.begin() as s:
        upsert_bill(s, record("HB 10", v1, v2), now=NOW)
        upsert_bill(s, record("SB 5", v1), now=NOW)
    state = check(factory)
    newest = _latest(factory, hb10)
    assert state[hb10] == (newest, None, frozenset())
    assert state[sb5][0] is not None
    with factory.begin() as s:
        write_result(s, s.get(BillVersion, newest), result("mixed", "penalty_increase"), "c-1")
    assert check(factory)[hb10][1:] == ("mixed", frozenset({"penalty_increase"}))

    # Retagging with a newer classifier: only its tags count.
    with factory.begin() as s:
        write_result(
            s,
            s.get(BillVersion, newest),
            result("TRACK", "survivor_services", "record_relief"),
            "c-2",
        )
    assert check(factory)[hb10][1:] == ("TRACK", frozenset({"survivor_services", "record_relief"}))
    assert facets_of(factory, tag=["record_relief"])["stance"] == [("TRACK", 1)]

    # A review that rejects a tag takes it out; a relabel adds the reviewer's tag.
    with factory.begin() as s:
        user = create_user(s, "reviewer@example.org", "a-long-password-1", "reviewer")
        ids = {t.tag: t.id for t in s.scalars(select(Tag).where(Tag.classifier_version == "c-2"))}
        decide(s, ids["record_relief"], user, "reject", now=NOW)
        decide(s, ids["survivor_services"], user, "relabel", new_tag="diversion_court", now=NOW)
    assert check(factory)[hb10][2] == frozenset({"diversion_court"})
    assert facets_of(factory, tag=["record_relief"])["stance"] == []

    # The bill's own columns that search filters on follow updates.
    with factory.begin() as s:
        bill = s.get(Bill, hb10)
        assert bill is not None
        bill.stage, bill.last_action_date = "enacted", dt.date(2026, 5, 1)
    check(factory)
    assert facets_of(factory, tag=["diversion_court"])["stage"] == [("enacted", 1)]

    # Deleting a classification, a version and a bill.
    with factory.begin() as s:
        s.execute(
            delete(VersionClassification).where(VersionClassification.classifier_version == "c-2")
        )
    assert check(factory)[hb10][1:] == ("mixed", frozenset({"penalty_increase"}))
    with factory.begin() as s:
        s.delete(s.get(BillVersion, newest))
    assert check(factory)[hb10][0] != newest
    with factory.begin() as s:
        s.delete(s.get(Bill, hb10))
    assert set(check(factory)) == {sb5}


def _latest(factory: sessionmaker[Session], bill_id: int) -> int:
    with factory() as s:
        return s.execute(text(REFERENCE + " WHERE b.id = :b"), {"b": bill_id}).one().lv


def test_upgrade_fills_the_summary_of_an_existing_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0010")
    factory = get_sessionmaker(url)
    v1 = VersionRecord(note="Introduced", date=dt.date(2026, 1, 10), text=TEXT_1)
    v2 = VersionRecord(note="Amended", date=dt.date(2026, 2, 1), text=TEXT_2)
    with factory.begin() as s:
        hb10 = upsert_bill(s, record("HB 10", v1, v2), now=NOW).bill_id
        upsert_bill(s, record("SB 5", v1), now=NOW)
        upsert_bill(s, record("HB 11"), now=NOW)
        for version in s.scalars(select(BillVersion)):
            write_result(s, version, result("ALERT", "penalty_increase", "record_relief"), "c-1")
        rejected = s.scalars(select(Tag).where(Tag.tag == "record_relief")).first()
        assert rejected is not None
        rejected.review_state = "rejected"
    with get_engine(url).connect() as conn:
        before = {
            r.bill_id: (r.stance, r.tags) for r in conn.execute(text("SELECT * FROM bill_overview"))
        }
    assert before[hb10][0] == "ALERT"

    upgrade(url)
    state = check(factory)
    assert len(state) == 3
    assert {b: (st, ",".join(sorted(t)) or None) for b, (_, st, t) in state.items()} == {
        b: (st, ",".join(sorted((tags or "").split(","))) or None)
        for b, (st, tags) in before.items()
    }


def test_facet_counts_match_the_view_for_every_filter_combination(db_url):
    factory = get_sessionmaker(db_url)
    stances = ["ALERT", "TRACK", "mixed", "none", "ALERT"]
    with factory.begin() as s:
        for i, stance in enumerate(stances * 2):
            state = "TX" if i % 3 else "CA"
            version = VersionRecord(note="Introduced", date=dt.date(2026, 1, 1 + i), text=TEXT_1)
            rec = record(f"HB {i}", version)
            rec = BillRecord(**{**rec.__dict__, "jurisdiction": state})
            bill_id = upsert_bill(s, rec, now=NOW).bill_id
            s.get(Bill, bill_id).stage = "introduced" if i % 2 else "enacted"  # type: ignore[union-attr]
            latest = s.scalars(select(BillVersion).where(BillVersion.bill_id == bill_id)).one()
            tags = ("penalty_increase", "survivor_services")[: 1 + i % 2]
            write_result(s, latest, result(stance, *tags), "c-1")
    with factory() as s:
        view = [r._asdict() for r in s.execute(text("SELECT * FROM bill_overview"))]
    combos = [
        {},
        {"state": ["TX"]},
        {"stance": ["ALERT"]},
        {"state": ["CA"], "tag": ["survivor_services"]},
        {"stage": ["enacted"], "stance": ["none"], "state": ["TX"]},
    ]
    columns = {"state": "jurisdiction", "session": "session", "stance": "stance", "stage": "stage"}
    for params in combos:
        found = facets_of(factory, **params)

        def keep(row: dict, skip: str, params: dict = params) -> bool:
            for name, values in params.items():
                if name == skip:
                    continue
                if name == "tag":
                    if not set(values) <= set((row["tags"] or "").split(",")):
                        return False
                elif row[columns[name]] not in values:
                    return False
            return True

        for name, col in columns.items():
            counts: dict[str, int] = {}
            for row in view:
                if keep(row, name) and row[col] is not None:
                    counts[row[col]] = counts.get(row[col], 0) + 1
            assert found[name] == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), (
                params,
                name,
            )
        tag_counts: dict[str, int] = {}
        for row in view:
            if keep(row, "tag"):
                for t in (row["tags"] or "").split(","):
                    tag_counts[t] = tag_counts.get(t, 0) + 1
        assert found["tag"] == sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0])), params
        with factory() as s:
            total = faceted.run(s, faceted.Filters.from_params(params)).total
        assert total == sum(1 for row in view if keep(row, "")), params


def test_downgrade_restores_the_view_with_its_own_subqueries(tmp_path):
    from alembic import command

    from billwatch.db.session import alembic_config

    url = f"sqlite:///{tmp_path / 'db.db'}"
    upgrade(url)
    factory = get_sessionmaker(url)
    v1 = VersionRecord(note="Introduced", date=dt.date(2026, 1, 10), text=TEXT_1)
    with factory.begin() as s:
        upsert_bill(s, record("HB 10", v1), now=NOW)
        write_result(s, s.scalars(select(BillVersion)).one(), result("ALERT", "prevention"), "c")
    query = text("SELECT bill_id, latest_version_id, stance, tags FROM bill_overview")
    with get_engine(url).connect() as conn:
        now = list(conn.execute(query))
    command.downgrade(alembic_config(url), "0010")
    with get_engine(url).connect() as conn:
        assert list(conn.execute(query)) == now
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert not {n for n in names if "bill_summary" in n or "bill_tag_summary" in n}


# PostgreSQL only: its lock table is what a per-bill lock used to exhaust; SQLite has none.
@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_bulk_load_in_one_transaction_keeps_the_summary(db_url):
    """More bills and versions in one transaction than PostgreSQL's lock table holds (64 locks
    per transaction x 100 connections by default): the triggers' per-bill locking must not run
    out of it (advisory locks did)."""
    from sqlalchemy import insert

    from billwatch.db.models import Jurisdiction, LegislativeSession

    factory = get_sessionmaker(db_url)
    n = 16_000
    with factory.begin() as s:
        s.add(Jurisdiction(id=1, code="TX", name="Texas"))
        s.add(LegislativeSession(id=1, jurisdiction_id=1, identifier="89R"))
        s.flush()
        s.execute(
            insert(Bill.__table__),
            [
                {
                    "id": i,
                    "jurisdiction_id": 1,
                    "session_id": 1,
                    "identifier": f"HB {i}",
                    "title": "t",
                    "stage": "introduced",
                    "first_seen": NOW,
                    "last_seen": NOW,
                    "updated_at": NOW,
                }
                for i in range(1, n + 1)
            ],
        )
        s.execute(
            insert(BillVersion.__table__),
            [
                {
                    "id": i,
                    "bill_id": i,
                    "note": "Introduced",
                    "date": dt.date(2026, 1, 1),
                    "text": "x",
                    "content_hash": f"{i:064x}",
                    "created_at": NOW,
                }
                for i in range(1, n + 1)
            ],
        )
    with factory() as s:
        assert s.scalar(text("SELECT count(*) FROM bill_summary")) == n
        assert (
            s.scalar(text("SELECT count(*) FROM bill_summary WHERE latest_version_id = bill_id"))
            == n
        )
