"""Section segmentation of bill texts."""

import pytest

from classifier.sections import split_sections

NY = (
    "AN ACT to amend the penal law, in relation to loitering\n"
    "Section 1. Section 240.99 of the penal law is amended to read as follows: a person is "
    "guilty when he remains.\n"
    "§ 2. Section 230.01 of the penal law is amended to read as follows: it is a defense.\n"
    "§ 3. This act shall take effect immediately."
)


def test_new_york_sections_and_preamble():
    sections = split_sections(NY)
    assert [s.label for s in sections] == ["preamble", "Section 1", "§ 2", "§ 3"]
    assert NY[sections[1].start :].startswith("Section 1.")
    assert NY[sections[3].start : sections[3].end] == "§ 3. This act shall take effect immediately."


@pytest.mark.parametrize(
    "text, labels",
    [
        ("SECTION 1. The code is amended. SECTION 2. It takes effect.", ["SECTION 1", "SECTION 2"]),
        ("Sec. 1. The code is amended.\nSec. 2. It takes effect.", ["Sec. 1", "Sec. 2"]),
        (
            "SEC. 101. SHORT TITLE. This Act may be cited.\nSEC. 102. FINDINGS. Congress finds.",
            ["SEC. 101", "SEC. 102"],
        ),
        (
            "Section 1. A. Section 2. B.\nS 3. New York plain text.",
            ["Section 1", "Section 2", "§ 3"],
        ),
        (
            "566.206. 1. A person commits an offense.\n566.209. 1. Another offense.",
            ["566.206", "566.209"],
        ),
        ("Section A. Section 567.999, RSMo, is repealed.", ["Section A"]),
    ],
)
def test_heading_styles(text, labels):
    assert [s.label for s in split_sections(text)] == labels


def test_inline_references_are_not_headings():
    text = (
        "Section 1. As provided in Section 51.03, Family Code, and under § 18.2-346 of the "
        "Code, and section 230.34 of the penal law, a person is guilty."
    )
    assert [s.label for s in split_sections(text)] == ["Section 1"]


def test_long_section_is_split_at_subsections_with_offsets_into_the_text():
    body = " ".join(
        f"({n}) The department shall do thing number {n} " + "word " * 60 for n in range(1, 30)
    )
    text = "Section 1. " + body + "\nSection 2. This act takes effect."
    sections = split_sections(text, max_words=200)
    firsts = [s for s in sections if s.label.startswith("Section 1")]
    assert len(firsts) > 5
    assert all(len(text[s.start : s.end].split()) <= 200 for s in firsts)
    assert firsts[1].label == "Section 1 (part 2)"
    assert text[firsts[1].start :].startswith("(")
    assert sections[-1].label == "Section 2"
    covered = " ".join(text[s.start : s.end] for s in sections)
    assert len(covered.split()) == len(text.split())


def test_text_without_headings_is_one_section():
    sections = split_sections("  The legislature finds that trafficking harms people.  ")
    assert [(s.label, s.start) for s in sections] == [("preamble", 2)]
    assert split_sections("   ") == []


def test_front_matter_is_its_own_section_and_never_tagged():
    import classifier

    text = (
        "---\nlegis-num: H.R. 1\nchamber: IN THE HOUSE OF REPRESENTATIVES\n"
        "subjects: immigration enforcement, detention, deportation\n---\n"
        "# H.R. 1\n> To require a report on rest stop signage.\n"
        "SEC. 2. REPORT.\nThe Secretary of Transportation shall submit to Congress a report on "
        "the number of informational signs at rest stops on the Interstate System.\n"
    )
    sections = split_sections(text)
    assert sections[0].label == "front matter"
    assert text[sections[0].start : sections[0].end].endswith("---")
    assert sections[1].label == "preamble"
    assert text[sections[1].start :].startswith("# H.R. 1")
    result = classifier.load().tag(text)
    assert all(s.label != "front matter" for s in result.sections)
    assert all(ev.start >= sections[1].start for ev in result.evidence)


def test_a_squashed_bold_section_heading_still_starts_a_section():
    text = (
        "AN ACT To amend chapter 579, RSMo, relating to offenses. Be it enacted by the General "
        "Assembly of the state of Missouri, as follows: SectionA. Chapter579,RSMo,isamended by "
        "adding one new section, to read as follows: 579.021. 1. A person commits the offense "
        "of delivery of a controlled substance causing death if death results."
    )
    labels = [s.label for s in split_sections(text)]
    assert labels == ["preamble", "Section A"]
    assert [s.label for s in split_sections("The Sections. None here at all in this text.")] == [
        "preamble"
    ]


def test_sections_are_cut_about_as_long_as_the_passages_the_models_learn_from():
    # A section much longer than the training passages dilutes its one strong sentence.
    from classifier.data import DEFAULT_CORPUS, read_jsonl
    from classifier.sections import MAX_WORDS

    if not DEFAULT_CORPUS.exists():
        pytest.skip(f"{DEFAULT_CORPUS} is absent (the shared corpus)")
    lengths = sorted(len(ex.text.split()) for ex in read_jsonl(DEFAULT_CORPUS, "shared"))
    assert lengths[len(lengths) // 4] <= MAX_WORDS <= lengths[len(lengths) * 19 // 20]
    body = " ".join(f"({n}) The department shall do thing {n}." + " word" * 40 for n in range(8))
    assert len(split_sections("Section 1. " + body)) > 1
