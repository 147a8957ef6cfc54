"""New York bill text as plain text (Open Legislation `fullText`, LBDC text files).

Without underlining, New York's plain text prints new matter in CAPITALS and old law to be
omitted in [brackets]; its footer then reads "Matter in ITALICS (underscored) is new" and "§"
is written "S" (ny_openleg/api_v3/S609-2017_bill_response.json, `fullText`). Older texts have
no line numbers, so blank lines around page breaks are dropped from the body instead.
"""

from __future__ import annotations

import re

from billwatch.text.layout import (
    drop_struck_brackets,
    looks_line_numbered,
    reflow,
    strip_ny_layout,
)
from billwatch.text.marked import INSERTED, STRUCK, ExtractedText, finish, sub

_CAPS_CONVENTION = re.compile(r"EXPLANATION--Matter in ITALICS")
_SPACED_HEADING = re.compile(r"S T A T E +O F +N E W +Y O R K")
_ENACTED = re.compile(r"DO\s+ENACT\s+AS\s+FOLLOWS:", re.I)
_SPACED_LINE = re.compile(r"^ *(?:[A-Z] {1,3})+[A-Z] *$", re.M)
_SECTION_SIGN = re.compile(r"(?<=\n  )S(?= {1,2}\d)")  # "  S 2." and "  S  444-l."
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")
_TOKEN = re.compile(r"\S+")
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def is_ny_plain(text: str) -> bool:
    """New York plain bill text: numbered lines, or its plain-text header or footer."""
    head = text[:3000]
    return bool(
        _SPACED_HEADING.search(head) or _CAPS_CONVENTION.search(text) or looks_line_numbered(text)
    )


def _unspace(match: re.Match[str]) -> str:
    # "I N  S E N A T E" -> "IN SENATE": one space between letters, two between words.
    words = re.split(r" {2,}", match.group().strip())
    return " ".join(word.replace(" ", "") for word in words)


def _mark_caps(text: str, marks: bytearray, start: int) -> None:
    """Words in capitals after `start` are new matter; a lone capital letter joins a run."""
    tokens = list(_TOKEN.finditer(text, start))
    caps: list[bool] = []
    for m in tokens:
        alpha = [ch for ch in m.group() if ch.isalpha()]
        caps.append(
            bool(alpha)
            and all(ch.isupper() for ch in alpha)
            and STRUCK not in marks[m.start() : m.end()]
        )
    for i, m in enumerate(tokens):
        letters = sum(ch.isalpha() for ch in m.group())
        near = (i > 0 and caps[i - 1]) or (i + 1 < len(tokens) and caps[i + 1])
        if caps[i] and (letters >= 2 or near):
            marks[m.start() : m.end()] = bytes([INSERTED]) * (m.end() - m.start())


def ny_plain_to_text(text: str) -> ExtractedText:
    """Text and spans of New York plain bill text."""
    marks = bytearray(len(text))
    text, marks = sub(re.compile(r"\r"), "", text, marks)
    numbered = looks_line_numbered(text)
    capitals_are_new = bool(_CAPS_CONVENTION.search(text))
    text, marks = strip_ny_layout(text, marks)
    text = _SPACED_LINE.sub(lambda m: _unspace(m).center(len(m.group())), text)
    enacted = _ENACTED.search(text)
    body = enacted.end() if enacted else 0
    if not numbered and enacted:
        # Unnumbered text: blank lines in the body are page breaks, not paragraph breaks.
        head, head_marks = text[:body], marks[:body]
        rest, rest_marks = sub(_BLANK_LINE, "", text[body:], marks[body:])
        text, marks = head + rest, head_marks + rest_marks
    text = text[:body] + _SECTION_SIGN.sub("§", text[body:])
    for m in _BRACKETED.finditer(text, body):
        marks[m.start(1) : m.end(1)] = bytes([STRUCK]) * (m.end(1) - m.start(1))
    if capitals_are_new:
        _mark_caps(text, marks, body)
    # The header (title, sponsors, enacting clause) hangs its continuation lines by two
    # columns, which in the body would start a new section.
    head, head_marks = reflow(text[:body], marks[:body], dehyphenate=True, header=True)
    rest, rest_marks = reflow(text[body:], marks[body:], dehyphenate=True)
    return finish(*drop_struck_brackets(head + rest, head_marks + rest_marks))
