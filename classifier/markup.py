"""Drafting marks in plain bill text: where a source shows deletions and insertions inline.

Stored versions carry `inserted`/`struck` spans; plain texts (the `tag` command, the labelled
corpus) keep the marks as the source prints them: New York and Missouri put deleted matter in
[brackets] and New York new matter in CAPITALS; Texas puts new matter in <angle brackets> and
deletions in [brackets].
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]

# A bracketed deletion: "[class B]", "[, other than robbery in the second degree]". A bracket
# that opens a word ("purchase[s]") is an editorial insertion in a quote, not a deletion.
_STRUCK = re.compile(r"(?<![A-Za-z])\[[^\[\]]{1,5000}\]")
# What a compiler or editor brackets in a statute compilation, which deletes nothing: a section
# number or code citation ("[§707-781]", "[D.C. Official Code § 22-2704]", "[Chapter 30 NMSA
# 1978]", "[8 U.S.C. 1101]"), a history note ("[L 1988, c 261]", "[18-5602, added 1972, ch.
# 336]", "[C51, §2710; R60]", "[2021 c.550 § 6]") or New Mexico's "[NEW MATERIAL]" label.
_SECTION_NO = r"[\d.\-]+[A-Z]?(?:-[\d.]+)*"  # "18-5602", "30-52-1", "20-209I", "22-3009.01"
_EDITORIAL = re.compile(
    r"\s*(?:§|D\.C\. (?:Official|Law)\b|\d+ U\.S\.C\.|NEW MATERIAL\s*$"
    rf"|(?:Chapter \d+[A-Z]?(?:, Article \d+[A-Z]?)?|{_SECTION_NO}(?: to {_SECTION_NO})?)"
    r" NMSA \d{4}\s*$"
    rf"|L \d{{4}}\b|[CR]\d{{2}},|\d{{4}} c\.\s?\d|{_SECTION_NO}, (?:added|am\.) \d{{4}}\b)"
)
_INSERTED_ANGLE = re.compile(r"<(?!/?[A-Za-z]+>)[^<>]{1,5000}>")
# New York new matter: a run of two or more upper-case words (grades such as "CLASS A-II"
# included) that is not the enacting clause or a heading.
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z0-9'\-,.;:()]*(?:\s+[A-Z0-9][A-Z0-9'\-,.;:()&]*)+")
MIN_CAPS_LETTERS = 6
# What comes before a run of capitals that continues a lower-case sentence: a lower-case word,
# maybe a bracketed deletion and a comma, semicolon or colon, then space and maybe "(".
_INLINE_BEFORE = re.compile(r"[a-z](?:\[[^\[\]]{0,40}\])?[,;:]?\s+\(?$")
_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_NOT_NEW_MATTER = re.compile(
    r"^(AN ACT|THE PEOPLE OF THE STATE|BE IT ENACTED|SECTION \d|SEC\. \d|EXPLANATION|"
    r"A BILL|A JOINT|A RESOLUTION|AN ORDINANCE)"
)


def infer_spans(text: str) -> tuple[list[Span], list[Span]]:
    """(inserted, struck) spans that the plain-text drafting marks of `text` show."""
    struck = [
        (m.start(), m.end())
        for m in _STRUCK.finditer(text)
        if not _EDITORIAL.match(text, m.start() + 1, m.end() - 1)
    ]
    inserted = [(m.start(), m.end()) for m in _INSERTED_ANGLE.finditer(text)]
    n_letters = len(_LETTER.findall(text))
    upper_share = len(_UPPER.findall(text)) / n_letters if n_letters else 0.0
    if upper_share < 0.6:  # a text set all in capitals marks nothing by its case
        runs = [
            m
            for m in _CAPS_RUN.finditer(text)
            if sum(c.isalpha() for c in m.group()) >= MIN_CAPS_LETTERS
            and not _NOT_NEW_MATTER.match(m.group())
        ]
        # Capitals mark new matter only in a text that uses case as a mark: one that brackets
        # deletions, or prints a run of capitals inside a lower-case sentence ("guilty of
        # [criminal] UNLAWFUL possession"). Elsewhere they are headings ("DEFINITION AND
        # PENALTY."), citations ("P.A. 06-43, S. 5") or a clerk's lines, and reading them as
        # insertions would make every other sentence law re-printed unchanged.
        if struck or any(
            _INLINE_BEFORE.search(text, max(m.start() - 40, 0), m.start()) for m in runs
        ):
            inserted.extend((m.start(), m.end()) for m in runs)
    return merge(inserted), merge(struck)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans."""
    out: list[Span] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def clip(spans: Iterable[Span], start: int, end: int) -> list[Span]:
    """The parts of `spans` inside [start, end), shifted to be relative to `start`."""
    return [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]


def covered(spans: list[Span], start: int, end: int) -> bool:
    """Whether [start, end) lies mostly (over half) inside `spans`."""
    overlap = sum(max(0, min(e, end) - max(s, start)) for s, e in spans)
    return overlap * 2 > (end - start)
