"""A PDF's glyphs and rules read as bill text: words, marks, and no page furniture.

Everything here works from geometry, not from patterns of one file:
- words are split where the gap between two glyphs is wider than a fraction of the font size;
- a rule through a glyph's x-height band is a strike, one at its baseline an underline;
- line numbers are number-only words in a column outside the text block (left or right);
- running heads and footers are lines in the top or bottom band that repeat across pages
  (digits folded), page numbers, and band lines outside a numbered text block;
- an explanation note ("EXPLANATION — Matter in bold-face type ... is proposed language") is
  read for the convention and removed with the rest of its box.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache

from billwatch.text.conventions import DEFAULT, Convention, Note, for_jurisdiction, read_notes
from billwatch.text.instructions import mark_instructions
from billwatch.text.layout import drop_struck_brackets
from billwatch.text.marked import INSERTED, PLAIN, STRUCK, ExtractedText, finish
from billwatch.text.pdf import Glyph, Page, Rule, pdf_pages

UNDER, STRIKE = 1, 2
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|,B\b|-B$|\bBd", re.I)
_ITALIC = re.compile(r"italic|oblique|,I\b|-I$|\bIt\b|Ital", re.I)
# Symbol fonts carry check marks and bullets (Missouri's closing "✓" is in WP-IconicSymbolsA).
_ORNAMENT_FONT = re.compile(r"symbol|dingbat|wingding|iconic", re.I)
_MARGIN_WORD = re.compile(r"^(?:\d{1,4}(?:\.\d{1,3})?|[+*✓✔√])$")
_PAGE_NUMBER = re.compile(r"^[\W_]*(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?[\W_]*$", re.I)
_ENACTING = re.compile(
    r"\b(?:be\s+it\s+enacted|do\s+enact|enacts?\s+as\s+follows|it\s+is\s+enacted)\b", re.I
)
# Enacting words printed in capitals are not new matter ("SECTION 2. AND BE IT FURTHER ENACTED").
_ENACTING_CAPS = re.compile(
    r"\bSECTION\s+\d+\.|\b(?:AND\s+)?BE\s+IT\s+(?:FURTHER\s+)?ENACTED\b(?:\s+BY\s+THE\s+"
    r"(?:GENERAL\s+ASSEMBLY|LEGISLATURE|PEOPLE)\s+OF(?:\s+THE\s+STATE\s+OF)?\s+[A-Z]+)?"
)
_KEEP_HYPHEN = re.compile(
    r"\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|self|quasi|non|ex|co)-$"
    r"|[a-z]{3,}ly-$",  # "regionally-/based": no word breaks right after an adverb's "ly"
    re.I,
)
# A gap this share of the font size wider than the letter spacing is a space between words.
_WORD_GAP = 0.06
_TOKEN = re.compile(r"\S+")
# Running heads and footers are among a page's first or last lines, in its top or bottom part.
_EDGE_LINES, _EDGE_BAND = 4, 0.2


@dataclass
class Line:
    """One printed line: glyphs left to right, their rule flags, and the words they make."""

    page: int
    glyphs: list[Glyph]
    flags: list[int] = field(default_factory=list)
    words: list[tuple[int, int]] = field(default_factory=list)  # glyph index ranges

    @property
    def y0(self) -> float:
        return min(g.y0 for g in self.glyphs)

    @property
    def y1(self) -> float:
        return max(g.y1 for g in self.glyphs)

    @property
    def size(self) -> float:
        return statistics.median(g.size for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[self.words[0][0]].x0

    @property
    def x1(self) -> float:
        return self.glyphs[self.words[-1][1] - 1].x1

    def word(self, i: int) -> str:
        s, e = self.words[i]
        return "".join(g.text for g in self.glyphs[s:e])

    def text(self) -> str:
        return " ".join(self.word(i) for i in range(len(self.words)))

    def drop_word(self, i: int) -> None:
        s, e = self.words[i]
        del self.glyphs[s:e], self.flags[s:e]
        self.words = _split_words(self.glyphs)


def _split_words(glyphs: list[Glyph]) -> list[tuple[int, int]]:
    """Glyph index ranges of words: a gap wider than the line's usual letter gap splits them.

    Most gaps in a line are between letters, so their median is the letter spacing (0 in
    plain text, more in letter-spaced text); a word gap is a share of the font size above it.
    A space the PDF draws splits too: italic overhangs can close a word gap to almost nothing.
    """
    gaps = [b.x0 - a.x1 for a, b in zip(glyphs, glyphs[1:], strict=False)]
    letter = statistics.median(gaps) if len(gaps) >= 4 else 0.0
    words: list[tuple[int, int]] = []
    start = 0
    for i, gap in enumerate(gaps, start=1):
        size = min(glyphs[i - 1].size, glyphs[i].size)
        # A drawn space counts unless the glyphs touch (a space glyph inside a kerned word).
        drawn = glyphs[i].space and gap > 0.02 * size
        if drawn or gap > letter + _WORD_GAP * size:
            words.append((start, i))
            start = i
    if glyphs:
        words.append((start, len(glyphs)))
    return words


def _lines(number: int, page: Page) -> list[Line]:
    """Glyphs grouped into lines by baseline, top to bottom, each sorted left to right."""
    glyphs = sorted(
        (g for g in page.glyphs if not _ORNAMENT_FONT.search(g.font)),
        key=lambda g: (-round(g.base, 1), g.x0),
    )
    groups: list[list[Glyph]] = []
    for g in glyphs:
        if groups and abs(groups[-1][0].base - g.base) <= 0.3 * g.size:
            groups[-1].append(g)
        else:
            groups.append([g])
    lines = []
    for group in groups:
        group.sort(key=lambda g: g.x0)
        kept = [group[0]]
        for g in group[1:]:
            # Fake bold prints a glyph twice, a hair apart: keep one, and call it bold.
            last = kept[-1]
            if g.text == last.text and abs(g.x0 - last.x0) < 0.25 * (g.x1 - g.x0):
                if not _BOLD.search(last.font):
                    kept[-1] = replace(last, font=f"{last.font},Bold")
                continue
            kept.append(g)
        lines.append(Line(number, kept, [0] * len(kept), _split_words(kept)))
    lines.sort(key=lambda line: -line.glyphs[0].base)
    return lines


def _apply_rules(lines: list[Line], rules: list[Rule]) -> None:
    """Flag the glyphs each rule underlines or strikes through (by height above the baseline)."""
    for rule in rules:
        y = (rule.y0 + rule.y1) / 2
        best: tuple[float, Line, int] | None = None
        for line in lines:
            g0 = line.glyphs[0]
            rel = (y - g0.base) / (g0.size or 1)
            if not -0.4 <= rel <= 0.65 or rule.x1 < line.glyphs[0].x0 or rule.x0 > line.x1:
                continue
            # The nearest baseline wins when a rule sits between two close lines.
            if best is None or abs(rel - 0.1) < abs(best[0] - 0.1):
                best = (rel, line, STRIKE if rel >= 0.12 else UNDER)
        if best is None:
            continue
        _, line, flag = best
        for i, g in enumerate(line.glyphs):
            overlap = min(g.x1, rule.x1) - max(g.x0, rule.x0)
            if overlap >= 0.5 * (g.x1 - g.x0):
                line.flags[i] |= flag


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _drop_margin_numbers(lines: list[Line]) -> set[int]:
    """Remove line numbers (and "+" marks) in columns outside the text block; ids of lines hit."""
    numbered: set[int] = set()
    texty = [line for line in lines if any(ch.isalpha() for ch in line.text())]
    if not texty:
        return numbered
    lefts = [line.glyphs[line.words[_first_texty(line)][0]].x0 for line in texty]
    rights = [line.glyphs[line.words[_last_texty(line)][1] - 1].x1 for line in texty]
    left, right = _percentile(lefts, 0.05), _percentile(rights, 0.95)
    for line in lines:
        while line.words and _MARGIN_WORD.match(line.word(0)):
            s, e = line.words[0]
            if line.glyphs[e - 1].x1 > left + 0.5:
                break
            line.drop_word(0)
            numbered.add(id(line))
        while line.words and _MARGIN_WORD.match(line.word(len(line.words) - 1)):
            s, e = line.words[-1]
            if line.glyphs[s].x0 < right - 0.5:
                break
            line.drop_word(len(line.words) - 1)
            numbered.add(id(line))
    return numbered


def _first_texty(line: Line) -> int:
    for i in range(len(line.words)):
        if any(ch.isalpha() for ch in line.word(i)):
            return i
    return 0


def _last_texty(line: Line) -> int:
    for i in reversed(range(len(line.words))):
        if any(ch.isalpha() for ch in line.word(i)):
            return i
    return len(line.words) - 1


def _numbered_head(text: str, page: int) -> bool:
    """A short edge line that starts or ends with its page's number: "2 HOUSE BILL 1455"."""
    words = text.split()
    return len(text) <= 80 and len(words) >= 2 and str(page) in (words[0], words[-1])


