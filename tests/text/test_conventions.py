"""Each drafting convention on hand-written fictional bills in the real markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from billwatch.text import (
    DocumentError,
    ExtractedText,
    caml_to_text,
    extract_document,
    html_to_text,
    ny_billtext_to_text,
    plain_text_to_text,
    uslm_to_text,
)
from tests.text.spans import check_spans, folded, without, words

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


def extract(name: str) -> ExtractedText:
    """Extract a hand-written fixture through the sniffing entry point."""
    result = extract_document((FILES / name).read_bytes(), filename=name)
    check_spans(result)
    return result


def test_ny_lbdc_page_spans() -> None:
    result = extract("ny_lbdc_bill_page.html")
    assert words(result, result.struck) == ["in English", "thirty"]
    assert words(result, result.inserted) == [
        "in English, Spanish and any other language spoken by at least one percent of the "
        "residents of the county,",
        "ten",
        "Section 230.01 of the penal law is REPEALED.",
    ]


def test_ny_lbdc_page_furniture_is_gone() -> None:
    text = extract("ny_lbdc_bill_page.html").text
    for furniture in (
        "Aye",
        "Nay",
        "Albright",
        "Home",
        "Agenda",
        "REFERRED TO CODES",
        "EXPLANATION",
        "LBD54321",
        "S. 7777--A",
        "PURPOSE OR GENERAL IDEA",
        "travellers",
        "Bill No.",
        "Search",
        "Penal Law",
        "\ufffd",
    ):
        assert furniture not in text, furniture
    assert not re.search(r"^\d", text.split("do enact as follows:")[1], re.M)


def test_ny_lbdc_page_joins_lines_pages_and_hyphens() -> None:
    text = extract("ny_lbdc_bill_page.html").text
    assert "the national human trafficking hotline." in text  # "traf-" / "ficking"
    assert "committee discharged, bill amended" in text  # "dis-" / "charged" in the header
    # Page 2 continues the paragraph that page 1 ended in.
    assert "within thirty ten days. Failure to post the notice shall be a violation." in text
    assert [line[:6] for line in text.splitlines() if line.startswith(("Section", "§"))] == [
        "Sectio",
        "§ 230.",
        "§ 2. S",
        "§ 3. T",
    ]


def test_ny_billtext_xml() -> None:
    result = extract("ny_billtext_S04242.XML")
    assert words(result, result.struck) == ["monthly", "B"]
    assert words(result, result.inserted) == ["weekly", "A"]
    assert "shall be guilty of a class B A misdemeanor." in result.text
    assert ny_billtext_to_text((FILES / "ny_billtext_S04242.XML").read_bytes()) == result
    assert "italics" not in result.text and "___" not in result.text


def test_ny_plain_full_text() -> None:
    result = extract("ny_fulltext_plain.txt")
    assert result.inserted == [] and result.struck == []
    assert "referred to the Committee on Labor" in result.text
    assert (
        "§ 212-f. Recruitment fees. No employer or labor contractor shall charge a "
        "farmworker any recruitment fee." in result.text
    )
    assert "EXPLANATION" not in result.text and "LBD11111" not in result.text
    assert not re.search(r"^\d+ ", result.text, re.M)


def test_california_2011_em_and_strike() -> None:
    result = extract("ca_leginfo_2011_amended.html")
    assert words(result, result.struck) == ["to $50,000", "fifty", "50,000"]
    assert "one hundred" in words(result, result.inserted)
    assert "SEC. 2. Section 236.2 of the Penal Code is repealed." in words(result, result.inserted)
    # Struck and inserted words that touched in the markup are kept apart.
    assert "($50,000 100,000)" in result.text
    lines = result.text.splitlines()
    assert "SECTION 1. Section 236.1 of the Penal Code is amended to read:" in lines
    assert any(line.startswith("236.1. (a) Any person") for line in lines)
    assert any(line.startswith("(b) The court shall order restitution") for line in lines)


def test_california_current_leginfo_page() -> None:
    result = extract("ca_leginfo_current_amended.html")
    assert words(result, result.struck) == ["20 minutes", "once"]
    assert words(result, result.inserted) == ["every two years", "one hour", "every two years"]
    for furniture in ("Bill Search", "Conditions of Use", "Privacy Policy", "Home"):
        assert furniture not in result.text


def test_missouri_bold_brackets() -> None:
    result = extract("mo_billtext_house.html")
    assert words(result, result.struck) == ["sexual conduct", "2.", "B"]
    assert words(result, result.inserted) == [
        "commercial sexual activity",
        "3.",
        "A",
        "2. Consent of the victim is not a defense.",
    ]
    assert "HOUSE BILL NO. 1717" in result.text
    assert "•" not in result.text and "[" not in result.text


def test_generic_ins_del_u_s_and_css() -> None:
    result = extract("generic_ins_del.html")
    assert words(result, result.struck) == ["threat", "five", "may"]
    assert words(result, result.inserted) == ["threat, fraud, or coercion", "ten", "shall"]
    for furniture in ("State Legislature", "Senate", "Yea", "Ashford", "Privacy"):
        assert furniture not in result.text


def test_uslm_changed_on_components_and_paragraphs() -> None:
    result = extract("uslm_s999_rs.xml")
    struck, inserted = words(result, result.struck), words(result, result.inserted)
    assert struck[0].startswith(
        "SECTION 1. SHORT TITLE. This Act may be cited as the “Survivor Shield Act”."
    )
    # changed="deleted" inside an added component wins for that paragraph.
    assert struck[1] == "(2) may charge a fee for the application."
    assert inserted == [
        "SECTION 1. SHORT TITLE. This Act may be cited as the “Survivor Protection Act of "
        "2026”. SEC. 2. VISAS AND SERVICES. The Secretary of Homeland Security— (1) shall grant "
        "a visa to a survivor of trafficking who cooperates with an investigation; and"
    ]
    assert "119th CONGRESS" not in result.text and "Ms. Farrow" not in result.text
    assert uslm_to_text((FILES / "uslm_s999_rs.xml").read_bytes()) == result


def test_caml_clean_and_redline() -> None:
    data = (FILES / "caml_v2_amended.lob").read_bytes()
    clean = extract("caml_v2_amended.lob")
    assert clean.inserted == [] and clean.struck == []
    assert "fifty" not in clean.text
    assert "The fine shall not exceed one hundred thousand dollars." in clean.text
    assert "(a) A person who deprives" in clean.text  # <span class="EnSpace"/> is a space
    redline = caml_to_text(data, redline=True)
    check_spans(redline)
    assert words(redline, redline.struck) == ["fifty"]
    assert words(redline, redline.inserted) == [
        "or commercial sex",
        "one hundred",
        "(c) The court shall order restitution to the victim.",
    ]
    assert without(redline, redline.struck) == folded(clean.text)


def test_legiscan_enveloped_json() -> None:
    result = extract("legiscan_text_enveloped.json")
    assert words(result, result.struck) == ["bus station"]
    assert words(result, result.inserted) == ["bus station, train station, and airport"]


@pytest.mark.parametrize("name", sorted(p.name for p in FILES.iterdir()))
def test_invariants_on_every_hand_written_file(name: str) -> None:
    result = extract(name)
    assert result.text == result.text.strip() and "  " not in result.text
    assert "\n\n\n" not in result.text and "\r" not in result.text


def test_html_entities_nbsp_and_replacement_characters() -> None:
    html = (
        "<html><body><p>Amd \ufffd\ufffd230.00,&nbsp;&nbsp;Pen&#160;L &amp; "
        "&#167; 2.\u00a0\u00a0ok \ufffd here</p><p>next    line</p></body></html>"
    )
    result = html_to_text(html)
    assert result.text == "Amd §§230.00, Pen L & § 2. ok \ufffd here\n\nnext line"
    assert html_to_text(html.encode("utf-8")) == result


def test_undeclared_windows_1252_bytes() -> None:
    html = "<html><body><p>Smith\u2019s \u00a7 5 \u2014 caf\u00e9</p></body></html>"
    result = html_to_text(html.encode("cp1252"))
    assert result.text == "Smith\u2019s \u00a7 5 \u2014 caf\u00e9"


def test_texas_underline_and_bracketed_strike() -> None:
    result = extract("tx_house_bill.html")
    assert words(result, result.struck) == ["second"]
    assert words(result, result.inserted) == ["first", "minor or a person with a"]
    assert "is a felony of the second first degree" in result.text
    assert "[" not in result.text
    assert any(line.startswith("SECTION 1. Section 20A.02(b)") for line in result.text.splitlines())


def test_washington_double_parentheses_and_css() -> None:
    result = extract("wa_senate_bill.html")
    assert words(result, result.struck) == ["Only the director", "Moneys may be used for rent."]
    assert words(result, result.inserted) == ["The director or the director's designee"]
    assert "((" not in result.text and "))" not in result.text
    assert "Washington State Legislature" not in result.text


def test_ny_plain_capitals_and_brackets_across_a_page_break() -> None:
    result = extract("ny_openleg_fulltext_caps.txt")
    assert result.text.startswith("STATE OF NEW YORK\n")
    assert words(result, result.struck) == ["more than one-half of"]
    assert words(result, result.inserted) == [
        "ANY PART OF",
        "A VIOLATION OF THIS SECTION SHALL BE A CLASS A MISDEMEANOR.",
    ]
    assert "A CLASS A MISDEMEANOR. The commissioner shall publish" in result.text
    assert "§ 170. Wages of domestic workers." in result.text
    assert "§ 2. This act shall take effect immediately." in result.text.splitlines()
    for furniture in ("EXPLANATION", "LBD07777", "S. 2121", "S 170", "["):
        assert furniture not in result.text


def test_xhtml_with_xml_declaration_and_hidden_elements() -> None:
    data = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<p>A <ins>new</ins> <del>old</del> rule \u00a7 2.</p>"
        '<div style="display: none">Menu</div><div hidden="">Skip to content</div>'
        "</body></html>"
    ).encode("utf-8")
    result = extract_document(data)
    assert result == ExtractedText("A new old rule § 2.", [(2, 5)], [(6, 9)])


def test_lbdc_page_without_bill_text_has_no_text() -> None:
    """Status and memo only (the Text box unticked): nothing on it is bill text."""
    page = (FILES / "ny_lbdc_bill_page.html").read_text(encoding="utf-8")
    start = page.index('<PRE WIDTH="108">')
    status_only = page[:start] + page[page.index("</pre>", start) + len("</pre>") :]
    assert "STATE OF NEW YORK" not in status_only and "BILL NUMBER:" in status_only
    assert html_to_text(status_only).text == ""
    with pytest.raises(DocumentError, match="no text found"):
        extract_document(status_only.encode("utf-8"))


def test_classic_bill_dtd_reported_bill() -> None:
    result = extract("bill_dtd_s888_rs.xml")
    assert words(result, result.struck) == ["may", "(b) The Commissioner may waive this section."]
    assert words(result, result.inserted) == ["shall not", "(b) No waiver may be granted."]
    lines = result.text.splitlines()
    assert lines[0] == "A BILL"
    assert "SECTION 1. Short title." in lines and "SEC. 2. Import ban." in lines
    assert "This Act may be cited as the “Forced Labor Accountability Act”." in lines
    for furniture in (
        "119th CONGRESS",
        "Calendar No. 31",
        "Mr. Quill",
        "Reported with",
        "U.S. Senate",
    ):
        assert furniture not in result.text
    assert uslm_to_text((FILES / "bill_dtd_s888_rs.xml").read_bytes()) == result


def test_plain_text_to_text_takes_a_string() -> None:
    text = (FILES / "ny_openleg_fulltext_caps.txt").read_text(encoding="utf-8")
    assert plain_text_to_text(text) == extract("ny_openleg_fulltext_caps.txt")
    other = plain_text_to_text("SECTION 1.  A   plain\r\nbill.\n\n\n\nSEC. 2. End.")
    assert other == ExtractedText("SECTION 1. A plain\nbill.\n\nSEC. 2. End.", [], [])


def test_line_breaks_of_every_kind() -> None:
    """CRLF, CR, a PDF's form feed between pages and Unicode separators all end a line."""
    assert plain_text_to_text("a\r\nb\rc\fd\u2028e\u2029f").text == "a\nb\nc\nd\ne\nf"


