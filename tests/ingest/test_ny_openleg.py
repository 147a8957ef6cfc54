"""NY Open Legislation API v3 bill responses: the real S609-2017 and our own A5521, S8123."""

from __future__ import annotations

import copy
import json

import pytest

from billwatch.ingest import ny_openleg
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, ROOT, shared_path

SAMPLE = ROOT / "billwatch" / "demo" / "sample" / "ny_openleg" / "S8123-2025.json"


@pytest.fixture(scope="module")
def s609():
    return json.loads(
        shared_path("fixtures", "ny_openleg", "api_v3", "S609-2017_bill_response.json").read_text()
    )


def test_real_bill_key_title_and_status(s609):
    bill = ny_openleg.parse_bill(s609)
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("NY", "2017-2018", "S 609")
    assert bill.title == "Relates to training requirements for home inspector licensing"
    assert bill.status is None
    assert bill.extras["ny_openleg"]["statusDesc"] == "In Senate Committee"


def test_real_every_amendment_is_a_version(s609):
    bill = ny_openleg.parse_bill(s609)
    assert [(v.note, v.source_key, str(v.date)) for v in bill.versions] == [
        ("Introduced", "S609", "2017-01-04"),
        ("Amended", "S609A", "2017-01-18"),
    ]
    assert "home inspector" in bill.versions[1].text
    assert bill.versions[0].content_hash != bill.versions[1].content_hash


def test_real_plain_full_text_keeps_new_and_omitted_matter(s609):
    introduced = ny_openleg.parse_bill(s609).versions[0]
    inserted = [introduced.text[s:e] for s, e in introduced.inserted]
    struck = [introduced.text[s:e] for s, e in introduced.struck]
    assert "AT LEAST THIRTY-TWO HOURS" in inserted and "forty" in struck
    assert "\n 1 " not in introduced.text  # print line numbers are not bill text


def test_real_actions_and_sponsor(s609):
    bill = ny_openleg.parse_bill(s609)
    assert [(a.description, a.organization, a.classification) for a in bill.actions] == [
        ("REFERRED TO JUDICIARY", "upper", ["referral-committee"]),
        (
            "AMEND (T) AND RECOMMIT TO JUDICIARY",
            "upper",
            ["amendment-passage", "referral-committee"],
        ),
        ("PRINT NUMBER 609A", "upper", []),
    ]
    assert [(s.name, s.classification, s.person_ref) for s in bill.sponsors] == [
        ("Phil Boyle", "primary", "nysenate:433")
    ]


def test_real_empty_agendas(s609):
    assert ny_openleg.parse_agendas(s609) == []


def test_own_plain_text_signed_bill():
    data = json.loads((FILES / "ingest" / "ny_openleg" / "A5521-2025.json").read_text())
    bill = ny_openleg.parse_bill(data)
    assert (bill.session, bill.identifier, bill.status) == ("2025-2026", "A 5521", "enacted")
    assert bill.actions[-1].classification == ["executive-signature", "became-law"]
    assert bill.actions[1].classification == ["committee-passage", "referral-committee"]
    assert bill.sponsors[1].classification == "cosponsor"
    [version] = bill.versions
    assert version.media_type == "text/plain" and "LABOR RECRUITER" in version.text
    # An agenda reference without its meeting cannot be dated, so it is no hearing.
    assert ny_openleg.parse_agendas(data) == []


def test_sample_html_amendments_have_spans_and_agenda():
    data = json.loads(SAMPLE.read_text())
    bill = ny_openleg.parse_bill(data)
    original, amended = bill.versions
    assert "vacat" in original.text.lower()
    assert any("labor trafficking" in original.text[s:e] for s, e in original.inserted)
    assert any("patronizing" in original.text[s:e] for s, e in original.struck)
    assert any("seal" in amended.text[s:e] for s, e in amended.inserted)
    [event] = ny_openleg.parse_agendas(data)
    assert (event.committee, event.chamber, event.location) == ("Codes", "upper", "Room 124 CAP")
    assert event.start_time.isoformat() == "2026-12-08T11:00:00-05:00"
    assert [(a.bill_identifier, a.session) for a in event.agenda] == [("S 8123", "2025-2026")]


def test_missing_amendments_is_a_parse_error(s609):
    broken = copy.deepcopy(s609)
    broken["result"]["amendments"] = {"items": {}, "size": 0}
    with pytest.raises(ParseError, match="no amendments"):
        ny_openleg.parse_bill(broken)


def test_error_response_is_a_parse_error():
    with pytest.raises(ParseError, match="API error"):
        ny_openleg.parse_bill({"success": False, "message": "No bill", "result": None})
