"""One person per legislator: source copies merge, links follow, re-ingest keeps the merge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billwatch.db.models import Bill, Person, PersonMatch, Sponsorship
from billwatch.db.people import decide, identifiers, match_name, merge_people, pending_matches
from billwatch.ingest.sources import run_ingest
from tests.conftest import ROOT

FILES = ROOT / "tests" / "files" / "people"
SHARED = ROOT.parent / "shared" / "fixtures"
OS_CA = SHARED / "openstates_people" / "ca" / "legislature"
DEMO = ROOT / "billwatch" / "demo" / "sample"


@pytest.fixture
def loaded(Session):
    if not OS_CA.is_dir():
        pytest.skip("../shared fixtures missing")
    run_ingest(Session, "people", sorted(OS_CA.glob("*.yml")))
    run_ingest(Session, "legiscan", [FILES / "legiscan"])
    return Session


def by_key(session, key: str) -> Person:
    return session.scalar(select(Person).where(Person.source_key == key))


def test_a_shared_ballotpedia_id_merges_across_seats(loaded):
    with loaded() as s:
        copy, os_row = (
            by_key(s, "legiscan:91001"),
            by_key(s, "ocd-person/295965df-6c71-4e11-806f-2b7d5be5d45c"),
        )
        assert ("ballotpedia", "aisha_wahab") in identifiers(copy) & identifiers(os_row)
        assert copy.merged_into_id == os_row.id
        assert os_row.merged_into_id is None


def test_the_same_seat_and_name_merge(loaded):
    with loaded() as s:
        copy = by_key(s, "legiscan:91002")
        assert (
            copy.merged_into_id == by_key(s, "ocd-person/78610d0e-c790-4fc9-ab8e-0887adbbe063").id
        )


def test_a_similar_name_in_the_same_seat_waits_for_review(loaded):
    with loaded() as s:
        copy = by_key(s, "legiscan:91003")
        assert copy.merged_into_id is None
        [(match, a, b)] = pending_matches(s)
        assert {a.source_key, b.source_key} == {
            "legiscan:91003",
            "ocd-person/6c2a35d5-c04c-44d0-8bd9-92a625e2b525",
        }
        assert 70 <= match.score < 90
    with loaded.begin() as s:
        decide(s, match.id, True, "tester")
    with loaded() as s:
        assert (
            by_key(s, "legiscan:91003").merged_into_id
            == by_key(s, "ocd-person/6c2a35d5-c04c-44d0-8bd9-92a625e2b525").id
        )


def test_a_rejected_match_is_not_proposed_again(loaded):
    with loaded.begin() as s:
        [(match, _, _)] = pending_matches(s)
        decide(s, match.id, False, "tester")
    run_ingest(loaded, "legiscan", [FILES / "legiscan"])
    with loaded() as s:
        assert pending_matches(s) == []
        assert s.scalar(select(PersonMatch.status)) == "rejected"
        assert by_key(s, "legiscan:91003").merged_into_id is None


def test_reingesting_keeps_the_merge(loaded):
    run_ingest(loaded, "legiscan", [FILES / "legiscan"])
    run_ingest(loaded, "people", sorted(OS_CA.glob("*.yml")))
    with loaded() as s:
        merged = s.scalars(select(Person.source_key).where(Person.merged_into_id.is_not(None)))
        assert sorted(merged) == ["legiscan:91001", "legiscan:91002"]
        assert len(pending_matches(s)) == 1


def test_sponsors_point_at_the_person_with_contacts(Session):
    run_ingest(Session, "legiscan", [DEMO / "legiscan" / "CA"])
    run_ingest(Session, "people", [DEMO / "people" / "ca"])
    with Session() as s:
        rows = s.execute(
            select(Sponsorship.name, Person.source_key, Person.email)
            .join(Person, Sponsorship.person_id == Person.id)
            .where(Sponsorship.entity_type == "person")
        ).all()
        assert rows
        assert all(key.startswith("ocd-person/") and email for _, key, email in rows)
        # 4 Open States people and their LegiScan copies: one unmerged row each.
        live = s.scalars(select(Person.name).where(Person.merged_into_id.is_(None))).all()
        assert len(live) == len(set(live))


def test_california_authors_resolve_within_the_membership(Session):
    tables = SHARED / "ca_leginfo_pubinfo"
    if not tables.is_dir():
        pytest.skip("../shared fixtures missing")
    run_ingest(Session, "people", [FILES / "ca"])
    run_ingest(Session, "ca_pubinfo", [tables])
    with Session() as s:
        rows = dict(
            s.execute(
                select(Bill.identifier + "/" + Sponsorship.name, Person.name)
                .select_from(Sponsorship)
                .join(Bill, Sponsorship.bill_id == Bill.id)
                .outerjoin(Person, Sponsorship.person_id == Person.id)
            ).all()
        )
    assert rows["SB 275/Smallwood-Cuevas"] == "Lola Smallwood-Cuevas"
    assert rows["SB 275/Limón"] == "Monique Limón"
    # Two members named Valencia: the Assembly bill's author is the Assembly one.
    assert rows["AB 831/Valencia"] == "Avelino Valencia"
    assert rows["AB 1656/Davies"] is None  # not a stored member: left unlinked, not guessed


def test_match_name_refuses_ambiguity():
    people = [
        Person(name="Avelino Valencia", chamber="lower", extras={"family_name": "Valencia"}),
        Person(name="Ana Valencia", chamber="upper", extras={"family_name": "Valencia"}),
    ]
    assert match_name("Valencia", people) is None
    assert match_name("Valencia", people, "upper").name == "Ana Valencia"
    assert match_name("VALENCIA, Ana", people).name == "Ana Valencia"


def test_merge_twice_changes_nothing(loaded):
    with loaded.begin() as s:
        report = merge_people(s)
    assert report.merged == 0 and report.pending == 0
