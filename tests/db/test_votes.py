"""Roll-call votes: parsed from each source, stored once, exported as Open States v3, scored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from billwatch.db.models import (
    Bill,
    Jurisdiction,
    Person,
    PersonVote,
    VersionClassification,
    VoteEvent,
)
from billwatch.db.votes import scorecard, upsert_vote, vote_dicts
from billwatch.ingest.sources import run_ingest
from billwatch.ingest.votes import (
    option,
    parse_congress_house_vote,
    parse_legiscan_roll_call,
    parse_ny_floor_vote_xml,
    parse_ny_votes,
    parse_openstates_votes,
)
from tests.conftest import ROOT, shared_path

FILES = ROOT / "tests" / "files" / "votes"
DEMO = ROOT / "billwatch" / "demo" / "sample"


def test_legiscan_roll_call_from_the_dataset():
    payload = json.loads(
        shared_path("fixtures", "legiscan", "dataset_json", "vote", "154366.json").read_text()
    )
    vote = parse_legiscan_roll_call(payload, "WY")
    assert vote.source_key == "legiscan:154366"
    assert vote.start_date.isoformat() == "2012-02-14"
    assert vote.chamber == "upper" and vote.result == "pass"
    assert vote.counts == {"yes": 30, "no": 0}
    assert len(vote.votes) == 30 and {v.option for v in vote.votes} == {"yes"}
    assert vote.votes[0].voter_ref == "legiscan:8641"
    assert vote.bill_extras_key == ("legiscan", "bill_id", 395975)


def test_ny_senate_floor_vote_xml():
    path = next(shared_path("fixtures", "ny_openleg", "lbdc_xml").glob("*SENFLVOT_S01234.XML"))
    vote = parse_ny_floor_vote_xml(path.read_bytes())
    assert (vote.bill_identifier, vote.session) == ("S 1234", "2023-2024")
    assert vote.counts["yes"] == 61 and vote.counts["no"] == 2  # the file's own <totals>
    assert vote.chamber == "upper" and vote.result == "pass"
    assert vote.votes[0].voter_name == "Addabbo"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Yea", "yes"),
        ("Aye", "yes"),
        ("Nay", "no"),
        ("NV", "not voting"),
        ("Exc", "excused"),
        ("Abs", "absent"),
        ("Present", "abstain"),
        ("Not Voting", "not voting"),
        ("??", "other"),
    ],
)
def test_source_words_become_ocd_options(word, expected):
    assert option(word) == expected


def test_open_states_votes_are_kept_as_they_are():
    [vote] = parse_openstates_votes(json.loads((FILES / "openstates_bill.json").read_text()), "CA")
    assert vote.counts == {"yes": 41, "no": 30}  # the source's totals, not the listed voters
    assert vote.motion_classification == ["passage"]
    assert (vote.session, vote.bill_identifier, vote.chamber) == ("2025-2026", "AB 1750", "lower")
    assert vote.votes[0].voter_ref == "ocd-person/7ebfc7cb-1c6f-5867-94aa-faa11d310f32"


def test_ny_open_legislation_votes_by_member():
    result = {
        "basePrintNo": "S609",
        "session": 2017,
        "votes": {
            "items": [
                {
                    "version": "",
                    "voteType": "COMMITTEE",
                    "voteDate": "2017-03-07",
                    "committee": {"chamber": "SENATE", "name": "Codes"},
                    "memberVotes": {
                        "items": {
                            "AYE": {"items": [{"memberId": 1, "shortName": "ADDABBO"}], "size": 1},
                            "NAY": {"items": [{"memberId": 2, "shortName": "AKSHAR"}], "size": 1},
                            "EXC": {"items": [{"memberId": 3, "shortName": "BAILEY"}], "size": 1},
                        }
                    },
                }
            ]
        },
    }
    [vote] = parse_ny_votes(result)
    assert vote.counts == {"yes": 1, "no": 1, "excused": 1}
    assert vote.motion_classification == ["committee-passage"]
    assert vote.organization == "Codes" and vote.votes[1].voter_ref == "nysenate:2"


def test_congress_house_roll_call():
    payload = {
        "houseRollCallVote": {
            "congress": 118,
            "sessionNumber": 1,
            "rollCallNumber": 17,
            "startDate": "2023-01-12T12:00:00-05:00",
            "legislationType": "HR",
            "legislationNumber": "21",
            "voteQuestion": "On Passage",
            "result": "Passed",
        },
        "houseRollCallVoteMemberVotes": {
            "results": [
                {
                    "bioguideID": "A000370",
                    "firstName": "Alma",
                    "lastName": "Adams",
                    "voteCast": "Nay",
                },
                {
                    "bioguideID": "A000055",
                    "firstName": "Robert",
                    "lastName": "Aderholt",
                    "voteCast": "Yea",
                },
                {
                    "bioguideID": "A000371",
                    "firstName": "Pete",
                    "lastName": "Aguilar",
                    "voteCast": "Not Voting",
                },
            ]
        },
    }
    vote = parse_congress_house_vote(payload)
    assert (vote.bill_identifier, vote.session, vote.result) == ("HR 21", "118", "pass")
    assert vote.counts == {"no": 1, "yes": 1, "not voting": 1}
    assert vote.motion_classification == ["passage"]


@pytest.fixture
def demo(Session):
    run_ingest(Session, "people", [DEMO / "people" / "ca"])
    run_ingest(Session, "legiscan", [DEMO / "legiscan" / "CA"])
    stats = run_ingest(Session, "legiscan", [FILES / "legiscan"])
    assert stats.errors == []
    return Session


def test_dataset_roll_calls_link_to_bill_and_merged_people(demo):
    with demo() as s:
        events = s.scalars(select(VoteEvent).order_by(VoteEvent.start_date)).all()
        assert [e.source_key for e in events] == ["legiscan:9000002", "legiscan:9000001"]
        bill = s.get(Bill, events[1].bill_id)
        assert bill.identifier == "AB 1750"
        voters = s.execute(
            select(PersonVote.voter_name, PersonVote.option, Person.source_key)
            .join(Person, PersonVote.person_id == Person.id)
            .where(PersonVote.vote_event_id == events[1].id)
        ).all()
        assert sorted(voters) == [
            ("Erik Lindqvist", "yes", "ocd-person/7ebfc7cb-1c6f-5867-94aa-faa11d310f32"),
            ("June Tamura", "no", "ocd-person/9c915112-aa17-5bc0-ad05-088c3a184171"),
        ]


def test_reingesting_a_roll_call_changes_nothing(demo):
    run_ingest(demo, "legiscan", [FILES / "legiscan"])
    with demo() as s:
        assert s.scalar(select(func.count()).select_from(VoteEvent)) == 2
        assert s.scalar(select(func.count()).select_from(PersonVote)) == 4
        assert (
            s.scalar(
                select(func.count()).select_from(PersonVote).where(PersonVote.person_id.is_(None))
            )
            == 0
        )


def test_votes_export_like_open_states(demo):
    with demo() as s:
        bill_id = s.scalar(select(Bill.id).where(Bill.identifier == "AB 1750"))
        votes = vote_dicts(s, bill_id)
    third = votes[1]
    assert third["motion_text"] == "Assembly Third Reading AB1750 Lindqvist"
    assert third["start_date"] == "2026-05-28" and third["result"] == "pass"
    assert third["counts"] == [{"option": "no", "value": 1}, {"option": "yes", "value": 1}]
    assert {
        "option": "yes",
        "voter_name": "Erik Lindqvist",
        "voter_id": "ocd-person/7ebfc7cb-1c6f-5867-94aa-faa11d310f32",
    } in third["votes"]
    assert third["motion_classification"] == ["passage"]


def test_open_states_vote_upserts_onto_the_same_bill(demo):
    [record] = parse_openstates_votes(
        json.loads((FILES / "openstates_bill.json").read_text()), "CA"
    )
    with demo.begin() as s:
        event, created = upsert_vote(s, record)
        assert created and s.get(Bill, event.bill_id).identifier == "AB 1750"
    with demo.begin() as s:
        assert upsert_vote(s, record)[1] is False


def test_scorecard_reads_votes_against_the_bills_stance(demo):
    with demo.begin() as s:
        bill = s.scalar(select(Bill).where(Bill.identifier == "AB 1750"))
        s.add(
            VersionClassification(
                version_id=bill.versions[-1].id, classifier_version="t", stance="ALERT"
            )
        )
    with demo() as s:
        ca = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "CA"))
        rows = {r.name: r for r in scorecard(s, ca)}
        assert scorecard(s, ca, "1999") == []
    erik, june = rows["Erik Lindqvist"], rows["June Tamura"]
    assert (erik.alert_votes, erik.with_coalition, erik.against_coalition) == (2, 0, 2)
    assert erik.share == 0.0
    # Absent on the committee vote: counted as a vote, not in the share.
    assert (june.alert_votes, june.with_coalition, june.against_coalition) == (2, 1, 0)
    assert june.share == 1.0


def test_scorecard_command_writes_csv(demo):
    from typer.testing import CliRunner

    from billwatch.cli import app

    with demo.begin() as s:
        bill = s.scalar(select(Bill).where(Bill.identifier == "AB 1750"))
        s.add(
            VersionClassification(
                version_id=bill.versions[-1].id, classifier_version="t", stance="TRACK"
            )
        )
    result = CliRunner().invoke(app, ["scorecard", "--state", "ca", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("name,chamber,district,party,alert_votes")
    assert "Erik Lindqvist,lower,44,Democratic,0,2,2,0,1.0,AB 1750" in lines


@pytest.mark.parametrize(
    ("state", "message"),
    [("California", "use CA for California"), ("ZZ", "is not a state code")],
)
def test_scorecard_refuses_a_state_that_is_not_a_code(sqlite_url, state, message):
    from typer.testing import CliRunner

    from billwatch.cli import app

    result = CliRunner().invoke(app, ["scorecard", "--state", state])
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_roll_call_read_before_its_bill_is_kept_and_linked_later(Session):
    stats = run_ingest(Session, "legiscan", [FILES / "legiscan"])
    assert stats.errors == []
    with Session() as s:
        events = s.scalars(select(VoteEvent)).all()
        assert len(events) == 2 and {e.bill_id for e in events} == {None}
        assert {e.bill_ref for e in events} == {"legiscan:1990101"}
    run_ingest(Session, "legiscan", [DEMO / "legiscan" / "CA"])
    with Session() as s:
        linked = s.scalars(select(Bill.identifier).join(VoteEvent, VoteEvent.bill_id == Bill.id))
        assert list(linked) == ["AB 1750", "AB 1750"]
