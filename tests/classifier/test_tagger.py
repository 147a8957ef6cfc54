"""Tagging with the shipped pipeline: struck and inserted text in each source's markup."""

import re

import pytest

import classifier
from billwatch.text.sniff import extract_document
from classifier.linenumbers import readable
from classifier.tagger import _announcing, enacted_quote
from classifier.taxonomy import TAGS

TAGGER = classifier.load()


def _extract(files, name, media_type):
    return extract_document(
        (files / "classifier" / name).read_bytes(), media_type=media_type, filename=name
    )


def _check_shape(text, result, struck=()):
    assert set(result.scores) == set(TAGS)
    for section in result.sections:
        assert set(section.scores) == set(TAGS)
        for ev in section.evidence:
            # a quote is its span's words, less those struck inside an enacted sentence
            assert ev.quote in (
                readable(text[ev.start : ev.end]),
                enacted_quote(text, ev.start, ev.end, struck),
            )
            assert section.start <= ev.start < ev.end <= section.end
    assert {ev.tag for ev in result.evidence} == set(result.tags)


@pytest.mark.parametrize(
    "name, media_type",
    [
        ("ny_a01234.html", "text/html"),  # New York: [<B><S>old</S></B>] and <B><U>NEW</U></B>
        ("ca_sb0999.html", "text/html"),  # California: <strike> and <em>
        ("us_hr9999.xml", "application/xml"),  # USLM: changed="deleted" / changed="added"
    ],
)
def test_struck_offense_reads_as_non_criminalization(files, name, media_type):
    doc = _extract(files, name, media_type)
    assert doc.struck, "the fixture must strike an offense"
    result = TAGGER.tag(doc.text, doc.inserted, doc.struck)
    _check_shape(doc.text, result, doc.struck)
    assert "non_criminalization" in result.tags
    assert "sex_work_criminalization" not in result.tags
    assert result.stance in ("TRACK", "mixed")


def test_the_same_words_unstruck_read_as_criminalization(files):
    doc = _extract(files, "ca_sb0999.html", "text/html")
    s, e = doc.struck[0]
    kept = doc.text[:s] + doc.text[s:e] + "."  # the old offense alone, now live text
    result = TAGGER.tag(kept)
    assert "sex_work_criminalization" in result.tags
    assert result.stance in ("ALERT", "mixed")


def test_missouri_brackets_in_plain_text_are_struck(files):
    text = (files / "classifier" / "mo_sb0042.txt").read_text()
    result = TAGGER.tag(text)  # no spans given: the printed [brackets] are read as deletions
    _check_shape(text, result)
    assert "non_criminalization" in result.tags
    assert "sex_work_criminalization" not in result.tags
    codified = next(s for s in result.sections if s.label == "567.999")
    flip = next(ev for ev in codified.evidence if ev.tag == "non_criminalization")
    assert flip.quote.startswith("[1. A person commits the offense of patronizing")
    # The bill's evidence is the strongest: the struck offense, the outright repeal, or the
    # title that says it repeals the offense.
    best = next(ev for ev in result.evidence if ev.tag == "non_criminalization")
    assert best.quote in (
        flip.quote,
        "Section 567.999, RSMo, is repealed.",
        "AN ACT To repeal section 567.999, RSMo, relating to prostitution.",
    )


def test_given_spans_override_printed_marks():
    text = "A person commits the offense of patronizing prostitution, a class A misdemeanor."
    struck = [(0, len(text))]
    assert "sex_work_criminalization" in TAGGER.tag(text).tags
    assert "sex_work_criminalization" not in TAGGER.tag(text, struck=struck).tags


def test_inserted_penalty_is_tagged_with_evidence_in_the_insertion():
    text = (
        "Section 1. Section 230.34 of the penal law is amended to read as follows: "
        "Sex trafficking is a [class B] CLASS A-II felony."
    )
    s = text.index("CLASS")
    result = TAGGER.tag(text, inserted=[(s, s + 10)], struck=[(s - 10, s - 1)])
    assert result.tags == ["penalty_increase"] and result.stance == "ALERT"
    ev = result.evidence[0]
    assert ev.start <= s < ev.end