def _fold(text: str) -> str:
    """A line's text for comparing page furniture: digits and spacing folded."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text.lower()))


def _furniture(pages: list[Page], lines: list[Line], numbered: set[int]) -> set[int]:
    """Ids of running heads, footers and page numbers, found by position and repetition.

    Candidates are the first and last few lines of a page that lie in its top or bottom
    quarter; of those, a line that repeats on other pages (digits folded) or is only a page
    number is furniture.
    """
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    edge: dict[int, str] = {}
    for number, page_lines in by_page.items():
        height = pages[number].height
        for line in page_lines[:_EDGE_LINES]:
            if line.y1 >= height * (1 - _EDGE_BAND):
                edge[id(line)] = "top"
        for line in page_lines[-_EDGE_LINES:]:
            if line.y0 <= height * _EDGE_BAND:
                edge[id(line)] = "bottom"
    folded: Counter[tuple[str, str]] = Counter()
    for line in lines:
        if id(line) in edge:
            folded[(edge[id(line)], _fold(line.text()))] += 1
    drop = set()
    for line in lines:
        where = edge.get(id(line))
        if where is None:
            continue
        text = line.text()
        if (
            folded[(where, _fold(text))] >= 2
            or _PAGE_NUMBER.match(text)
            or not any(ch.isalnum() for ch in text)
            or _numbered_head(text, line.page + 1)
        ):
            drop.add(id(line))
    # A one-page document cannot show its head and footer repeating: there, edge lines above
    # the first or below the last numbered line are furniture (NE/lb704-2025-page3.pdf).
    for page_lines in by_page.values() if len(pages) == 1 else []:
        nums = [i for i, line in enumerate(page_lines) if id(line) in numbered]
        if len(nums) < 3:
            continue
        for i, line in enumerate(page_lines):
            if (i < nums[0] or i > nums[-1]) and id(line) in edge:
                drop.add(id(line))
    return drop


@dataclass
class _Text:
    """Lines laid out as text, with per-character glyph flags for marking."""

    text: str
    line_of: list[int]  # line index per character (-1 for separators)
    glyph_of: list[Glyph | None]
    flag_of: list[int]


def _layout(lines: list[Line]) -> _Text:
    """One text line per printed line, keeping which glyph made each character."""
    parts: list[str] = []
    line_of: list[int] = []
    glyph_of: list[Glyph | None] = []
    flag_of: list[int] = []
    for n, line in enumerate(lines):
        glyphs, flags = line.glyphs, line.flags
        for w, (s, e) in enumerate(line.words):
            if w:
                parts.append(" ")
                glyph_of.append(None)
                # A space between two underlined (struck) words is underlined (struck) too.
                flag_of.append(flags[s - 1] & flags[s])
            for i in range(s, e):
                text = glyphs[i].text
                parts.append(text)
                if len(text) == 1:
                    glyph_of.append(glyphs[i])
                    flag_of.append(flags[i])
                else:  # a ligature ("ﬁ" read as "fi")
                    glyph_of.extend([glyphs[i]] * len(text))
                    flag_of.extend([flags[i]] * len(text))
        parts.append("\n")
        glyph_of.append(None)
        flag_of.append(0)
        line_of.extend([n] * (len(glyph_of) - len(line_of) - 1))
        line_of.append(-1)
    return _Text("".join(parts), line_of, glyph_of, flag_of)


def _drop_notes(lines: list[Line], pages: list[Page], notes: list[Note], laid: _Text) -> set[int]:
    """Ids of the lines of explanation notes, and of the rest of a note box at a page foot."""
    drop: set[int] = set()
    for note in notes:
        hit = {laid.line_of[i] for i in range(note.start, note.end) if laid.line_of[i] >= 0}
        if not hit:
            continue
        first = lines[min(hit)]
        for n in hit:
            drop.add(id(lines[n]))
        if first.y1 <= pages[first.page].height * 0.3:
            # A footer box: whatever follows on its page belongs to it.
            drop.update(id(line) for line in lines[min(hit) :] if line.page == first.page)
    return drop


def _convention(notes: list[Note], jurisdiction: str | None) -> Convention:
    """The document's own note wins; then the table; underline and strike always count."""
    found = Convention(frozenset(), frozenset())
    for note in notes:
        found = found | note.convention
    if not found:
        found = for_jurisdiction(jurisdiction, "pdf") or DEFAULT
    return found | DEFAULT


