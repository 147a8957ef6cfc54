"""Generated bill PDFs in every convention of the table: marks, line numbers, heads, notes."""

from __future__ import annotations

import pytest

from billwatch.text import ExtractedText, extract_document
from billwatch.text.conventions import Convention, read_note, table
from tests.text.pdfs import Run, draw_bill
from tests.text.spans import check_spans, folded, words

TITLE = [[("AN ACT relating to labor trafficking; amending the notice period.", "")]]
ENACTING = [[("Be it enacted by the Legislature of the State:", "")]]
BODY_START = (
    "Section 1. An employer who receives a complaint of forced labor shall report it within"
)
BODY_END = "of the complaint to the department, which shall investigate each report it receives"
REST = [
    [("and shall publish a yearly summary of the complaints, the investigations and their", "")],
    [("outcome, without naming any victim or any person who reported the complaint.", "")],
]


def _style(convention: Convention, inserted: bool) -> tuple[str, str, str]:
    """(prefix, style, suffix) that prints a change the way the convention says."""
    marks = convention.inserted if inserted else convention.struck
    style = ""
    for mark, letter in (("underline", "u"), ("strike", "s"), ("bold", "b"), ("italic", "i")):
        if mark in marks and not (mark == "italic" and "bold" in style):
            style += letter
            if not inserted and letter == "s" and "brackets" not in marks:
                break
            if inserted:
                break
    if "bold_italic" in marks and not style:
        style = "bi"
    if "brackets" in marks:
        return "[", style, "]"
    return "", style, ""


def _bill(convention: Convention, **kwargs: object) -> bytes:
    """A two-page bill whose section changes "thirty days" to "ninety days"."""
    pre, ins_style, post = _style(convention, inserted=True)
    dpre, del_style, dpost = _style(convention, inserted=False)
    new, old = "ninety days", "thirty days"
    if "capitals" in convention.inserted and not ins_style:
        new = new.upper()
    if "capitals" in convention.struck:
        old = old.upper()
    changed: list[Run] = [(BODY_START, "")]
    changed += [(dpre, ""), (old, del_style), (dpost, "")] if dpre else [(old, del_style)]
    changed += [(pre + new + post, ins_style), (BODY_END, "")]
    changed = [(text, style) for text, style in changed if text]
    page_one = [*TITLE, *ENACTING, changed[:1], changed[1:-1], changed[-1:], *REST]
    page_two = [[("Section 2. This act takes effect on the first day of July next following.", "")]]
    page_two += [[("Section 3. The department shall report to the Legislature every year on", "")]]
    return draw_bill([page_one, page_two], **kwargs)  # type: ignore[arg-type]


PDF_CONVENTIONS = sorted(
    {
        (code, row.formats["pdf"])
        for code, row in table().items()
        if "instructions" not in row.formats["pdf"].inserted
    },
    key=lambda item: item[0],
)


def _check(result: ExtractedText) -> None:
    check_spans(result)
    assert any("ninety days" in w.lower() for w in words(result, result.inserted)), result
    assert any("thirty days" in w.lower() for w in words(result, result.struck)), result
    text = folded(result.text)
    assert "HB 101" not in text and "Page 1 of 2" not in text and "LC000101" not in text
    assert "shall report it within" in text and "within thirty" in text.lower()
    assert "[" not in text  # brackets that mark deletions are gone with them
    for line in result.text.splitlines():
        assert not line[:1].isdigit(), line


@pytest.mark.parametrize("code, convention", PDF_CONVENTIONS, ids=[c for c, _ in PDF_CONVENTIONS])
def test_every_pdf_convention_in_the_table(code: str, convention: Convention) -> None:
    result = extract_document(_bill(convention), jurisdiction=code)
    _check(result)
    assert "Be it enacted" in result.text


@pytest.mark.parametrize("numbers", ["left", "right"])
def test_line_numbers_in_either_margin(numbers: str) -> None:
    convention = table()["FL"].formats["pdf"]
    _check(extract_document(_bill(convention, numbers=numbers), jurisdiction="FL"))


def test_a_note_in_the_document_beats_a_missing_table_row() -> None:
    note = (
        "EXPLANATION - Matter in bolded italics is new; matter between brackets [omitted "
        "material] is material to be omitted."
    )
    convention = read_note(note)
    assert convention == Convention(frozenset({"bold_italic"}), frozenset({"brackets"}))
    result = extract_document(_bill(convention, note=note))  # no jurisdiction given
    _check(result)
    assert "EXPLANATION" not in result.text and "omitted material" not in result.text


