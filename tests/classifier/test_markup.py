"""Drafting marks printed in plain text become inserted and struck spans."""

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


def test_all_capitals_text_marks_nothing_by_case():
    text = "AN ACT TO PROVIDE PENALTIES FOR TRAFFICKING AND FOR OTHER PURPOSES."
    assert infer_spans(text) == ([], [])


def test_span_helpers():
    assert merge([(5, 9), (0, 3), (2, 4), (9, 9)]) == [(0, 4), (5, 9)]
    assert clip([(0, 10), (20, 30)], 5, 25) == [(0, 5), (15, 20)]
    assert covered([(0, 10)], 2, 8) and not covered([(0, 10)], 8, 20)
