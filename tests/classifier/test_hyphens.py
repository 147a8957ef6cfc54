"""Words a printed line broke with a hyphen are read whole, at the same offsets."""

import pytest

import classifier
from classifier.hyphens import join_broken_words, unbroken
from classifier.linenumbers import readable


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("shall reim-\nburse the county", "shall reimburse   the county"),
        ("the local correctional facil-\n   ity.", "the local correctional facility     ."),
        ("SUBDIVI-\nSION 2", "SUBDIVISION   2"),  # New York's new matter, in capitals
        # a compound's second word, and hyphens that end no line, stay as printed
        ("the Anti-\nTrafficking Act", "the Anti-\nTrafficking Act"),
        ("pre- and post-release", "pre- and post-release"),
        ("ends with a dash -\n(2) next", "ends with a dash -\n(2) next"),
    ],
)
def test_a_word_broken_over_a_line_is_joined_at_the_same_length(text, joined):
    assert join_broken_words(text) == joined
    assert len(join_broken_words(text)) == len(text)


def test_the_text_after_a_joined_word_keeps_its_offsets():
    text = "shall reim-\nburse the county for incarcerating"
    at = text.index("county")
    assert join_broken_words(text)[at : at + 6] == "county"


def test_quotes_read_the_word_whole():
    assert unbroken("shall reim-\n  burse the county") == "shall reimburse the county"
    assert readable("the DEPART-\nMENT shall reim-\nburse\n the county") == (
        "the DEPARTMENT shall reimburse the county"
    )


def test_the_tagger_reads_a_broken_word_as_the_word_and_quotes_it_whole():
    text = (
        "The Department of Corrections shall reim-\nburse the county for the costs of\n"
        "incarcerating the individual in the local correctional facility at $125 per day."
    )
    tagger = classifier.load()
    assert "reimburse" in [t.lower_ for t in tagger.process(text)]
    # the evidence reads as one sentence from the text's start, the word whole
    quotes = {(ev.start, ev.quote) for ev in tagger.tag(text).evidence}
    assert quotes == {(0, " ".join(text.replace("-\n", "").split()))}
