"""Drafting marks in plain bill text: where a source shows deletions and insertions inline.

Stored versions carry `inserted`/`struck` spans; plain texts (the `tag` command, the labelled
corpus) keep the marks as the source prints them: New York and Missouri put deleted matter in
[brackets] and New York new matter in CAPITALS; Texas puts new matter in <angle brackets> and
deletions in [brackets]; Minnesota's revisor writes "new text begin ... new text end".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from classifier.hyphens import unbroken

Span = tuple[int, int]

# A bracketed deletion: "[class B]", "[, other than robbery in the second degree]". A bracket
# that opens a word ("purchase[s]") is an editorial insertion in a quote, not a deletion.
_STRUCK = re.compile(r"(?<![A-Za-z])\[[^\[\]]{1,5000}\]")
# What a compiler or editor brackets in a statute compilation, which deletes nothing: a section
# number or code citation ("[§707-781]", "[D.C. Official Code § 22-2704]", D.C.'s "[now §
# 16-1001]", "[Chapter 30 NMSA 1978]", "[8 U.S.C. 1101]"), a history note ("[L 1988, c 261]",
# "[18-5602, added 1972, ch. 336]", "[C51, §2710; R60]", "[2021 c.550 § 6]") or New Mexico's
# "[NEW MATERIAL]" label.
_SECTION_NO = r"[\d.\-]+[A-Z]?(?:-[\d.]+)*"  # "18-5602", "30-52-1", "20-209I", "22-3009.01"
_EDITORIAL = re.compile(
    r"\s*(?:(?:now )?§|D\.C\. (?:Official|Law)\b|\d+ U\.S\.C\.|NEW MATERIAL\s*$"
    rf"|(?:Chapter \d+[A-Z]?(?:, Article \d+[A-Z]?)?|{_SECTION_NO}(?: to {_SECTION_NO})?)"
    r" NMSA \d{4}\s*$"
    rf"|L \d{{4}}\b|[CR]\d{{2}},|\d{{4}} c\.\s?\d|{_SECTION_NO}, (?:added|am\.) \d{{4}}\b)"
)
# Minnesota's revisor prints its marks as words where a page cannot show underline or strike:
# "new text begin ... new text end", "deleted text begin ... deleted text end". The marker words
# are no law, so they are read as struck.
_REVISOR_NEW = re.compile(r"new text begin(.{0,5000}?)new text end", re.S)
_REVISOR_DELETED = re.compile(r"deleted text begin.{0,5000}?deleted text end", re.S)
# Texas new matter: <angle brackets>, but not an HTML tag, an address or an e-mail in them.
_INSERTED_ANGLE = re.compile(
    r"<(?!/?[A-Za-z]+>)(?!(?:https?|ftp|mailto):)(?![^<>\s]+@[^<>\s]+>)[^<>]{1,5000}>"
)
# New York new matter: a run of two or more upper-case words (grades such as "CLASS A-II"
# included) that is not the enacting clause or a heading. It ends at a whole word: "AMBER Alert"
# and "REAL ID Act" are a name, not "AMBER A" and "REAL ID A".
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z0-9'\-,.;:()]*(?:\s+[A-Z0-9][A-Z0-9'\-,.;:()&]*)+(?![a-z])")
MIN_CAPS_LETTERS = 6
# A run that shows a text marks new matter by case is longer than an acronym or two ("MPD, MTPD",
# "SLED. SLED"): letters of words of two letters or more, so "181A.820" adds nothing.
MIN_INLINE_LETTERS = 10
# What comes before a run of capitals that continues a lower-case sentence: a lower-case word
# (not an ordinal: "83rd OREGON LEGISLATIVE ASSEMBLY"), maybe a bracketed deletion and a comma,
# semicolon or colon, then space and maybe "(".
_INLINE_BEFORE = re.compile(r"(?<![0-9A-Za-z])[a-z]+(?:\[[^\[\]]{0,40}\])?[,;:]?\s+\(?$")
# ...but not the word of a heading ("Title XXXVIII CRIMES AND PUNISHMENT") or the title before
# a sponsor's name ("Sponsored by Senator TAYLOR", "Representatives NGUYEN H, TRAN").
_HEADING_BEFORE = re.compile(
    r"\b(?:Title|Subtitle|Chapter|Article|Part|Division|Senators?|Representatives?|Delegates?"
    r"|Assembly(?:wo)?m[ae]n|Assemblym[ae]mbers?|Councilm[ae]mbers?)\s+$"
)
_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_WORD_LETTERS = re.compile(r"[A-Za-z]{2,}")
# The enacting clause, a clerk's label or a heading in capitals: "NEW SECTION", "ENROLLED
# ORIGINAL", "WHEREAS,", "be AMENDED:", "LONG TITLE", "CHAPTER 67.", "SUBCHAPTER D.", "PART A",
# "IN THE HOUSE OF REPRESENTATIVES", "SENATE BILL 99".
_NOT_NEW_MATTER = re.compile(
    r"^(AN ACT|THE PEOPLE OF THE STATE|BE IT ENACTED|SECTION \d|SEC\. \d|EXPLANATION|"
    r"A BILL|A JOINT|A RESOLUTION|AN ORDINANCE|NEW SECTION|ENROLLED|ENGROSSED|WHEREAS|"
    r"AMENDED:|LONG TITLE|(?:SUB)?CHAPTER [\dA-Z]|ARTICLE [\dA-Z]|PART [\dA-Z]\b|"
    r"TITLE [\dIVXLC]|IN THE (?:HOUSE|SENATE|ASSEMBLY)|(?:HOUSE|SENATE|ASSEMBLY) (?:BILL|JOINT))"
)


def _letters(run: str) -> int:
    """Letters of the words of two letters or more in a run of capitals, less the words that
    name a citation's number ("ORS 163.305", "SECTION 2", "RSA 633:7")."""
    return sum(
        len(m.group()) for m in _WORD_LETTERS.finditer(run) if not _CITED.match(run, m.end())
    )


