"""LegiScan dataset JSON: the real AK/AR/CA/WY recordings and our own TX/WA files."""

from __future__ import annotations

import json

import pytest

from billwatch.ingest import legiscan
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, shared_path

TX = FILES / "ingest" / "legiscan" / "TX" / "2027_90th_Legislature_Regular_Session"
TX_NEWER = FILES / "ingest" / "legiscan_newer" / "TX" / "2027_90th_Legislature_Regular_Session"


def load(path):
    return json.loads(path.read_text())


def real(*parts):
    return load(shared_path("fixtures", "legiscan", "dataset_json", *parts))


def test_real_ak_bill_metadata():
    bill = legiscan.parse_bill(real("bill", "HB1.json"))
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("AK", "2011-2012", "HB 1")
    assert bill.session_name == "27th Legislature"
    assert bill.title == "Policy For Securing Health Care Services"
    assert bill.extras["legiscan"]["bill_id"] == 230084
    assert bill.extras["legiscan"]["change_hash"] == "38558907f12c02a238b1cd43d2a37393"
    assert bill.subjects == sorted(bill.subjects) and "Insurance" in bill.subjects
    assert bill.status == "passed one chamber"  # LegiScan status 2, Engrossed


def test_real_ak_history_becomes_classified_actions():
    bill = legiscan.parse_bill(real("bill", "HB1.json"))
    assert len(bill.actions) == 27
    first = bill.actions[1]
    assert first.description == "READ THE FIRST TIME - REFERRALS"
    assert {"introduction", "referral-committee"} <= set(first.classification)
    passed = [a for a in bill.actions if a.description == "PASSED Y24 N16"][0]
    assert "passage" in passed.classification
    assert [a.order for a in bill.actions] == list(range(27))


def test_real_ak_sponsors_and_versions_await_text():
    bill = legiscan.parse_bill(real("bill", "HB1.json"))
    assert [(s.name, s.classification) for s in bill.sponsors][:2] == [
        ("Carl Gatto", "primary"),
        ("Robert Lynn", "cosponsor"),
    ]
    assert bill.sponsors[0].person_ref == "legiscan:6033"
    assert [(v.note, v.source_key, v.text) for v in bill.versions] == [
        ("Introduced", "153588", ""),
        ("Amended", "224009", ""),
        ("Amended", "234834", ""),
    ]
    assert bill.versions[0].media_type == "application/pdf"
    assert bill.versions[0].url == "https://legiscan.com/AK/text/HB1/id/153588"


def test_real_ar_committee_sponsor_and_progress_codes():
    bill = legiscan.parse_bill(real("bill", "HB1044.json"))
    assert bill.session == "2012" and bill.status == "enacted"
    sponsor = bill.sponsors[0]
    assert (sponsor.name, sponsor.entity_type) == ("Joint Budget Committee", "organization")
    last = bill.actions[-1]
    assert "became-law" in last.classification  # progress 8 Chaptered on that day
    assert {a.organization for a in bill.actions} == {"lower", "upper"}  # from "House ..." text


def test_real_ca_amended_text_keeps_em_and_strike():
    version = legiscan.parse_text(real("text", "105736.json"))
    assert (version.note, version.source_key, version.media_type) == (
        "Amended",
        "105736",
        "text/html",
    )
    inserted = [version.text[s:e] for s, e in version.inserted]
    struck = [version.text[s:e] for s, e in version.struck]
    assert any("treated" in piece for piece in inserted)
    assert any("treaded" in piece for piece in struck)
    assert legiscan.text_bill_id(real("text", "105736.json")) == 212667


def test_real_ca_introduced_text_is_plain():
    version = legiscan.parse_text(real("text", "101038.json"))
    assert version.note == "Introduced" and "Medi-Cal" in version.text
    assert "<pre>" not in version.text


