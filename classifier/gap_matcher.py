"""A matcher for patterns with gaps ("vacate *4 conviction"), anchored on their first word.

spaCy's Matcher tries every pattern at every token, which with a few hundred gapped patterns
is slower than the rest of the pipeline together; here a dictionary from first words finds
the few candidate positions and only those are checked.
"""

from __future__ import annotations

from collections import defaultdict

from spacy.attrs import LOWER
from spacy.tokens import Doc

from classifier.patterns import Element, Pattern


def _match_at(elements: tuple[Element, ...], words: list[str], k: int, pos: int) -> int:
    """The end of a match of elements[k:] starting at token `pos`, or -1 (shortest gaps first)."""
    if k == len(elements):
        return pos
    el = elements[k]
    if el.kind == "gap":
        for skip in range(el.gap + 1):
            if pos + skip > len(words):
                break
            end = _match_at(elements, words, k + 1, pos + skip)
            if end >= 0:
                return end
        return -1
    if pos < len(words):
        ok = (
            words[pos] in el.words
            if el.kind == "word"
            else el.regex is not None and el.regex.search(words[pos]) is not None
        )
        if ok:
            end = _match_at(elements, words, k + 1, pos + 1)
            if end >= 0:
                return end
    if el.optional:
        return _match_at(elements, words, k + 1, pos)
    return -1


class GapMatcher:
    """Finds (pattern, start, end) for gapped patterns, one match per pattern and start."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.by_first: dict[str, list[Pattern]] = defaultdict(list)
        for pattern in patterns:
            assert pattern.elements is not None
            for word in pattern.elements[0].words:
                self.by_first[word].append(pattern)

    def __call__(self, doc: Doc) -> list[tuple[Pattern, int, int]]:
        """Every match in `doc`."""
        words = lower_words(doc)
        by_first = self.by_first
        out = []
        for i, word in enumerate(words):
            patterns = by_first.get(word)
            if not patterns:
                continue
            for pattern in patterns:
                assert pattern.elements is not None
                end = _match_at(pattern.elements, words, 1, i + 1)
                if end > i:
                    out.append((pattern, i, end))
        return out


def lower_words(doc: Doc) -> list[str]:
    """The lower-case form of every token (computed once per doc)."""
    words = doc.user_data.get("bw_words")
    if words is None:
        strings = doc.vocab.strings
        words = doc.user_data["bw_words"] = [strings[h] for h in doc.to_array(LOWER).tolist()]
    return words