def _marks(laid: _Text, convention: Convention) -> bytearray:
    """Inserted and struck marks for each character under the convention."""
    text = laid.text
    marks = bytearray(len(text))
    enacted = _ENACTING.search(text)
    body = text.find("\n", enacted.end()) + 1 if enacted else 0
    ins, out = convention.inserted, convention.struck
    for i, g in enumerate(laid.glyph_of):
        flags = laid.flag_of[i]
        if flags & STRIKE and "strike" in out:
            marks[i] = STRUCK
        elif flags & UNDER and "underline" in ins:
            marks[i] = INSERTED
        elif g is not None and i >= body and _styled(g.font, ins):
            marks[i] = INSERTED
    _space_marks(text, marks)
    if "capitals" in ins:
        _mark_capitals(text, marks, body)
    if "brackets" in out:
        _mark_brackets(text, marks, body)
    if "instructions" in ins:
        mark_instructions(text, marks)  # Massachusetts, Tennessee, DC: no typographic marks
    return marks


@cache
def _font_style(font: str) -> tuple[bool, bool]:
    """(bold, italic) from a font's name ("TimesNewRomanPSMT,Bold", "Times-BoldItalic")."""
    return bool(_BOLD.search(font)), bool(_ITALIC.search(font))


def _styled(font: str, inserted: frozenset[str]) -> bool:
    bold, italic = _font_style(font)
    return (
        ("bold" in inserted and bold)
        or ("italic" in inserted and italic)
        or ("bold_italic" in inserted and bold and italic)
    )