def test_real_wy_committee_person():
    data = real("people", "8630.json")
    committee = legiscan.parse_committee_person(data)
    assert committee is not None and committee.jurisdiction == "WY"
    assert committee.chamber == "legislature"
    assert committee.name.startswith("Agriculture, State and Public Lands")


def test_own_tx_bill_and_people():
    bill = legiscan.parse_bill(load(TX / "bill" / "HB48.json"))
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("TX", "2027", "HB 48")
    assert [s.classification for s in bill.sponsors] == ["primary", "cosponsor"]
    assert bill.actions[2].classification == ["referral-committee"]
    person = legiscan.parse_person(load(TX / "people" / "40001.json"))
    assert (person.name, person.party, person.chamber, person.district) == (
        "Lucia Ortega-Pryor",
        "Democratic",
        "lower",
        "104",
    )
    assert legiscan.parse_committee_person(load(TX / "people" / "40001.json")) is None
    assert legiscan.parse_committee_person(load(TX / "people" / "40003.json")).source_key == (
        "legiscan-committee:777"
    )


def test_own_tx_committee_substitute_marks_changes():
    version = legiscan.parse_text(load(TX_NEWER / "text" / "500002.json"))
    assert version.note == "Amended"  # "Comm Sub"
    assert [version.text[s:e] for s, e in version.struck] == ["was arrested for prostitution and"]
    assert any("A fee may not be charged" in version.text[s:e] for s, e in version.inserted)


def test_api_envelope_and_veto():
    bill = legiscan.parse_bill(load(FILES / "ingest" / "legiscan_api" / "getBill_WA_SB5113.json"))
    assert (bill.session, bill.identifier, bill.status) == ("2025-2026", "SB 5113", "vetoed")
    assert bill.actions[-1].classification == ["executive-veto"]
    assert [a.organization for a in bill.actions] == ["upper", "upper", "lower", "upper"]


def test_calendar_hearing_becomes_event():
    data = load(TX / "bill" / "HB48.json")
    data["bill"]["calendar"] = [
        {
            "type_id": 1,
            "type": "Hearing",
            "date": "2027-03-02",
            "time": "08:00",
            "location": "E2.014",
            "description": "House Criminal Jurisprudence Hearing",
        },
        {
            "type_id": 2,
            "type": "Floor Calendar",
            "date": "2027-04-01",
            "time": "",
            "location": "",
            "description": "House Calendar",
        },
        {
            "type_id": 1,
            "type": "Hearing",
            "date": "",
            "time": "",
            "location": "",
            "description": "House Criminal Jurisprudence Hearing",
        },
    ]
    [event] = legiscan.parse_calendar(data)
    assert (event.committee, event.chamber, event.location) == (
        "Criminal Jurisprudence",
        "lower",
        "E2.014",
    )
    assert event.start_time.isoformat() == "2027-03-02T08:00:00-06:00"
    assert event.agenda[0].bill_identifier == "HB 48" and event.agenda[0].session == "2027"


def test_fiscal_notes_and_veto_messages_are_not_versions():
    data = load(TX / "bill" / "HB48.json")
    data["bill"]["texts"].append(
        {
            "doc_id": 500009,
            "date": "2027-02-20",
            "type": "Fiscal Note",
            "type_id": 7,
            "mime": "application/pdf",
            "url": "https://legiscan.com/TX/supplement/HB48/id/500009",
        }
    )
    assert [v.source_key for v in legiscan.parse_bill(data).versions] == ["500001"]
    text = load(TX / "text" / "500001.json")
    assert legiscan.is_bill_version(text)
    text["text"].update(type="Veto Message", type_id=12)
    assert not legiscan.is_bill_version(text)


