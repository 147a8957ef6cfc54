"""Split a bill text into its sections so that a long omnibus bill is tagged section by section.

Headings recognised: `SECTION 1.`, `Section 2.`, `Sec. 3.`, `SEC. 4.`, `§ 5.` (`S 5.` at a line
start in New York plain text), Missouri-style
codified section numbers at a line start (`566.206. 1.`), and `PART A` / `ARTICLE 2` lines;
`SectionA.` (a PDF extraction that lost the space of a bold heading) is `Section A`.
Sections longer than `max_words` are split again at numbered subsections (`1.`, `(a)`, `(1)`),
then at sentence ends.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# About as long as the passages the models learn from (two in three are shorter): one strong
# sentence in a 700-word section was diluted below its tag's threshold. On the train bills the
# section union found more ALERT bills at 200 words (recall 0.83 to 0.85 at the same precision;
# 120 words did worse), once the models were retrained with their sections cut the same way.
MAX_WORDS = 200
MIN_WORDS = 8  # a fragment shorter than this is folded into its neighbour

_HEADING = re.compile(
    r"(?:^|(?<=[\s.;:]))"
    r"(?P<label>(?:SECTION|Section|SEC\.|Sec\.)\s+(?:\d+[A-Za-z]?(?:-[A-Za-z0-9]+)?|[A-Z])"
    r"|Section[A-Z]"  # PDF text that lost the space of a bold "Section A."
    r"|§+\s*\d+[A-Za-z]?(?:-[A-Za-z0-9]+)?)"
    r"\.(?=\s+[\[<(\"'A-Z0-9])"
    r"|^[ \t]*(?P<ny>S\s+\d+[A-Za-z]?(?:-[A-Za-z0-9]+)?)\.(?=\s+[\[<(\"'A-Z0-9])"
    r"|^[ \t]*(?P<code>\d{1,4}\.\d{1,5}(?:-[a-z0-9]+)?)\.(?=\s)"
    r"|^[ \t]*(?P<part>(?:PART|Part|ARTICLE|Article)\s+[A-Z0-9]{1,4})(?=[ \t]*(?:$|[.:\-]))",
    re.M,
)
# A Markdown/YAML front-matter block ("--- key: value ... ---") that a mirror or converter puts
# before the bill: metadata about the document, not words of the bill.
_FRONT_MATTER = re.compile(r"\A\s*---\s.{0,20000}?\s---(?=\s|\Z)", re.S)
FRONT_MATTER = "front matter"
_SUBSECTION = re.compile(
    r"(?:^|(?<=[\s.;:]))(?:\(\d{1,3}\)|\([a-z]{1,2}\)|\d{1,2}\.)\s+(?=[\[<A-Z(])", re.M
)
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[\[<(A-Z])")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Section:
    """A section of a bill text, as offsets into the whole text."""

    index: int
    label: str
    start: int
    end: int


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _cut_points(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[int]:
    return [start + m.start() for m in pattern.finditer(text[start:end]) if m.start() > 0]


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Split [start, end) into chunks of at most about `max_words` words at natural breaks."""
    if _words(text[start:end]) <= max_words:
        return [(start, end)]
    # words found once: a chunk's words (those it overlaps, a cut word's tail included, as a
    # count over its text gives) are two bisections
    words = list(_WORD.finditer(text, start, end))
    starts, ends = [m.start() for m in words], [m.end() for m in words]
    for pattern in (_SUBSECTION, _SENTENCE_END):
        cuts = _cut_points(text, start, end, pattern)
        if not cuts:
            continue
        chunks: list[tuple[int, int]] = []
        chunk_start = start
        last_ok = None
        for cut in [*cuts, end]:
            n_words = bisect_left(starts, cut) - bisect_right(ends, chunk_start)
            if n_words > max_words and last_ok is not None:
                chunks.append((chunk_start, last_ok))
                chunk_start = last_ok
            last_ok = cut
        chunks.append((chunk_start, end))
        if len(chunks) > 1:
            out: list[tuple[int, int]] = []
            for s, e in chunks:  # a chunk still too long (no break inside) tries finer breaks
                out.extend(
                    _split_long(text, s, e, max_words) if pattern is _SUBSECTION else [(s, e)]
                )
            return out
    # No break at all: hard cut on whitespace.
    return [
        (words[i].start(), words[min(i + max_words, len(words)) - 1].end())
        for i in range(0, len(words), max_words)
    ]


def split_sections(text: str, max_words: int = MAX_WORDS) -> list[Section]:
    """The sections of `text` in order; the text before the first heading is the preamble."""
    heads = []
    for m in _HEADING.finditer(text):
        ny = m.group("ny")
        label = m.group("label") or m.group("code") or m.group("part") or ""
        label = "§" + ny[1:] if ny else label  # New York plain text prints § as S
        if label[:7] == "Section" and label[7:8].isupper():
            label = "Section " + label[7:]
        heads.append(
            (m.start() + (len(m.group()) - len(m.group().lstrip())), " ".join(label.split()))
        )
    bounds: list[tuple[str, int, int]] = []
    first = heads[0][0] if heads else len(text)
    front = _FRONT_MATTER.match(text)
    lead = 0
    if front and front.end() <= first:
        bounds.append((FRONT_MATTER, 0, front.end()))
        lead = front.end()
    if text[lead:first].strip():
        bounds.append(("preamble", lead, first))
    for i, (pos, label) in enumerate(heads):
        nxt = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        bounds.append((label, pos, nxt))
    # Fold fragments too short to read on their own (a bare "PART A") into the next section.
    merged: list[tuple[str, int, int]] = []
    carry: tuple[str, int] | None = None
    for label, s, e in bounds:
        if carry is not None:
            label, s = carry[0] if label == "preamble" else label, carry[1]
            carry = None
        if _words(text[s:e]) < MIN_WORDS and (label.upper().startswith(("PART", "ARTICLE"))):
            carry = (label, s)
            continue
        merged.append((label, s, e))
    if carry is not None:
        merged.append((carry[0], carry[1], len(text)))
    sections: list[Section] = []
    for label, s, e in merged:
        s, e = _strip(text, s, e)
        if s >= e:
            continue
        pieces = [(s, e)] if label == FRONT_MATTER else _split_long(text, s, e, max_words)
        for n, (ps, pe) in enumerate(pieces):
            ps, pe = _strip(text, ps, pe)
            if ps < pe:
                name = label if len(pieces) == 1 else f"{label} (part {n + 1})"
                sections.append(Section(len(sections), name, ps, pe))
    if not sections and text.strip():
        s, e = _strip(text, 0, len(text))
        sections.append(Section(0, "preamble", s, e))
    return sections


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
