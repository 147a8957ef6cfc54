"""Sentence pieces: where a quote may start and end."""

from classifier.sentences import raw_sentences, sentences


def _pieces(text):
    return [text[s:e] for s, e in raw_sentences(text)]


def test_a_hard_wrapped_sentence_is_one_piece():
    text = (
        "AN ACT to amend the labor law, in\n"
        "relation to the status of an employee\n"
        "\n"
        "Section 1. The court may order the department of\n"
        "Corrections to pay restitution to the\n"
        "   victim. It shall report."
    )
    assert _pieces(text) == [
        "AN ACT to amend the labor law, in\nrelation to the status of an employee",
        "Section 1.",
        "The court may order the department of\nCorrections to pay restitution to the\n   victim.",
        "It shall report.",
    ]


def test_a_line_that_can_end_a_sentence_still_ends_the_piece():
    text = "TITLE OF THE ACT\nSection 2. Trafficking is a felony\nA person who patronizes"
    assert _pieces(text) == [
        "TITLE OF THE ACT",
        "Section 2.",
        "Trafficking is a felony",
        "A person who patronizes",
    ]


def test_a_section_caption_is_never_a_sentence_to_quote():
    text = (
        "§ 440.11 MOTION TO VACATE JUDGMENT; CHANGE IN THE LAW.\n"
        "1. AT ANY TIME THE COURT MAY VACATE SUCH CONVICTION.\n"
        "§ 7 Penalties for Patronizing a Minor.\n"
        "§ 5 A person who pays a fee commits patronizing.\n"
        "§ 6 A PERSON WHO PAYS A FEE COMMITS PATRONIZING."
    )
    assert [text[s:e] for s, e in sentences(text)] == [
        "AT ANY TIME THE COURT MAY VACATE SUCH CONVICTION.",
        "§ 5 A person who pays a fee commits patronizing.",
        "§ 6 A PERSON WHO PAYS A FEE COMMITS PATRONIZING.",
    ]


def test_the_caption_after_a_section_number_is_never_a_sentence_to_quote():
    text = (
        "§ 844. INQUIRY INTO IMMIGRATION STATUS LIMITED. A. AN OFFICER SHALL NOT INQUIRE INTO "
        "THE IMMIGRATION STATUS OF A VICTIM.\n"
        "§ 4. Apprehension procedures for immigration enforcement actions\n"
        "(a) In any immigration enforcement action, the Secretary shall give notice.\n"
        "Sec. 5. Human trafficking court. A human trafficking court is established.\n"
        "Section 6. Gang enforcement team 276,284,696 dollars for the biennium\n"
        "Section 7. housing counseling; and homeless prevention services;"
    )
    assert [text[s:e] for s, e in sentences(text)] == [
        "A. AN OFFICER SHALL NOT INQUIRE INTO THE IMMIGRATION STATUS OF A VICTIM.",
        "(a) In any immigration enforcement action, the Secretary shall give notice.",
        "Human trafficking court. A human trafficking court is established.",
        "Gang enforcement team 276,284,696 dollars for the biennium",
        "housing counseling; and homeless prevention services;",
    ]


def test_a_period_after_an_abbreviation_ends_no_sentence():
    text = (
        "Section 287(g) of the Immigration and Nationality Act (8 U.S.C. 1357(g)) is amended "
        "to read as follows: The authority is restricted to immigration officers. "
        "Funds under Pub. L. No. 117-103 may not be used."
    )
    assert _pieces(text) == [
        "Section 287(g) of the Immigration and Nationality Act (8 U.S.C. 1357(g)) is amended "
        "to read as follows:",
        "The authority is restricted to immigration officers.",
        "Funds under Pub. L. No. 117-103 may not be used.",
    ]


def test_a_chapter_or_part_abbreviated_in_a_citation_ends_no_sentence():
    # Maine cites its session laws as "PL 2099, c. 9, Pt. A, §9"
    text = (
        "Sec. 2. 99 XRSA §1, as amended by PL 2099, c. 9, Pt. A, §9, is repealed. "
        "The crime of possession is a civil violation."
    )
    assert _pieces(text)[-2:] == [
        "99 XRSA §1, as amended by PL 2099, c. 9, Pt. A, §9, is repealed.",
        "The crime of possession is a civil violation.",
    ]