def test_italics_are_not_insertions_outside_california() -> None:
    html = (
        "<html><body><p>Prepared by the Legislative Counsel Bureau.</p>"
        "<p><i>Be it enacted by the General Assembly:</i></p>"
        "<p>Section 1. A <em>victim</em> may apply.</p></body></html>"
    )
    result = html_to_text(html)
    assert result.inserted == [] and result.struck == []
    assert "Section 1. A victim may apply." in result.text


@pytest.mark.parametrize(
    "name",
    [
        "generic_ins_del.html",
        "uslm_s999_rs.xml",
        "legiscan_text_enveloped.json",
        "ny_fulltext_plain.txt",
    ],
)
def test_utf16_documents(name: str) -> None:
    data = (FILES / name).read_bytes().replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    assert extract_document(data.decode("utf-8").encode("utf-16")) == extract(name)


def test_missouri_explanation_footer_is_not_text() -> None:
    result = extract("mo_billtext_house.html")
    assert "EXPLANATION" not in result.text and "thus" not in result.text
    assert "bold-face" not in words(result, result.inserted)


def test_ny_budget_bill_page_header_naming_both_houses() -> None:
    text = (
        "     1    Section 1. The sum of one dollar is appropriated for services to\n"
        "     2  victims of trafficking and to the hotline for the fiscal year\n"
        "     3  beginning April 1.\n"
        " \n"
        "        S. 2505--A                         10                         A. 3005--A\n"
        " \n"
        "     1    § 2. This act shall take effect April 1.\n"
        "     2    § 3. Severability.\n"
    )
    result = plain_text_to_text(text)
    assert result.text == (
        "Section 1. The sum of one dollar is appropriated for services to "
        "victims of trafficking and to the hotline for the fiscal year "
        "beginning April 1.\n§ 2. This act shall take effect April 1.\n"
        "§ 3. Severability."
    )