def _space_marks(text: str, marks: bytearray) -> None:
    """A space takes the mark of the words on both sides when they agree."""
    for m in re.finditer(r"(?<=\S) (?=\S)", text):
        i = m.start()
        if marks[i] == PLAIN and marks[i - 1] == marks[i + 1]:
            marks[i] = marks[i - 1]


def _mark_capitals(text: str, marks: bytearray, body: int) -> None:
    """Words in capitals after the enacting clause are new (Maryland, Colorado small caps).

    A lone capital ("A") counts next to another capitalised word; numbers and signs between two
    capitalised words join the run ("PARAGRAPH (2) OF THIS", "IN § 10–611 OF").
    """
    skip = [(m.start(), m.end()) for m in _ENACTING_CAPS.finditer(text, body)]
    tokens = [(m.start() + body, m.end() + body, m.group()) for m in _TOKEN.finditer(text[body:])]
    # Per token: None without letters, else whether all its letters are capitals.
    caps: list[bool | None] = []
    for _, _, word in tokens:
        letters = [ch for ch in word if ch.isalpha()]
        caps.append(all(ch.isupper() for ch in letters) if letters else None)
    for i, (start, end, word) in enumerate(tokens):
        if any(a <= start < b for a, b in skip):
            continue
        before, after = _nearest_word(caps, i, -1), _nearest_word(caps, i, 1)
        if caps[i] is None:
            new = before and after
        else:
            new = bool(caps[i]) and (sum(ch.isalpha() for ch in word) >= 2 or before or after)
        if new:
            for j in range(start, end):
                if marks[j] == PLAIN:
                    marks[j] = INSERTED


def _nearest_word(caps: list[bool | None], i: int, step: int) -> bool:
    """Whether the nearest token with letters before (-1) or after (1) `i` is in capitals."""
    j = i + step
    while 0 <= j < len(caps) and abs(j - i) <= 4:
        if caps[j] is not None:
            return bool(caps[j])
        j += step
    return False


def _mark_brackets(text: str, marks: bytearray, body: int) -> None:
    """Matter in [brackets] after the enacting clause is struck (brackets removed later)."""
    for m in re.finditer(r"\[([^\[\]]{1,3000})\]", text[body:]):
        for j in range(m.start(1) + body, m.end(1) + body):
            marks[j] = STRUCK