def test_omnibus_bill_is_tagged_section_by_section():
    text = (
        "AN ACT relating to public safety.\n"
        "Section 1. The department of labor shall enforce the minimum wage and overtime for "
        "domestic workers, and no employer shall retaliate against a worker who complains.\n"
        "Section 2. The legislature finds that the state has many rivers.\n"
        "Section 3. A person who was trafficked may bring a civil action against the "
        "trafficker for actual damages, punitive damages and reasonable attorney fees.\n"
    )
    result = TAGGER.tag(text)
    by_label = {s.label: s for s in result.sections}
    assert "worker_protections" in by_label["Section 1"].tags
    assert by_label["Section 2"].tags == []
    assert "civil_remedies" in by_label["Section 3"].tags
    assert {"worker_protections", "civil_remedies"} <= set(result.tags)
    assert result.stance == "TRACK"


def test_neutral_awareness_text_has_no_tags():
    text = (
        "WHEREAS, human trafficking harms every community; now, therefore, be it RESOLVED, "
        "that January is designated Human Trafficking Awareness Month."
    )
    result = TAGGER.tag(text)
    assert result.tags == [] and result.stance == "none" and result.evidence == []


def test_empty_text():
    result = TAGGER.tag("")
    assert result.sections == [] and result.tags == [] and result.stance == "none"
    assert set(result.scores) == set(TAGS)


def test_version_names_patterns_and_weights():
    assert classifier.CLASSIFIER_VERSION.startswith("taxonomy-")
    assert len(classifier.CLASSIFIER_VERSION) <= 50
    assert classifier.load() is TAGGER


def test_a_short_title_names_the_act_and_carries_no_tag(files):
    text = (files / "classifier" / "us_short_title.txt").read_text()
    result = TAGGER.tag(text)
    _check_shape(text, result)
    short = next(s for s in result.sections if "may be cited as" in text[s.start : s.end])
    assert short.tags == []  # the name is not what the bill does
    for ev in result.evidence:
        assert "may be cited as" not in ev.quote


@pytest.mark.parametrize(
    "text, cut, whole",
    [
        (  # a citation's abbreviation is not a sentence end
            "Section 287(g) of the Immigration and Nationality Act (8 U.S.C. 1357(g)) is "
            "repealed. The Secretary shall report.",
            "U.S.C.",
            "Section 287(g) of the Immigration and Nationality Act (8 U.S.C. 1357(g)) is repealed.",
        ),
        (  # a piece that ends where the sentence ends stays as it is
            "Patronizing a person for prostitution is a class A felony. The court shall order.",
            "felony.",
            "Patronizing a person for prostitution is a class A felony.",
        ),
    ],
)
def test_evidence_quotes_run_to_the_end_of_the_sentence(text, cut, whole):
    from classifier.tagger import _whole_sentence

    end = text.index(cut) + len(cut)
    assert text[: _whole_sentence(text, 0, end)] == whole


def test_a_long_title_is_quoted_without_the_page_furniture_before_it(files):
    text = (files / "classifier" / "mo_title_only.txt").read_text()
    result = TAGGER.tag(text)
    _check_shape(text, result)
    assert result.tags, "the title says the bill enhances penalties"
    for ev in result.evidence:
        assert ev.quote.startswith("AN ACT")


def test_a_quote_starts_after_struck_text_and_printed_line_numbers():
    from classifier.tagger import _enacted_start

    text = "[3. Repealed words. 23 4.] The offense of trespass is a class A misdemeanor."
    struck = [(0, text.index("]") + 1)]
    start = _enacted_start(text, text.index("23 4.]"), len(text), struck)
    assert text[start:].startswith("The offense")
    text = "3 2. A person commits the offense of patronizing prostitution if he or she pays."
    assert text[_enacted_start(text, 0, len(text), []) :].startswith("2. A person")
    text = "18 persons shall be appointed."  # a number that is part of the sentence stays
    assert _enacted_start(text, 0, len(text), []) == 0
    text = "or (i) The judgment is a conviction."  # the list's joining word is not the item's
    assert text[_enacted_start(text, 0, len(text), []) :].startswith("(i) The judgment")
    text = "or other persons shall be appointed."
    assert _enacted_start(text, 0, len(text), []) == 0