def test_lbdc_resolution_page_without_numbers() -> None:
    """An LBDC page whose text has no line numbers: its non-memo `<PRE>` is the text."""
    page = (FILES / "ny_lbdc_bill_page.html").read_text(encoding="utf-8")
    start = page.index('<PRE WIDTH="108">')
    end = page.index("</pre>", start) + len("</pre>")
    resolution = (
        '<PRE WIDTH="80">\r\nSenate Resolution No. 909\r\n\r\nBY: Senator MARLOWE\r\n'
        "\r\n        MEMORIALIZING the Governor to proclaim January 2026 as Human\r\n"
        "Trafficking Awareness Month\r\n</PRE>"
    )
    result = html_to_text(page[:start] + resolution + page[end:])
    assert result.text.startswith("Senate Resolution No. 909")
    assert "MEMORIALIZING the Governor" in result.text
    for furniture in ("Aye", "Home", "REFERRED TO CODES", "BILL NUMBER", "travellers"):
        assert furniture not in result.text


def test_caml_body_under_another_name() -> None:
    """A measure whose body is not `<caml:Bill>` (resolutions) still yields its text."""
    data = (FILES / "caml_v1_introduced.lob").read_bytes()
    renamed = data.replace(b"<caml:Bill ", b"<caml:Resolution ").replace(
        b"</caml:Bill>", b"</caml:Resolution>"
    )
    assert caml_to_text(renamed) == caml_to_text(data)
    assert "forced labor is guilty of human trafficking" in caml_to_text(renamed).text


