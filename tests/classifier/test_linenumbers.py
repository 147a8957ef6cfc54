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


# In the shape of a Maine bill from a text extractor that glues each printed line's number to
# its first word, "1. A person" on line 15 included; the bill's own "2." and "3." stay.
GLUED = (
    "Be it enacted by the People of the State as follows:\n"
    "11Sec. 1. 99 XRSA §852, sub-§1, as amended by PL 2099, c. 1, §2, is further\n"
    "12 amended to read:\n"
    "13Whereas, this section takes effect at once; and\n"
    "14 the penalty for the crime is increased as follows:\n"
    "151. A person is guilty of aggravated sex trafficking if the person knowingly\n"
    "16promotes prostitution of a person less than 18 years of age.\n"
    "2. Aggravated sex trafficking is a Class A crime under this section.\n"
    "3. A person convicted under this section must register as a sex offender.\n"
)


def test_line_numbers_glued_to_the_first_word_are_found_by_their_count():
    assert _numbers(GLUED, printed_line_numbers(GLUED)) == ["11", "12", "13", "14", "15", "16"]
    blanked = blank_line_numbers(GLUED)
    assert "  Sec. 1. 99 XRSA" in blanked and "  1. A person is guilty" in blanked
    assert "\n2. Aggravated" in blanked and "\n3. A person convicted" in blanked
    assert "less than 18 years" in blanked


@pytest.mark.parametrize(
    "text",
    [
        # the bill's own list at the start of its lines, long enough for a run
        "1. The first duty of the board is to meet.\n2. The second duty is to report to it.\n"
        "3. The third duty is to keep minutes.\n4. The fourth duty is to publish them.\n"
        "5. The fifth duty is to advise the governor.\n6. The sixth is to close its session.",
        "1st Session of the ninety-ninth legislature\n2nd Session of the ninety-ninth one\n"
        "3rd Session of the ninety-ninth one here\n4th Session of the ninety-ninth one now\n"
        "5th Session of the ninety-ninth one then",
    ],
)
def test_a_bills_own_numbered_lines_are_not_glued_line_numbers(text):
    assert printed_line_numbers(text) == []