# A word followed by a number: "ORS 163.305", "SECTION 7.", "RSA 633:7" name a law, not new matter.
_CITED = re.compile(r"[ \t]+\d")


def _replacing(run: re.Match, bracketed: list[Span]) -> bool:
    """A run of capitals printed next to a bracketed deletion: the new words that replace it."""
    return any(-2 <= run.start() - e <= 2 or -2 <= s - run.end() <= 2 for s, e in bracketed)


def _inline(text: str, run: re.Match) -> bool:
    """A run of capitals long enough to be new matter that continues a lower-case sentence,
    and not a line of its own (a heading or a clerk's line after a sentence that ends with
    the line: "provided by the\nLAW AND LEGISLATIVE DIGITAL LIBRARY\nat the ...")."""
    # a word broken over the line ("Rep-\nresentatives SMITH") is read whole
    before = unbroken(text[max(run.start() - 60, 0) : run.start()])[-40:]
    return (
        _letters(run.group()) >= MIN_INLINE_LETTERS
        and not _own_line(text, run)
        and _INLINE_BEFORE.search(before) is not None
        and _HEADING_BEFORE.search(before) is None
    )


def _own_line(text: str, run: re.Match) -> bool:
    """Whether a run fills the lines it is on: only spaces between it and the line breaks."""
    line_start = text.rfind("\n", 0, run.start()) + 1
    line_end = text.find("\n", run.end())
    after = text[run.end() : len(text) if line_end < 0 else line_end]
    return line_start > 0 and not text[line_start : run.start()].strip() and not after.strip()


# A JSON object's key just before a bracket: the bracket opens the key's array, whatever it holds
# (a record whose strings were unescaped, `"bill_versions": [{"bill_text": "... "Cruel," ..."}]`,
# no longer parses as JSON).
_JSON_KEY_BEFORE = re.compile(r'"[A-Za-z_][\w ]{0,60}":[ \t]*$')


def _json_array(text: str, start: int, end: int) -> bool:
    """Whether the bracketed text at start:end is a JSON array (a scraper's record pasted as
    text: `"sponsors": [{"id": 1}]`, `["Minors", "Sex Offenses"]`), which deletes nothing."""
    if _JSON_KEY_BEFORE.search(text, max(0, start - 80), start):
        return True
    inner = text[start + 1 : end - 1]
    if not inner.lstrip().startswith(("{", '"')):
        return False
    try:
        json.loads(f"[{inner}]")
    except ValueError:
        return False
    return True


def infer_spans(text: str) -> tuple[list[Span], list[Span]]:
    """(inserted, struck) spans that the plain-text drafting marks of `text` show."""
    struck = [
        (m.start(), m.end())
        for m in _STRUCK.finditer(text)
        if not _EDITORIAL.match(text, m.start() + 1, m.end() - 1)
        and not _json_array(text, m.start(), m.end())
    ]
    inserted = [(m.start(), m.end()) for m in _INSERTED_ANGLE.finditer(text)]
    bracketed = list(struck)
    revisor_new = list(_REVISOR_NEW.finditer(text))
    revisor_deleted = [m.span() for m in _REVISOR_DELETED.finditer(text)]
    for m in revisor_new:
        inserted.append(m.span(1))
        struck.extend([(m.start(), m.start(1)), (m.end(1), m.end())])
    struck.extend(revisor_deleted)
    revisor = bool(revisor_new or revisor_deleted)
    n_letters = len(_LETTER.findall(text))
    upper_share = len(_UPPER.findall(text)) / n_letters if n_letters else 0.0
    # A text set all in capitals, or marked in words, marks nothing by its case.
    if upper_share < 0.6 and not revisor:
        runs = [
            m
            for m in _CAPS_RUN.finditer(text)
            if _letters(m.group()) >= MIN_CAPS_LETTERS and not _NOT_NEW_MATTER.match(m.group())
        ]
        # Capitals mark new matter only in a text that uses case as a mark: one that prints new
        # matter in capitals beside the bracketed matter it replaces ("[class B] CLASS A-II"),
        # or a run of capitals inside a lower-case sentence ("guilty of [criminal] UNLAWFUL
        # possession"). Elsewhere they are headings ("DEFINITION AND PENALTY."), citations
        # ("P.A. 06-43, S. 5") or a clerk's lines (Missouri and Oregon bracket deletions but
        # print new matter in bold), and reading them as insertions would make every other
        # sentence law re-printed unchanged.
        if any(_replacing(m, bracketed) for m in runs) or any(_inline(text, m) for m in runs):
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