def test_line_numbers_in_a_table_column_are_dropped() -> None:
    html = (
        "<html><body><table><tbody>"
        "<tr><td>1</td><td>AN ACT concerning <u>forced</u> labor.</td></tr>"
        "<tr><td>2</td><td>Section 5. The <s>old</s> <u>new</u> rule.</td></tr>"
        "<tr><td>3</td><td>Section 99. Effective date.</td></tr>"
        "</tbody></table><table><tr><td>12</td><td>Fund balance</td></tr></table>"
        "</body></html>"
    )
    result = html_to_text(html)
    lines = [line for line in result.text.splitlines() if line]
    assert lines == [
        "AN ACT concerning forced labor.",
        "Section 5. The old new rule.",
        "Section 99. Effective date.",
        "12 Fund balance",
    ]
    assert words(result, result.inserted) == ["forced", "new"]
    assert words(result, result.struck) == ["old"]


def test_ny_hyphens_that_are_real_survive_the_line_end() -> None:
    text = (
        "     1    Section 1. A fine of twenty-\n"
        "     2  five dollars applies to a self-\n"
        "     3  employed recruiter who traf-\n"
        "     4  ficks workers.\n"
    )
    assert plain_text_to_text(text).text == (
        "Section 1. A fine of twenty-five dollars applies to a self-employed recruiter who "
        "trafficks workers."
    )


def test_oregon_brace_markers() -> None:
    result = extract("or_house_bill.txt")
    assert words(result, result.struck) == ["knowingly", "B"]
    assert words(result, result.inserted) == ["recklessly", "or commercial sex", "A"]
    assert "NOTE" not in result.text and "{" not in result.text and "}" not in result.text
    assert "is a Class B A felony." in result.text
    assert "services or commercial sex." in result.text
