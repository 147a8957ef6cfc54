"""Drafting marks printed in plain text become inserted and struck spans."""

import pytest

from classifier.markup import clip, covered, infer_spans, merge


def _quotes(text, spans):
    return [text[s:e] for s, e in spans]


def test_new_york_brackets_and_capitals():
    text = "Sex trafficking is a [class B] CLASS A-II felony under this section."
    inserted, struck = infer_spans(text)
    assert _quotes(text, struck) == ["[class B]"]
    assert _quotes(text, inserted) == ["CLASS A-II"]


def test_texas_angle_brackets_and_missouri_brackets():
    text = "conduct described by Section <43.02(b)> [43.02(a) or (b)], Penal Code"
    inserted, struck = infer_spans(text)
    assert _quotes(text, inserted) == ["<43.02(b)>"]
    assert _quotes(text, struck) == ["[43.02(a) or (b)]"]


def test_editorial_brackets_and_enacting_clause_are_not_marks():
    text = (
        "THE PEOPLE OF THE STATE OF NEW YORK DO ENACT AS FOLLOWS: a person who "
        "purchase[s] or advertise[s] a person"
    )
    inserted, struck = infer_spans(text)
    assert struck == [] and inserted == []


def test_capitals_inside_a_lower_case_sentence_mark_new_matter_without_brackets():
    text = "A person is guilty when they knowingly POSSESS OR SELL a controlled substance."
    assert _quotes(text, infer_spans(text)[0]) == ["POSSESS OR SELL"]
    listed = (
        "(u) criminal sale of a firearm to a minor as defined in section 265.16 of the penal"
        " law[.]; (V) PROMOTING PROSTITUTION UNDER SECTION 230.25."
    )
    assert _quotes(listed, infer_spans(listed)[0]) == [
        "V) PROMOTING PROSTITUTION UNDER SECTION 230.25."
    ]


def test_headings_and_citations_in_capitals_mark_nothing_in_a_text_without_case_marks():
    heading = "18-5613. PROVIDING COMMERCIAL SEXUAL ACTIVITY. A person is guilty of a misdemeanor."
    citation = "A person is guilty of prostitution. (P.A. 06-43, S. 5; P.A. 10-115, S. 1.)"
    clerk = "ENROLLED ORIGINAL\nAN ACT to establish a task force on trafficking."
    for text in (heading, citation, clerk):
        assert infer_spans(text) == ([], [])


@pytest.mark.parametrize(
    "note",
    [
        "[§712-1299]",
        "[ § 22-3999(4) ]",
        "[D.C. Official Code § 22-2799 ]",
        "[D.C. Law 99-123]",
        "[8 U.S.C. 1101(a)(15)(T)]",
        "[now § 22-1001(8) ]",
        "[Chapter 30, Article 52 NMSA 1978]",
        "[30-52-1 to 30-52-9 NMSA 1978]",
        "[L 1999, c 12, pt of §2; am L 2010, c 3, §1]",
        "[18-5699, added 1999, ch. 12, sec. 1, p. 34; am. 2010, ch. 5, sec. 2, p. 6.]",
        "[C51, §2799; R60, §4399]",
        "[2019 c.123 § 4]",
        "[NEW MATERIAL]",
    ],
)
def test_compilers_citations_and_history_notes_are_no_deletions(note):
    # With no deletion in it, the heading in capitals stays a heading, and every sentence
    # of the section stays the bill's own text.
    text = f"{note} 18-5699. PATRONIZING A MINOR. A person who pays a fee is guilty of a felony."
    assert infer_spans(text) == ([], [])


def test_a_bracketed_deletion_beside_a_citation_is_still_struck():
    text = "[§712-1299] A person is guilty of a [misdemeanor] CLASS C FELONY."
    inserted, struck = infer_spans(text)
    assert _quotes(text, struck) == ["[misdemeanor]"]
    assert _quotes(text, inserted) == ["CLASS C FELONY."]


@pytest.mark.parametrize(
    "text",
    [
        "That chapter 9-99 be amended by adding a NEW SECTION to read as follows: The department"
        " shall provide shelter to victims of trafficking.",
        "Services shall be offered to each person who: ENROLLED ORIGINAL 8 is a victim.",
        "The fee may not exceed ten dollars: PROVIDED, That a survivor pays no fee.",
        "The state police shall issue an AMBER Alert and notify the REAL ID Act office.",
        "Chapter 50 is amended by adding Subchapter D to read as follows: SUBCHAPTER D. GRANTS"
        " FOR TRAFFICKED PERSONS Sec. 1. The account is established.",
        "Title XXXVIII CRIMES AND PUNISHMENT; PEACE OFFICERS\nA person commits an offense.",
        "The chief shall consult the MPD, MTPD, and the sheriff.",
        "That § 22-99-1 be AMENDED: 22-99-1. No person may sell a child.",
        "A bill for an act.\n\n99th OREGON LEGISLATIVE ASSEMBLY--2099 Regular Session",
        "Sponsored by Senator EXAMPLE\nSUMMARY\nThe following summary is not law.",
        "session: 1st Session\nchamber: IN THE HOUSE OF REPRESENTATIVES\nA BILL to study.",
        "Representatives DOELAND H, ROEBUCK, Senators POEMAN K, LOWELL; requires a study.",
    ],
)
def test_clerks_labels_headings_and_acronyms_show_no_case_marks(text):
    # None of these is new matter printed in capitals, so no sentence becomes restated law.
    assert infer_spans(text) == ([], [])


