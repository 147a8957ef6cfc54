"""Extraction from real recorded documents in ../shared/fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from billwatch.text import (
    ExtractedText,
    caml_to_text,
    diff_versions,
    extract_document,
    html_to_text,
    uslm_to_text,
)
from tests.conftest import shared_path
from tests.text.spans import check_spans, folded, without, words

FIXTURES = ("fixtures",)
CAML = (*FIXTURES, "ca_leginfo_pubinfo", "caml_bill_versions")


def _read(*parts: str) -> bytes:
    return shared_path(*FIXTURES, *parts).read_bytes()


@pytest.fixture(scope="module")
def ny_page() -> ExtractedText:
    """The LBDC bill page of S6169-B (2023): navigation, actions, votes, text and memo."""
    return extract_document(
        _read("ny_openleg", "lbdc_bill_pages", "2023-S6169-20240109T175502.html")
    )


@pytest.fixture(scope="module")
def ca_amended() -> ExtractedText:
    """CA AB 50 (2011) as amended: LegiScan text JSON with base64 leginfo HTML."""
    return extract_document(_read("legiscan", "dataset_json", "text", "105736.json"))


@pytest.fixture(scope="module")
def missouri() -> ExtractedText:
    """MO HB 45 (2011): bold brackets struck, bold inserted."""
    return extract_document(_read("openstates_scrapers_testdata", "mo", "billtext-house.html"))


@pytest.fixture(scope="module")
def uslm_reported() -> ExtractedText:
    """S. 1325 (118th) as reported: the original text deleted, the committee's text added."""
    return extract_document(_read("us_congress", "govinfo_uslm_bills", "BILLS-118s1325rs.xml"))


def test_ny_page_inserted_and_struck(ny_page: ExtractedText) -> None:
    check_spans(ny_page)
    assert words(ny_page, ny_page.struck) == ["polling place", "polling place"]
    inserted = words(ny_page, ny_page.inserted)
    assert inserted.count("election district") == 2
    assert any(
        w.startswith(
            "40. Notwithstanding any other provision of law, the term "
            '"nontabulating ballot marking device"'
        )
        for w in inserted
    )
    assert "the same polling place election district shall be identical" in folded(ny_page.text)


def test_ny_page_has_no_furniture(ny_page: ExtractedText) -> None:
    text = ny_page.text
    for furniture in (
        "Aye",
        "Nay",
        "Addabbo",
        "Senate Agenda",
        "REFERRED TO ELECTIONS",
        "Floor Votes",
        "EXPLANATION",
        "LBD10156-05-3",
        "S. 6169--B",
        "PURPOSE OR GENERAL IDEA",
        "INTRODUCER'S MEMORANDUM",
        "Word Search",
        "getselect",
        "onclick",
    ):
        assert furniture not in text, furniture
    assert not re.search(r"^\s*\d+\s{2,}", text, re.M), "a line number survived"
    assert "[" not in text and "]" not in text


def test_ny_page_keeps_sections_on_their_own_lines(ny_page: ExtractedText) -> None:
    lines = ny_page.text.splitlines()
    assert any(line.startswith("Section 1. This act shall be known") for line in lines)
    assert sum(1 for line in lines if line.startswith("§ ")) == 4
    # Hyphenated line ends are joined and the page break does not split a sentence.
    assert "nontabulating ballot marking device" in ny_page.text
    assert "privately and independently. For the purposes" in ny_page.text


def test_ny_billtext_xml() -> None:
    path = next(shared_path(*FIXTURES, "ny_openleg", "lbdc_xml").glob("*BILLTEXT*"))
    result = extract_document(path.read_bytes(), filename=path.name)
    check_spans(result)
    assert result.struck == []
    inserted = words(result, result.inserted)
    assert any(
        w.startswith(
            "9. Products manufactured in compliance with minimum Occupational "
            "Safety and Health Act (OSHA) standards."
        )
        for w in inserted
    )
    assert "EXPLANATION" not in result.text and "LBD00491" not in result.text
    assert "§ 2. This act shall take effect on the ninetieth day" in result.text


def test_ca_legiscan_struck_treaded_inserted_treated(ca_amended: ExtractedText) -> None:
    check_spans(ca_amended)
    assert "treaded" in words(ca_amended, ca_amended.struck)
    assert "treated" in words(ca_amended, ca_amended.inserted)
    assert "shall be treaded treated as a qualified disaster" in folded(ca_amended.text)
    assert "17276" in words(ca_amended, ca_amended.struck)
    assert "17276.20" in words(ca_amended, ca_amended.inserted)