def test_bold_means_nothing_without_a_convention_saying_so() -> None:
    bold = Convention(frozenset({"bold"}), frozenset({"strike"}))
    result = extract_document(_bill(bold), jurisdiction="FL")
    assert not any("ninety" in w for w in words(result, result.inserted))


def test_words_hyphenated_at_a_line_end_are_rejoined() -> None:
    pages = [
        [
            *ENACTING,
            [("Section 1. A person who recruits, harbors or transports another for com-", "")],
            [("mercial sexual activity commits the offense of trafficking in a twenty-", "")],
            [("five count indictment, as the self-", "")],
            [("employed recruiter knows.", "")],
        ]
    ]
    text = folded(extract_document(draw_bill(pages)).text)
    assert "for commercial sexual activity" in text
    assert "twenty-five" in text and "self-employed" in text


@pytest.mark.parametrize(
    "note, inserted, struck",
    [
        (
            "EXPLANATION — Matter enclosed in bold-faced brackets [thus] in the above bill is not "
            "enacted and is intended to be omitted from the law. Matter in bold-face type in the "
            "above bill is proposed language.",
            {"bold"},
            {"brackets"},
        ),
        (
            "EXPLANATION: CAPITALS INDICATE MATTER ADDED TO EXISTING LAW. [Brackets] indicate "
            "matter deleted from existing law.",
            {"capitals"},
            {"brackets"},
        ),
        (
            "Capital letters or bold & italic numbers indicate new material to be added to "
            "existing law. Dashes through the words or numbers indicate deletions from existing "
            "law.",
            {"capitals", "bold_italic"},
            {"strike"},
        ),
        (
            "CODING: Words stricken are deletions; words underlined are additions.",
            {"underline"},
            {"strike"},
        ),
        (
            "EXPLANATION--Matter in italics (underscored) is new; matter in brackets [ ] is old "
            "law to be omitted.",
            {"italic", "underline"},
            {"brackets"},
        ),
        (
            "Matter added to current law appears in bold italics. Matter removed from current "
            "law appears [in brackets and struckthrough.]",
            {"bold_italic"},
            {"brackets", "strike"},
        ),
        (
            "Statutory material to be repealed is bracketed and stricken. New statutory material "
            "is underscored.",
            {"underline"},
            {"brackets", "strike"},
        ),
        (
            "Omit the part struck through and insert the part printed in italic.",
            {"italic"},
            {"strike"},
        ),
        (
            "NOTE: Matter in boldfaced type in an amended section is new; matter [italic and "
            "bracketed] is existing law to be omitted.",
            {"bold"},
            {"brackets", "italic"},
        ),
    ],
)
def test_explanation_notes_are_read(note: str, inserted: set[str], struck: set[str]) -> None:
    assert read_note(note) == Convention(frozenset(inserted), frozenset(struck))


def test_text_without_a_note_states_no_convention() -> None:
    assert read_note("Section 1. Words used in this act have the meanings given below.") is None
    assert read_note("BOLD FACE denotes Committee Amendments.") is None


@pytest.mark.parametrize("code", ["MA", "TN"])
def test_states_that_amend_by_instruction(code: str) -> None:
    pages = [
        [
            *ENACTING,
            [("SECTION 1. Section 50 of chapter 265 of the General Laws is hereby amended by", "")],
            [("striking out “thirty days” and inserting in place thereof “ninety days”.", "")],
        ]
    ]
    result = extract_document(draw_bill(pages), jurisdiction=code)
    assert words(result, result.struck) == ["thirty days"]
    assert words(result, result.inserted) == ["ninety days"]


@pytest.mark.parametrize("style", ["o", "d"], ids=["stroked outline", "printed twice"])
def test_faked_bold_is_bold(style: str) -> None:
    pages = [
        [
            *ENACTING,
            [("Section 1. A person shall register within", ""), ("ninety", style), ("days.", "")],
        ]
    ]
    result = extract_document(draw_bill(pages), jurisdiction="MO")
    assert words(result, result.inserted) == ["ninety"]
    assert "within ninety days." in result.text
