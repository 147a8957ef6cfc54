"""openstates/people YAML: the real legislators and committees and our own MN files."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from billwatch.ingest import people
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, shared_path

TODAY = dt.date(2026, 11, 26)
MN = FILES / "ingest" / "people" / "mn"


def real(*parts):
    folder = shared_path("fixtures", "openstates_people", *parts[:-1])
    [path] = folder.glob(parts[-1])
    return yaml.safe_load(path.read_text())


def test_two_roles_current_is_the_open_one():
    person = people.parse_person_yaml(real("ca", "legislature", "Akilah-Weber-*.yml"), "ca", TODAY)
    assert (person.chamber, person.district, person.active) == ("upper", "39", True)
    assert person.source_key == "ocd-person/6c2a35d5-c04c-44d0-8bd9-92a625e2b525"
    assert person.jurisdiction == "CA" and person.party == "Democratic"
    assert [(o.classification, o.voice) for o in person.offices] == [
        ("capitol", "916-651-4039"),
        ("district", "619-688-6700"),
    ]


def test_role_ending_before_it_starts_is_ignored():
    person = people.parse_person_yaml(real("wa", "legislature", "Jeff-Holy-*.yml"), "wa", TODAY)
    assert (person.chamber, person.district, person.active) == ("upper", "6", True)
    assert [o.address for o in person.offices][1] == "WA"


def test_contacts_of_a_senate_leader():
    data = real("ny", "legislature", "Andrea-Stewart-Cousins-*.yml")
    person = people.parse_person_yaml(data, "ny", TODAY)
    assert person.email == "scousins@nysenate.gov"
    assert len(person.offices) == 4 and person.extras["ids"] == {"twitter": "AndreaSCousins"}


def test_real_committee_members_join_on_person_id():
    committee = people.parse_committee_yaml(
        real("ca", "committees", "upper-Public-Safety-*.yml"), "ca"
    )
    assert (committee.name, committee.chamber) == ("Public Safety", "upper")
    assert committee.members[0].name == "Jesse Arreguín" and committee.members[0].role == "chair"
    assert all(m.person_ref.startswith("ocd-person/") for m in committee.members)


def test_own_party_change_and_former_member():
    vik = people.parse_person_yaml(
        yaml.safe_load(next(MN.glob("legislature/Hanna-Vik-*")).read_text()), "mn", TODAY
    )
    assert (vik.party, vik.chamber, vik.district) == ("Independent", "upper", "12")
    assert vik.offices[0].fax == "651-555-0199"
    rask = people.parse_person_yaml(
        yaml.safe_load(next(MN.glob("legislature/Otto-Rask-*")).read_text()), "mn", TODAY
    )
    assert (rask.chamber, rask.district, rask.active) == ("lower", "44B", False)


def test_own_committee_member_without_person_id():
    data = yaml.safe_load(next(MN.glob("committees/*.yml")).read_text())
    committee = people.parse_committee_yaml(data, "mn")
    assert [(m.name, m.person_ref is not None) for m in committee.members] == [
        ("Hanna Vik", True),
        ("Leif Andersen", False),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "No Id", "roles": [{"type": "lower", "district": "1"}]},
        {"id": "ocd-person/x", "name": "No Roles", "roles": []},
        {
            "id": "ocd-person/x",
            "name": "Bad Role",
            "roles": [{"type": "upper", "start_date": "2020-01-02", "end_date": "2019-01-01"}],
        },
        ["not", "a", "mapping"],
    ],
)
def test_person_without_required_parts(data):
    with pytest.raises(ParseError):
        people.parse_person_yaml(data, "mn", TODAY)
