"""Sentence pieces of a section: the units evidence is quoted in and scored by."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.;:](?=\s)|\n")
MIN_EVIDENCE_WORDS = 5
_WORDS = re.compile(r"[A-Za-z]+")
_VERB = re.compile(r"\b(?:shall|may|must|is|are|was|were|means|includes|be)\b", re.I)
# Headings and captions are never evidence: "Section 1.", "Sec. 2907.24.", "Regular Session",
# "AN ACT", "PART D", a codified number alone.
_HEADING_PIECE = re.compile(
    r"^(?:(?:SECTION|Section|SEC|Sec|Art|ARTICLE|Article|PART|Part|Chapter|CHAPTER|§+)\.?\s*"
    r"[\w.\-]*\.?|[\d.\-]+|[(\[]?\w{1,4}[)\]]\.?|(?:[A-Z][a-z]*\s*){1,3}(?:Session|Act|"
    r"Bill|Legislature|Assembly)\.?)$"
)


def raw_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-like pieces: ends at . ; : before a space, and at line breaks."""
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    out.append((start, len(text)))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence pieces fit to quote: headings dropped, fragments joined to the next piece."""
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of fragments waiting for the piece they belong to
    raw = raw_sentences(text)
    for s, e in raw:
        if _HEADING_PIECE.match(text[s:e]):
            continue
        start = s if pending is None else pending
        if not is_sentence(text[start:e]):
            pending = start
            continue
        out.append((start, e))
        pending = None
    if pending is not None and out:  # trailing fragments belong to the last sentence
        out[-1] = (out[-1][0], raw[-1][1])
    return out


def is_sentence(piece: str) -> bool:
    """Enough words to say something: five, or three with a verb ("Prostitution is a felony")."""
    n = len(_WORDS.findall(piece))
    return n >= MIN_EVIDENCE_WORDS or (n >= 3 and _VERB.search(piece) is not None)