def test_real_older_xml_dataset_bill_and_person():
    folder = shared_path("fixtures", "legiscan", "dataset_xml_ms")
    bill = legiscan.parse_bill(legiscan.xml_to_payload((folder / "bill_HB1.xml").read_bytes()))
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("MS", "2011-S1", "HB 1")
    assert bill.status == "failed" and bill.actions[-1].classification == ["failure"]
    assert [(v.note, v.source_key) for v in bill.versions] == [("Introduced", "610378")]
    person = legiscan.xml_to_payload((folder / "people_11160.xml").read_bytes())["person"]
    person["state"] = "MS"  # the dataset's folder says so; the file does not
    record = legiscan.parse_person(person)
    assert (record.name, record.party, record.chamber) == (
        "Nancy Adams Collins",
        "Republican",
        "upper",
    )


def test_own_xml_special_session_bill():
    xml = (
        FILES / "ingest" / "legiscan_xml" / "LA" / "2024_2nd_Special_Session" / "bill" / "HB12.xml"
    ).read_bytes()
    bill = legiscan.parse_bill(legiscan.xml_to_payload(xml))
    assert (bill.session, bill.session_name, bill.identifier) == (
        "2024-S2",
        "2024 2nd Special Session",
        "HB 12",
    )
    assert [a.classification for a in bill.actions] == [
        ["filing", "introduction"],
        ["referral-committee"],
    ]
    assert bill.sponsors[0].classification == "primary"


def test_xml_that_is_not_legiscan():
    with pytest.raises(ParseError, match="not a LegiScan XML"):
        legiscan.xml_to_payload(b"<billStatus/>")
    with pytest.raises(ParseError, match="malformed XML"):
        legiscan.xml_to_payload(b"<legiscan><bill>")


@pytest.mark.parametrize(
    ("state", "number", "identifier"),
    [
        ("US", "HB21", "HR 21"),
        ("US", "SB35", "S 35"),
        ("US", "HR5", "HRES 5"),
        ("US", "SJR7", "SJRES 7"),
        ("US", "HCR12", "HCONRES 12"),
        ("TX", "HB21", "HB 21"),
        ("NY", "S00609", "S 609"),
        ("CA", "AB50", "AB 50"),
    ],
)
def test_identifiers_match_other_sources(state, number, identifier):
    assert legiscan.identifier_of(state, number) == identifier


@pytest.mark.parametrize(
    ("raw", "clock"),
    [
        ("09:00", "09:00:00"),
        ("13:30:00", "13:30:00"),
        ("1:30 PM", "13:30:00"),
        ("12:15 am", "00:15:00"),
        ("", "00:00:00"),
        ("TBA", "00:00:00"),
    ],
)
def test_calendar_times(raw, clock):
    assert legiscan._clock(raw).isoformat() == clock


def test_history_rows_without_date_or_text_are_skipped():
    data = load(TX / "bill" / "HB48.json")
    data["bill"]["history"].insert(1, {"date": "", "action": "Posted", "chamber": "H"})
    data["bill"]["history"].insert(2, {"date": "2027-02-14", "action": " ", "chamber": "H"})
    bill = legiscan.parse_bill(data)
    assert [a.description for a in bill.actions] == [
        "Filed",
        "Read first time",
        "Referred to Criminal Jurisprudence",
    ]


@pytest.mark.parametrize(
    "broken",
    [
        {"bill": {"bill_id": 1, "state": "TX", "session": {"year_start": 2027}}},  # no bill_number
        {"bill": {"bill_id": 1, "bill_number": "HB1", "state": "TX"}},  # no session
        {"bill": {"bill_number": "HB1", "state": "TX", "session": {"year_start": 2027}}},  # no id
        {"status": "ERROR", "alert": {"message": "Unknown bill id"}},
    ],
)
def test_missing_required_fields_are_parse_errors(broken):
    with pytest.raises(ParseError):
        legiscan.parse_bill(broken)


def test_text_with_bad_base64_is_a_parse_error():
    data = load(TX / "text" / "500001.json")
    data["text"]["doc"] = "not base64 at all!"
    with pytest.raises(ParseError, match="base64"):
        legiscan.parse_text(data)
