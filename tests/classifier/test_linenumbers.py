"""Printed line numbers that other extractors leave inside flowed text."""

import pytest

import classifier
from classifier.linenumbers import blank_line_numbers, printed_line_numbers, readable

# Written for these tests in the shape of a flowed, line-numbered state bill: each printed line
# ends in its number, a page footer interrupts the count, and the bill's own numbers stay.
NUMBERED = (
    "Section 1. There is hereby created the human trafficking enforcement unit within the 2 "
    "office of the attorney general, which shall employ investigators and prosecutors to 3 "
    "investigate and prosecute offenses of human trafficking and promoting prostitution 4 "
    "under section 5 of this act. The unit shall consist of at least 12 officers detailed 5 "
    "from the state highway patrol and shall coordinate sting operations with county 6 "
    "sheriffs. EXPLANATION: Matter enclosed in brackets is not enacted. HB 100 2 7 "
    "2. The offense of patronizing a person for purposes of prostitution is a class B 8 "
    "felony, and the court shall impose a fine of not less than five thousand dollars 9 "
    "on every person convicted under subsection 2 of this section."
)


def _numbers(text, spans):
    return [text[s:e] for s, e in spans]


def test_a_run_of_line_numbers_is_found_and_the_bills_own_numbers_stay():
    spans = printed_line_numbers(NUMBERED)
    assert _numbers(NUMBERED, spans) == [str(n) for n in range(2, 10)]
    blanked = blank_line_numbers(NUMBERED)
    assert len(blanked) == len(NUMBERED)
    assert "section 5 of this act" in blanked and "at least 12 officers" in blanked
    assert "subsection 2 of this section" in blanked
    assert "attorney general, which" in readable(blanked)


@pytest.mark.parametrize(
    "text",
    [
        "A person who commits a class 2 offense under section 3 shall pay 4 times the fee.",
        # numbers that count up, but a list too tight for printed lines
        "Tables 1 2 3 4 5 6 7 8 show the counts.",
        # a run too short for a text with no longer run: the bill's own words
        "The board has 2 members from the state and 3 members appointed by the governor.",
        "Members under sections 2 to 9 serve 4 years; 5 members form a quorum of the 6 seats.",
    ],
)
def test_text_without_printed_line_numbers_is_left_alone(text):
    assert printed_line_numbers(text) == []
    assert blank_line_numbers(text) == text


def test_tagging_reads_through_line_numbers_and_quotes_without_them():
    result = classifier.load().tag(NUMBERED)
    assert set(result.tags) & {"carceral_funding", "sex_work_criminalization"}
    for ev in result.evidence:
        assert readable(blank_line_numbers(NUMBERED)[ev.start : ev.end]) == ev.quote
        for n in range(2, 10):
            assert f" {n} " not in f" {ev.quote} " or f"section {n}" in ev.quote
