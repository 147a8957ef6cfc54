"""USLM amendatory instructions as spans, and enumerators kept with their text."""

from __future__ import annotations

from pathlib import Path

from billwatch.text import extract_document
from billwatch.text.instructions import mark_instructions
from billwatch.text.marked import spans_of
from tests.text.spans import check_spans, words

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


def test_striking_and_inserting_become_spans() -> None:
    result = extract_document((FILES / "uslm_amendatory.xml").read_bytes())
    check_spans(result)
    assert words(result, result.struck) == ["severe forms of trafficking", "90 days"]
    assert words(result, result.inserted) == [
        "trafficking or forced labor",
        "and survivors of forced labor",
    ]


def test_enumerators_stay_with_their_text() -> None:
    lines = extract_document((FILES / "uslm_amendatory.xml").read_bytes()).text.splitlines()
    assert "(1) in subsection (b)—" in lines
    assert any(line.startswith("(A) by striking “severe forms") for line in lines)
    assert not any(line.strip() in ("(1)", "(2)", "(A)", "(B)") for line in lines)


def _spans(text: str) -> tuple[list[str], list[str]]:
    marks = bytearray(len(text))
    mark_instructions(text, marks)
    inserted, struck = spans_of(text, marks)
    return [text[s:e] for s, e in inserted], [text[s:e] for s, e in struck]


def test_state_instruction_styles() -> None:
    # Massachusetts and Tennessee amend by instruction, with straight or curly quotes.
    assert _spans(
        'Section 2 is hereby amended by striking out "thirty" and inserting in place thereof '
        'the following word:- "sixty".'
    ) == (["sixty"], ["thirty"])
    assert _spans(
        "by deleting the language “one thousand dollars” and substituting instead the "
        "language “five thousand dollars”."
    ) == (["five thousand dollars"], ["one thousand dollars"])
    # An anchor is not a change.
    assert _spans("by inserting before “shall” the following: “knowingly”") == (["knowingly"], [])
