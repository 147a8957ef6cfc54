"""govinfo BILLSTATUS and USLM: the real S. 35, S. 832, S. 1325, H.R. 3945 and our own H.R. 4410."""

from __future__ import annotations

import pytest

from billwatch.ingest import congress
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, shared_path

OWN = FILES / "ingest" / "congress"


def real(folder, name):
    return shared_path("fixtures", "us_congress", folder, name).read_bytes()


def test_real_new_layout_billstatus():
    bill = congress.parse_billstatus(real("govinfo_billstatus", "BILLSTATUS-117s35.xml"))
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("US", "117", "S 35")
    assert bill.title == "Officer Eugene Goodman Congressional Gold Medal Act"
    assert bill.sponsors[0].name == "Chris Van Hollen"
    assert bill.sponsors[0].person_ref == "bioguide:V000128"
    assert len([s for s in bill.sponsors if s.classification == "cosponsor"]) == 72
    assert bill.subjects == sorted(bill.subjects)


def test_real_actions_oldest_first_with_chambers():
    bill = congress.parse_billstatus(real("govinfo_billstatus", "BILLSTATUS-117s35.xml"))
    assert bill.actions[0].description == "Introduced in Senate"
    assert bill.actions[0].classification == ["introduction"]
    assert bill.actions[-1].description == "Held at the desk."
    assert [a.date for a in bill.actions] == sorted(a.date for a in bill.actions)
    passages = [a for a in bill.actions if "passage" in a.classification]
    assert passages and {a.organization for a in passages} == {"upper"}


def test_real_old_layout_billstatus_and_text_links():
    bill = congress.parse_billstatus(real("govinfo_billstatus", "BILLSTATUS-116s832.xml"))
    assert (bill.session, bill.identifier) == ("116", "S 832")
    assert "hearing" in [c for a in bill.actions for c in a.classification]
    keys = [v.source_key for v in bill.versions]
    assert keys == ["BILLS-116s832rfh", "BILLS-116s832es", "BILLS-116s832rs", "BILLS-116s832is"]
    assert all(v.text == "" and v.url.endswith(".xml") for v in bill.versions)
    assert bill.versions[-1].note == "Introduced"


def test_real_uslm_reported_bill_has_added_and_deleted():
    xml = real("govinfo_uslm_bills", "BILLS-118s1325rs.xml")
    version = congress.parse_uslm(xml)
    assert version.source_key == "BILLS-118s1325rs" and version.note == "Reported in Senate"
    assert str(version.date) == "2023-05-04"
    assert version.inserted and version.struck
    assert congress.uslm_bill_key(xml)[:2] == ("118", "S 1325")


def test_real_uslm_introduced():
    xml = real("govinfo_uslm_bills", "H3945_IH.XML")
    version = congress.parse_uslm(xml)
    assert version.note == "Introduced" and "Jacksonville" in version.text
    assert congress.uslm_bill_key(xml)[:2] == ("116", "HR 3945")


def test_own_billstatus_and_uslm_match_on_source_key():
    bill = congress.parse_billstatus((OWN / "BILLSTATUS-119hr4410.xml").read_bytes())
    assert (bill.session, bill.identifier) == ("119", "HR 4410")
    assert bill.subjects == [
        "Human trafficking",
        "Labor and Employment",
        "Worker safety and health",
    ]
    assert [a.classification for a in bill.actions] == [
        ["introduction"],
        ["referral-committee"],
        ["committee-passage"],
        ["committee-passage"],
    ]
    version = congress.parse_uslm((OWN / "BILLS-119hr4410rh.xml").read_bytes())
    assert version.url == bill.versions[0].url  # fills the placeholder BILLSTATUS lists
    assert [version.text[s:e] for s, e in version.struck] == [
        "not later than 1 year after the date of enactment of this Act"
    ]


def test_own_classic_bill_dtd_text():
    xml = (FILES / "ingest" / "congress_classic" / "BILLS-119hr5120ih.xml").read_bytes()
    assert congress.uslm_bill_key(xml) == ("119", "HR 5120", "Survivor Housing Stability Act")
    version = congress.parse_uslm(xml)
    assert (version.note, str(version.date), version.source_key) == (
        "Introduced",
        "2025-09-03",
        "BILLS-119hr5120ih",
    )
    assert "without regard to whether the survivor has reported" in version.text
    assert version.url.endswith("/BILLS-119hr5120ih/xml/BILLS-119hr5120ih.xml")


def test_bill_xml_without_any_bill_key_is_a_parse_error():
    xml = (FILES / "ingest" / "congress_classic" / "BILLS-119hr5120ih.xml").read_bytes()
    xml = xml.replace(b"<dc:title>119 HR 5120 IH: ", b"<dc:title>")
    with pytest.raises(ParseError, match="cannot tell which bill"):
        congress.parse_uslm(xml)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"", "empty"),
        (b"<billStatus><bill><number>4410</number>", "malformed"),
        (b"<billStatus><bill><type>HR</type></bill></billStatus>", "lacks its number"),
        (b"<other/>", "not a BILLSTATUS"),
    ],
)
def test_bad_billstatus(xml, reason):
    with pytest.raises(ParseError, match=reason):
        congress.parse_billstatus(xml)


def test_truncated_uslm_is_a_parse_error():
    xml = (OWN / "BILLS-119hr4410rh.xml").read_bytes()
    with pytest.raises(ParseError, match="malformed"):
        congress.parse_uslm(xml[: len(xml) // 2])