def _paragraphs(lines: list[Line], laid: _Text, marks: bytearray) -> tuple[str, bytearray]:
    """Join printed lines into paragraphs, repairing words hyphenated at line ends."""
    text = laid.text
    vocabulary = Counter(re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text))
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    left = _percentile([line.x0 for line in lines], 0.05) if lines else 0
    right = _percentile([line.x1 for line in lines], 0.9) if lines else 0
    pitch = _pitch(lines)
    out: list[str] = []
    out_marks = bytearray()
    for n, line in enumerate(lines):
        seg = text[starts[n] : starts[n + 1] - 1]
        seg_marks = marks[starts[n] : starts[n + 1] - 1]
        if n == 0:
            out.append(seg)
            out_marks += seg_marks
            continue
        prev = lines[n - 1]
        hyphen_run = bool(re.search(r"[A-Za-z]-$", out[-1])) and seg[:1].islower()
        new_paragraph = not hyphen_run and (
            line.x0 > left + 0.8 * line.size
            or prev.x1 < right - 3 * prev.size
            or (line.page == prev.page and prev.y0 - line.y1 > 1.2 * pitch)
        )
        if new_paragraph:
            out.append("\n")
            out_marks.append(PLAIN)
            out.append(seg)
            out_marks += seg_marks
            continue
        tail = out[-1]
        m = re.search(r"([A-Za-z]+)-$", tail)
        nxt = re.match(r"[A-Za-z]+", seg)
        if m and nxt and not _KEEP_HYPHEN.search(tail):
            joined = m.group(1) + nxt.group()
            hyphened = f"{m.group(1)}-{nxt.group()}"
            # "regionally-/based": both halves are words the document uses elsewhere.
            halves = vocabulary[m.group(1)] >= 2 and vocabulary[nxt.group()] >= 2
            if joined in vocabulary or not (hyphened in vocabulary or halves):
                out[-1] = tail[:-1]
                out_marks.pop()
                out.append(seg)
                out_marks += seg_marks
                continue
        if tail.endswith("-") or tail.endswith("—"):
            out.append(seg)
            out_marks += seg_marks
            continue
        out.append(" " + seg)
        out_marks.append(seg_marks[0] if seg_marks and out_marks[-1:] == seg_marks[:1] else 0)
        out_marks += seg_marks
    return "".join(out), out_marks


def _pitch(lines: list[Line]) -> float:
    """The usual distance between the baselines of consecutive lines on a page."""
    gaps = [
        a.glyphs[0].base - b.glyphs[0].base
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.glyphs[0].base > b.glyphs[0].base
    ]
    return statistics.median(gaps) if gaps else 14.0


def pages_to_extracted(pages: list[Page], *, jurisdiction: str | None = None) -> ExtractedText:
    """Text and spans of a PDF's pages (from `pdf_pages`)."""
    lines: list[Line] = []
    for number, page in enumerate(pages):
        page_lines = _lines(number, page)
        _apply_rules(page_lines, page.rules)
        lines += page_lines
    numbered = _drop_margin_numbers(lines)
    # A line left with no letter or digit is an ornament or a margin mark ("+", "*").
    lines = [line for line in lines if any(ch.isalnum() for ch in line.text())]
    laid = _layout(lines)
    notes = read_notes(laid.text)
    drop = _furniture(pages, lines, numbered) | _drop_notes(lines, pages, notes, laid)
    lines = [line for line in lines if id(line) not in drop]
    laid = _layout(lines)
    marks = _marks(laid, _convention(notes, jurisdiction))
    text, marks = _paragraphs(lines, laid, marks)
    return finish(*drop_struck_brackets(text, marks))


def pdf_to_extracted(
    data: bytes,
    *,
    jurisdiction: str | None = None,
    timeout: float = 60.0,
    memory_mb: int = 1024,
) -> ExtractedText:
    """Text with inserted and struck spans of a PDF, read with its layout in a limited child."""
    pages = pdf_pages(data, timeout=timeout, memory_mb=memory_mb)
    return pages_to_extracted(pages, jurisdiction=jurisdiction)


def pdf_to_text(data: bytes, *, timeout: float = 60.0, memory_mb: int = 1024) -> str:
    """Text of a PDF read with its layout (no line numbers or page furniture)."""
    return pdf_to_extracted(data, timeout=timeout, memory_mb=memory_mb).text
