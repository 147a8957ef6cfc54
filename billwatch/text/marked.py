"""Text with a per-character mark (plain, inserted, struck), its normalisation and its spans.

Every extractor builds a `Marked` (the text plus one mark byte per character), edits it, and
turns it into an `ExtractedText` at the end. Keeping marks per character means that any
clean-up (dropping line numbers, collapsing spaces, re-joining hyphenated words) keeps the
inserted and struck words marked without any offset bookkeeping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PLAIN, INSERTED, STRUCK = 0, 1, 2
Span = tuple[int, int]


class DocumentError(ValueError):
    """A document that cannot be turned into text; the message says why."""


@dataclass
class ExtractedText:
    """Bill text with [start, end) spans of inserted and struck words; text holds both."""

    text: str
    inserted: list[Span] = field(default_factory=list)
    struck: list[Span] = field(default_factory=list)

    def current(self) -> str:
        """The text as the bill now reads: struck words removed."""
        return _cut(self.text, self.struck)

    def previous(self) -> str:
        """The text as it read before: inserted words removed."""
        return _cut(self.text, self.inserted)

    def to_json(self) -> dict[str, object]:
        """The `billwatch text --format json` object."""
        return {
            "text": self.text,
            "inserted": [[s, e] for s, e in self.inserted],
            "struck": [[s, e] for s, e in self.struck],
        }


def _cut(text: str, spans: list[Span]) -> str:
    """`text` without `spans`, leaving no doubled spaces or blank-edged lines behind."""
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        whole_lines = (start == 0 or text[start - 1] == "\n") and text[end : end + 1] == "\n"
        pos = end + 1 if whole_lines else end  # a removed line takes its line break along
    parts.append(text[pos:])
    out = re.sub(r"[ \t]{2,}", " ", "".join(parts))
    out = re.sub(r" +\n|\n +", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return re.sub(r" +([.,;:])", r"\1", out).strip()


@dataclass
class Marked:
    """Text under construction: `marks[i]` is PLAIN, INSERTED or STRUCK for `text[i]`."""

    parts: list[str] = field(default_factory=list)
    mark_parts: list[bytes] = field(default_factory=list)

    def add(self, text: str, mark: int = PLAIN) -> None:
        """Append `text` with one mark."""
        if text:
            self.parts.append(text)
            self.mark_parts.append(bytes([mark]) * len(text))

    def extend(self, text: str, marks: bytes | bytearray) -> None:
        """Append text that already carries its marks."""
        if text:
            self.parts.append(text)
            self.mark_parts.append(bytes(marks))

    def tail(self, n: int = 1) -> str:
        """The last `n` characters written so far (cheap, for deciding on separators)."""
        out = ""
        for part in reversed(self.parts):
            out = part + out
            if len(out) >= n:
                break
        return out[-n:]

    def build(self) -> tuple[str, bytearray]:
        """The joined text and marks."""
        return "".join(self.parts), bytearray(b"".join(self.mark_parts))


_SPACES = re.compile(r"[ \t\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\f\u2028\u2029\x85]")  # a PDF's pages are joined by \f
_BLANK_LINES = re.compile(r"\n{3,}")
_ORNAMENT_LINE = re.compile(r"^[•·*]+$", re.M)  # the closing bullet of Missouri bills
# The key to the markup printed under a bill ("EXPLANATION--Matter in italics ...", Missouri's
# "EXPLANATION — Matter enclosed in bold-faced brackets [thus] ..."): about the print, not law.
_EXPLANATION_LINE = re.compile(
    r"^(?:EXPLANATION\s*[-—–]+\s*Matter\b|NOTE: Matter within\b).*$", re.M | re.I
)
_FFFD_SECTION = re.compile(r"\ufffd{1,2}(?=\s*\d)")


def _edit(
    text: str, marks: bytearray, edits: Iterable[tuple[int, int, str]]
) -> tuple[str, bytearray]:
    """Replace [start, end) ranges (sorted, disjoint); new characters take the first old mark."""
    out: list[str] = []
    out_marks = bytearray()
    pos = 0
    for start, end, repl in edits:
        out.append(text[pos:start])
        out_marks += marks[pos:start]
        if repl:
            mark = marks[start] if start < len(marks) else PLAIN
            out.append(repl)
            out_marks += bytes([mark]) * len(repl)
        pos = end
    out.append(text[pos:])
    out_marks += marks[pos:]
    return "".join(out), out_marks


def sub(pattern: re.Pattern[str], repl: str, text: str, marks: bytearray) -> tuple[str, bytearray]:
    """`pattern.sub(repl, text)` (a literal `repl`) that keeps the marks aligned."""
    edits = [(m.start(), m.end(), repl) for m in pattern.finditer(text)]
    if not edits:
        return text, marks
    return _edit(text, marks, edits)


def normalise(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Collapse spaces within lines, trim lines, keep at most one blank line between blocks."""
    # The LBDC writes "§§" as two U+FFFD (ny_openleg/lbdc_bill_pages/2023-S6169-...html).
    text = _FFFD_SECTION.sub(lambda m: "§" * len(m.group()), text)
    text, marks = sub(_LINE_BREAKS, "\n", text, marks)
    text, marks = sub(_SPACES, " ", text, marks)
    text, marks = sub(re.compile(r" *\n *"), "\n", text, marks)
    text, marks = sub(_ORNAMENT_LINE, "", text, marks)
    text, marks = sub(_EXPLANATION_LINE, "", text, marks)
    text, marks = sub(_BLANK_LINES, "\n\n", text, marks)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return text[start:end], marks[start:end]