def test_ca_markup_example_html_matches_its_legiscan_json(ca_amended: ExtractedText) -> None:
    html = _read("markup_examples", "CA_2011_AB50_amended_legiscan_doc105736.html")
    assert html_to_text(html) == ca_amended


def test_ca_introduced_has_no_spans_and_sections() -> None:
    result = extract_document(_read("legiscan", "dataset_json", "text", "101038.json"))
    assert result.inserted == [] and result.struck == []
    lines = result.text.splitlines()
    assert any(line.startswith("SECTION 1.") for line in lines)
    assert any(line.startswith("SEC. 2.") for line in lines)
    assert "<pre>" not in result.text


def test_missouri_brackets_and_bold(missouri: ExtractedText) -> None:
    check_spans(missouri)
    struck, inserted = words(missouri, missouri.struck), words(missouri, missouri.inserted)
    assert struck.count("four-year") == 2 and struck.count("twenty-five") == 2
    assert inserted.count("five-year") == 2 and inserted.count("fifty") == 2
    assert "for the four-year five-year period" in folded(missouri.text)
    # Centred bold headings are not insertions, and brackets are not text.
    assert not any("HOUSE BILL" in w or w == "AN ACT" for w in inserted)
    assert "[" not in missouri.text and "]" not in missouri.text
    assert any(w.startswith("143.173. 1. As used in this section") for w in inserted)


def test_uslm_changed_components(uslm_reported: ExtractedText) -> None:
    check_spans(uslm_reported)
    assert len(uslm_reported.struck) == 1 and len(uslm_reported.inserted) == 1
    (ds, de), (is_, ie) = uslm_reported.struck[0], uslm_reported.inserted[0]
    assert de < is_
    assert uslm_reported.text[ds:de].startswith("SECTION 1. SHORT TITLE.")
    assert uslm_reported.text[is_:ie].startswith("SECTION 1. SHORT TITLE.")
    assert "Calendar No. 51" not in uslm_reported.text  # preface and endorsement
    assert uslm_reported.text.startswith("A BILL")


def test_uslm_introduced_is_plain() -> None:
    result = uslm_to_text(_read("us_congress", "govinfo_uslm_bills", "H3945_IH.XML"))
    assert result.inserted == [] and result.struck == []
    assert "Flood Water Relief Act of 2019" in result.text
    assert "Provided further, That projects" in result.text


@pytest.mark.parametrize("name", ["1532", "7882", "9506", "714", "7663", "8685"])
def test_caml_versions_are_clean_text(name: str) -> None:
    data = _read("ca_leginfo_pubinfo", "caml_bill_versions", f"BILL_VERSION_TBL_{name}.lob")
    result = caml_to_text(data)
    assert result.inserted == [] and result.struck == []
    assert "The people of the State of California do enact as follows:" in result.text
    assert re.search(r"^SECTION 1\.", result.text, re.M)
    assert "Copyright" not in result.text and "LEAD_AUTHOR" not in result.text
    assert extract_document(data) == result


def test_caml_redline_from_editor_marks() -> None:
    result = caml_to_text(_read(*CAML[1:], "BILL_VERSION_TBL_7882.lob"), redline=True)
    check_spans(result)
    struck, inserted = words(result, result.struck), words(result, result.inserted)
    assert "SECTION 1." in struck and "SEC. 2." in inserted
    # The clean text is what remains once the struck words are cut out.
    clean = caml_to_text(_read(*CAML[1:], "BILL_VERSION_TBL_7882.lob"))
    assert without(result, result.struck) == folded(clean.text)


@pytest.mark.parametrize("before, after", [("1532", "7882"), ("714", "7663")])
def test_caml_successive_versions_diff(before: str, after: str) -> None:
    """Introduced -> amended: the spans rebuild either version exactly."""
    old = caml_to_text(_read(*CAML[1:], f"BILL_VERSION_TBL_{before}.lob")).text
    new = caml_to_text(_read(*CAML[1:], f"BILL_VERSION_TBL_{after}.lob")).text
    result = diff_versions(old, new)
    check_spans(result)
    assert result.inserted and result.struck
    assert without(result, result.struck) == folded(new)
    assert without(result, result.inserted) == folded(old)