def test_a_quote_leaves_out_the_struck_words_inside_its_sentence():
    text = "A person who pays a fee commits patronizing, a class A B felony."
    struck = [(text.index("A B") + 2, text.index("A B") + 4)]  # "B " struck
    assert enacted_quote(text, 0, len(text), struck) == (
        "A person who pays a fee commits patronizing, a class A felony."
    )
    whole = TAGGER.tag(text, struck=[(text.index("A B"), text.index("A B") + 2)])
    assert whole.evidence, "a buyer offense is tagged"
    for ev in whole.evidence:
        assert "class B felony" in ev.quote and "A B" not in ev.quote
        assert text[ev.start : ev.end].startswith("A person")


def test_a_sentence_left_with_only_its_number_and_joining_word_is_never_quoted():
    # Missouri strikes a whole list item: "or (2) [While on probation ...;" enacts no words.
    text = (
        "2. No person who is adjudged incapacitated shall be entitled to register or vote. No "
        "person shall be entitled to vote:\n(1) While confined under a sentence of imprisonment "
        "after conviction of a felony; or\n(2) [While on probation or parole after conviction of "
        "a felony, until finally discharged from such probation or parole; or\n(3)] After "
        "conviction of a felony [or misdemeanor] connected with the right of suffrage.\n"
    )
    struck = [(m.start(), m.end()) for m in re.finditer(r"\[[^\]]*\]", text)]
    result = TAGGER.tag(text, struck=struck)
    for ev in result.evidence:
        assert re.search(r"[A-Za-z]{3,}", ev.quote), ev.quote


def test_a_title_that_only_names_its_subject_does_not_tag_a_bill_with_a_body():
    body = (
        "\nSection 1. The department shall publish an annual report on the number of "
        "licenses issued.\nSection 2. This act takes effect on July 1."
    )
    about = TAGGER.tag("AN ACT relating to prostitution." + body)
    assert "sex_work_criminalization" not in about.tags
    acting = TAGGER.tag(
        "AN ACT relating to prostitution; creating the offense of patronizing prostitution; "
        "providing penalties." + body
    )
    assert "sex_work_criminalization" in acting.tags


@pytest.mark.parametrize(
    "announcing",
    [
        'For the purposes of this section, "commercial sexual activity" means any sex act.',
        '(4) "Patronizing", the offense of paying a fee for sexual conduct;',
        "Section 230.04 of the penal law is amended to read as follows:",
    ],
)
def test_a_definition_or_an_amending_instruction_is_not_quoted_beside_words_that_act(
    announcing,
):
    acting = "A person who patronizes a person for prostitution is guilty of a class A felony."
    result = TAGGER.tag(f"{announcing} {acting}")
    quotes = [ev.quote for ev in result.evidence if ev.tag == "sex_work_criminalization"]
    assert quotes == [acting]


@pytest.mark.parametrize(
    "sentence, announces",
    [
        ('For the purposes of this section, "sex act" means any touching.', True),
        ('67.1062; (4) "Local homeless shelter", any homeless shelter that is:', True),
        ("As used in this chapter, the term victim means a person.", True),
        ("Section 1701(m) of the Act (34 U.S.C. 10381(m)) is amended to read as follows:", True),
        ("Title I of the Act is amended by adding at the end the following new part:", True),
        ("A person who patronizes a person for prostitution is guilty of a felony.", False),
        ('The "Safe Harbor Act" shall provide services to every exploited child.', False),
        ("The court shall hear the following matters:", False),
    ],
)
def test_definitions_and_amending_instructions_are_told_from_acting_sentences(sentence, announces):
    assert _announcing(sentence) is announces