_WHITESPACE = re.compile(r"\s+")
_CODE_TABLE = {PLAIN: ".", INSERTED: "I", STRUCK: "D"}


def mark_codes(text: str, marks: bytearray) -> str:
    """One letter per character: "." plain, "I" inserted, "D" struck, " " any whitespace."""
    codes = bytes(marks).decode("latin-1").translate(_CODE_TABLE)
    out: list[str] = []
    pos = 0
    for m in _WHITESPACE.finditer(text):
        out.append(codes[pos : m.start()])
        out.append(" " * (m.end() - m.start()))
        pos = m.end()
    out.append(codes[pos:])
    return "".join(out)


def spans_of(text: str, marks: bytearray) -> tuple[list[Span], list[Span]]:
    """Inserted and struck spans: runs of one mark, merged across whitespace, trimmed to words."""
    if not text:
        return [], []
    codes = mark_codes(text, marks)
    inserted = [(m.start(), m.end()) for m in re.finditer(r"I(?:\s*I)*", codes)]
    struck = [(m.start(), m.end()) for m in re.finditer(r"D(?:\s*D)*", codes)]
    return inserted, struck


def _separate_changes(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """A space between struck and inserted words that touch: "$<strike>50</strike><em>100</em>"."""
    codes = mark_codes(text, marks)
    edits = [(m.start() + 1, m.start() + 1, " ") for m in re.finditer(r"(?=ID|DI)", codes)]
    if not edits:
        return text, marks
    text, marks = _edit(text, marks, edits)
    return text, marks


_OREGON_NOTE = re.compile(
    r"^ *NOTE: Matter within [\s\S]{0,400}?New\s+sections\s+are\s+(?:with)?in\s+"
    r"(?:\{\s*\+\s*braces\s+and\s+plus\s+signs\s*\+\s*\}\s*\.?|boldfaced\s+type\.)",
    re.M,
)
# Oregon's text versions: "{+ new matter +}" and "{- existing law to be omitted -}".
_BRACE_MARKERS = re.compile(r"\{ *([+-]) *([^{}]*?) *\1 *\}(?: +(?=[.,;:]))?", re.S)


def _brace_markers(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Turn Oregon's brace markers into marks and drop the braces."""
    edits = []
    for m in _BRACE_MARKERS.finditer(text):
        mark = INSERTED if m.group(1) == "+" else STRUCK
        marks[m.start(2) : m.end(2)] = bytes([mark]) * (m.end(2) - m.start(2))
        edits += [(m.start(), m.start(2), ""), (m.end(2), m.end(), "")]
    return _edit(text, marks, edits) if edits else (text, marks)


def finish(text: str, marks: bytearray) -> ExtractedText:
    """Normalise and compute spans."""
    # Oregon's NOTE, maybe wrapped over lines, before its example braces are read as marks.
    text, marks = sub(_OREGON_NOTE, "", text, marks)
    text, marks = _brace_markers(text, marks)
    text, marks = _separate_changes(text, marks)
    text, marks = normalise(text, marks)
    inserted, struck = spans_of(text, marks)
    return ExtractedText(text=text, inserted=inserted, struck=struck)


def plain(text: str) -> ExtractedText:
    """An `ExtractedText` without spans, normalised the same way."""
    return finish(text, bytearray(len(text)))