def test_minnesota_revisor_words_mark_new_and_deleted_text():
    # Capitals in the same text are no mark: Minnesota marks in words.
    text = (
        "Youth deleted text begin shall bedeleted text end new text begin are new text end"
        " eligible for the SAFE HARBOR SHELTER PROGRAM."
    )
    inserted, struck = infer_spans(text)
    assert _quotes(text, inserted) == [" are "]
    assert _quotes(text, struck) == [
        "deleted text begin shall bedeleted text end",
        "new text begin",
        "new text end",
    ]


def test_capitals_far_from_any_deletion_are_headings_in_a_text_that_prints_new_matter_in_bold():
    # Missouri and Oregon bracket deletions but print new matter in bold, lost in plain text.
    text = (
        "SECOND REGULAR SESSION\nHOUSE BILL NO. 9999\nAN ACT to amend section 566.999.\n"
        "566.999. A person who commits the offense [is guilty of a class E felony] shall be"
        " referred to services."
    )
    inserted, struck = infer_spans(text)
    assert inserted == []
    assert _quotes(text, struck) == ["[is guilty of a class E felony]"]


def test_addresses_and_e_mails_in_angle_brackets_are_not_texas_insertions():
    text = "See <https://example.org/bill/9999> or write to <clerk@example.org> today."
    assert infer_spans(text) == ([], [])
    texas = "a fine not to exceed <$4,000> [$2,000]"
    assert _quotes(texas, infer_spans(texas)[0]) == ["<$4,000>"]


def test_all_capitals_text_marks_nothing_by_case():
    text = "AN ACT TO PROVIDE PENALTIES FOR TRAFFICKING AND FOR OTHER PURPOSES."
    assert infer_spans(text) == ([], [])


def test_span_helpers():
    assert merge([(5, 9), (0, 3), (2, 4), (9, 9)]) == [(0, 4), (5, 9)]
    assert clip([(0, 10), (20, 30)], 5, 25) == [(0, 5), (15, 20)]
    assert covered([(0, 10)], 2, 8) and not covered([(0, 10)], 8, 20)


@pytest.mark.parametrize(
    "text",
    [
        # a clerk's line of its own after a line that ends mid-sentence (Maine's cover page)
        "The following document is provided by the\nSTATE LAW AND LEGISLATIVE LIBRARY\nat the"
        " state library\nAggravated trafficking is a Class B crime.",
        # code citations in capitals between lower-case words (Oregon's "ORS 163.305.")
        "as those terms are defined in ORS 999.305.\nSECTION 2.\nORS 999.005 is amended to"
        " read: a person commits the crime of trafficking.",
        # a sponsor's title broken over a line before the names in capitals
        "Sponsored by Senators DOE, ROE; Rep-\nresentatives POEMAN, LOWELL, NEWTON (at the"
        " request of the committee)",
    ],
)
def test_lines_of_their_own_citations_and_broken_titles_show_no_case_marks(text):
    # Read as new matter, one such line would make every other sentence restated law and the
    # whole bill would carry no tag.
    assert infer_spans(text) == ([], [])


def test_new_matter_in_capitals_that_wraps_onto_its_own_line_in_a_marked_text_is_kept():
    text = "A person is guilty of [criminal] UNLAWFUL\n  POSSESSION when they knowingly sell it."
    assert _quotes(text, infer_spans(text)[0]) == ["UNLAWFUL\n  POSSESSION"]


def test_a_json_array_in_a_scrapers_record_is_no_deletion():
    record = (
        '{"bill_title": "establish a safe harbor", "sponsors": [{"id": 39, "is_prime": true}],'
        ' "keywords": ["Minors", "Sex Offenses"], "text": "A person who [knowingly] pays a fee."}'
    )
    inserted, struck = infer_spans(record)
    assert _quotes(record, struck) == ["[knowingly]"]  # the bill's own mark inside the record
    # the corpus reads a scraper's record with its string escapes decoded, so an array whose
    # text quotes a term no longer parses; the key before it still says it is the record's
    decoded = '{"bill_versions": [{"bill_text": "Terms used mean: "Cruel," causing pain."}]}'
    assert infer_spans(decoded) == ([], [])
    # a deletion that opens with a quotation is still a deletion
    text = 'The term ["sex trafficking", as used here,] means what section 9 says.'
    assert _quotes(text, infer_spans(text)[1]) == ['["sex trafficking", as used here,]']
