"""Sentence pieces of a section: the units evidence is quoted in and scored by."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.;:](?=\s)|\n")
# A period after an abbreviation ends no sentence: "(8 U.S.C. 1357(g)) is amended", "Pub. L. No.
# 117-103", Maine's "as amended by PL 2021, c. 688, Pt. A, §39".
ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Z]\.){2,}|\b(?:Stat|No|Nos|Sec|Secs|Pub|L|Inc|Co|Corp|Art|Ch|Cl|Subd|Para|"
    r"seq|et|al|etc|e\.g|i\.e|v|vs|Mr|Mrs|Ms|Dr|Jan|Feb|Mar|Apr|Aug|Sept|Oct|Nov|Dec|"
    r"c|ch|Pt|pt)\.)$"
)
ABBREVIATION_CHARS = 12  # the longest abbreviation above, with room for a word break
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


# A line a sentence cannot end on: it ends on a comma or a word that needs what follows.
_OPEN_LINE_END = re.compile(
    r"(?:,|\b(?:a|an|the|of|to|in|on|at|by|for|from|with|and|or|nor|that|which|as|than|"
    r"shall|may|must|is|are|be|not|any|such|this|under|upon|into)|[-\u2013\u2014])[ \t]*$",
    re.I,
)
_NEXT_LINE_LOWER = re.compile(r"[ \t]*[a-z]")


def _wrapped(text: str, newline: int) -> bool:
    """Whether the line break at `newline` only wraps a sentence (a hard-wrapped bill text,
    "..., in\nrelation to ..."): the next line goes on in lower case, or this line cannot end."""
    if _NEXT_LINE_LOWER.match(text, newline + 1):
        return True
    line_start = text.rfind("\n", 0, newline) + 1
    return bool(_OPEN_LINE_END.search(text, max(line_start, newline - 40), newline))


# A section's caption: its number, then words without a verb ("§ 440.11 MOTION TO VACATE
# JUDGMENT; CHANGE IN THE LAW.", "Sec. 5. Penalties."): it names the section, it enacts nothing.
_CAPTION = re.compile(r"^(?:§+|(?:SECTION|Section|SEC|Sec)\.?)\s*[\w.\-]*\d[\w.\-]*\s+\D+$")


MAX_CAPTION_WORDS = 15
# Words of a clause, not of a caption: "§ 5 A person who pays a fee commits patronizing".
_CLAUSE_WORD = re.compile(
    r"\b(?:who|which|that|when|commits?|creates?|provides?|requires?|establish(?:es)?|"
    r"authorizes?|prohibits?|amends?|knowingly)\b",
    re.I,
)
# Lower-case words a title-case caption keeps small ("Penalties for Patronizing of a Minor").
_CAPTION_SMALL_WORDS = frozenset("a an and as at by for from in of on or the to with".split())


def _caption_end(text: str, start: int) -> int | None:
    """Where the caption starting at `start` ends (its line's end), or None for no caption."""
    if not text.startswith(("§", "S"), start):
        return None  # cheap first: most pieces start otherwise, and the line search is not
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = text[start:end]
    if not _CAPTION.match(line) or _VERB.search(line) or _CLAUSE_WORD.search(line):
        return None
    words = _WORDS.findall(line)
    if len(words) > MAX_CAPTION_WORDS or any(
        w[0].islower() and w.lower() not in _CAPTION_SMALL_WORDS for w in words
    ):
        return None
    return end


def _caption_after_number(text: str, start: int, end: int) -> bool:
    """Whether the piece after a section's number is its caption: no verb, no clause word, no
    figure, a few words, and it ends its line or is in capitals ("§ 844. INQUIRY INTO
    IMMIGRATION STATUS LIMITED. A. IN CONDUCTING ...", "§ 4. Apprehension procedures\n")."""
    piece = text[start:end]
    if _VERB.search(piece) or _CLAUSE_WORD.search(piece) or any(c.isdigit() for c in piece):
        return False
    words = _WORDS.findall(piece)
    if not words or len(words) > MAX_CAPTION_WORDS or piece.rstrip().endswith((";", ",", ":")):
        return False
    ends_line = end == len(text) or text[end : end + 1] == "\n"
    return ends_line or (piece.endswith(".") and piece.upper() == piece)


def raw_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-like pieces: ends at . ; : before a space, and at line breaks that do not only
    wrap a sentence."""
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group() == "\n" and _wrapped(text, m.start()):
            continue
        if m.group() == "." and ABBREVIATION.search(
            text, max(m.start() - ABBREVIATION_CHARS, 0), m.end()
        ):
            continue
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
    caption_end = -1
    after_number = False  # the last piece was a section's number ("§ 844.", "Section 4.")
    raw = raw_sentences(text)
    for s, e in raw:
        if s < caption_end or _HEADING_PIECE.match(text[s:e]):
            after_number = s >= caption_end
            continue
        if after_number and pending is None and _caption_after_number(text, s, e):
            after_number = False
            continue
        after_number = False
        if pending is None and (end := _caption_end(text, s)) is not None:
            caption_end = end
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