@pytest.mark.parametrize("before, after", [("7882", "9506"), ("7663", "8685")])
def test_caml_unchanged_versions_diff_to_nothing(before: str, after: str) -> None:
    """Amended -> enrolled/chaptered with the same bill text: no spans, same text."""
    old = caml_to_text(_read(*CAML[1:], f"BILL_VERSION_TBL_{before}.lob")).text
    new = caml_to_text(_read(*CAML[1:], f"BILL_VERSION_TBL_{after}.lob")).text
    assert diff_versions(old, new) == ExtractedText(new, [], [])


def _all_real_files() -> list[Path]:
    root = shared_path(*FIXTURES)
    return [
        *sorted((root / "ny_openleg" / "lbdc_bill_pages").glob("*.html")),
        *sorted((root / "ny_openleg" / "lbdc_xml").glob("*BILLTEXT*")),
        *sorted((root / "markup_examples").glob("*.html")),
        *sorted((root / "legiscan" / "dataset_json" / "text").glob("*.json")),
        root / "openstates_scrapers_testdata" / "mo" / "billtext-house.html",
        *sorted((root / "us_congress" / "govinfo_uslm_bills").iterdir()),
        *sorted((root / "ca_leginfo_pubinfo" / "caml_bill_versions").glob("*.lob")),
    ]


def test_invariants_on_every_real_document() -> None:
    for path in _all_real_files():
        result = extract_document(path.read_bytes(), filename=path.name)
        check_spans(result)
        assert result.text.strip(), path
        assert "  " not in result.text, path  # runs of spaces collapsed
        assert "\n\n\n" not in result.text, path
        assert "&#" not in result.text and "&nbsp" not in result.text, path
        assert "<" not in result.text or path.suffix.lower() in (".xml", ".lob"), path


@pytest.fixture(scope="module")
def ny_openleg_plain() -> dict[str, ExtractedText]:
    """S609-2017 `fullText` per amendment: capitals are new, [brackets] are omitted."""
    import json

    data = json.loads(_read("ny_openleg", "api_v3", "S609-2017_bill_response.json"))
    items = data["result"]["amendments"]["items"]
    return {
        key: extract_document(item["fullText"].encode(), media_type="text/plain")
        for key, item in items.items()
    }


def test_ny_openleg_plain_capitals_and_brackets(ny_openleg_plain: dict[str, ExtractedText]) -> None:
    result = ny_openleg_plain[""]
    check_spans(result)
    assert words(result, result.struck) == ["one", "forty", "forty", "a course"]
    inserted = words(result, result.inserted)
    assert inserted[:3] == ["TWO", "EIGHTY", "AT LEAST THIRTY-TWO HOURS"]
    assert all(w == w.upper() for w in inserted)
    assert "not less than one TWO hundred forty hours" in result.text
    assert not any("PEOPLE OF THE STATE" in w for w in inserted)  # the enacting clause


def test_ny_openleg_plain_layout(ny_openleg_plain: dict[str, ExtractedText]) -> None:
    for result in ny_openleg_plain.values():
        check_spans(result)
        text = result.text
        assert text.startswith("STATE OF NEW YORK\n")
        assert "IN SENATE" in text
        for furniture in ("EXPLANATION", "LBD05447", "S. 609", "[", "]", "___"):
            assert furniture not in text, furniture
        lines = text.splitlines()
        assert any(line.startswith("Section 1. Subparagraph (i)") for line in lines)
        assert (
            "§ 4. This act shall take effect immediately." in lines
            or "§ 3. This act shall take effect immediately." in lines
        )
        assert not any(line.startswith("S ") for line in lines)


def test_diff_of_a_long_bill_stays_fast() -> None:
    """Ten copies of AB 831 (thousands of paragraphs, many blank lines): well under seconds."""
    import time

    def load(name: str) -> list[str]:
        return caml_to_text(_read(*CAML[1:], f"BILL_VERSION_TBL_{name}.lob")).text.split("\n")

    old = "\n".join(f"{line} [{i}]" if line else "" for i in range(10) for line in load("1532"))
    new = "\n".join(f"{line} [{i}]" if line else "" for i in range(10) for line in load("7882"))
    started = time.perf_counter()
    result = diff_versions(old, new)
    assert time.perf_counter() - started < 5
    assert without(result, result.struck) == folded(new)


def test_ca_current_and_previous_readings(ca_amended: ExtractedText) -> None:
    assert "shall be treated as a qualified disaster relief" in folded(ca_amended.current())
    assert "shall be treaded as a qualified disaster relief" in folded(ca_amended.previous())
    assert "treaded" not in ca_amended.current()
    assert "17276.20" not in ca_amended.previous() and "17276.20" in ca_amended.current()
