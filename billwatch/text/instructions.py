"""Amendatory instructions read as marks: "by striking “X” and inserting “Y”" strikes X, adds Y.

Congress (USLM), Massachusetts, Tennessee and DC amend by instruction rather than by
typography; the quoted text of each instruction is what the amended law loses or gains.
Anchors are not changes: in "by inserting after “X” the following: “Y”" only Y is new.
"""

from __future__ import annotations

import re

from billwatch.text.marked import INSERTED, PLAIN, STRUCK

_NOUN = r"(?:\s+the\s+(?:words?|language|figures?|numbers?|dates?|phrases?|terms?|sentence))?"
_STRIKE = rf"(?:striking(?:\s+out)?|deleting){_NOUN}"
_INSERT = rf"(?:inserting|substituting)(?:\s+(?:in\s+lieu|in\s+place)\s+thereof|\s+instead)?{_NOUN}"
_QUOTE = r"[“\"]([^”\"]{1,3000})[”\"]"
# Massachusetts: "inserting in place thereof the following word:- "sixty"".
_FOLLOWING = r"(?:\s+the\s+following(?:\s+[a-z]+){0,2}\s*:?-?)?"
_WHERE = r"(?:[^“\"”.;]{0,120}?)"  # "each place it appears", "in paragraph (2)"
_REPLACE = re.compile(
    rf"\b{_STRIKE}\s+{_QUOTE}{_WHERE}\s*,?\s+and\s+{_INSERT}{_FOLLOWING}\s*{_QUOTE}", re.I
)
_STRIKE_ONLY = re.compile(rf"\b{_STRIKE}\s+{_QUOTE}", re.I)
_INSERT_ONLY = re.compile(
    rf"\b(?:{_INSERT}|adding)\s+(?:(?:after|before)\s+{_QUOTE}\s*,?\s*)?"
    rf"(?:(?:at\s+the\s+end\s+)?the\s+following(?:\s+new\s+\w+)?:?\s*)?{_QUOTE}",
    re.I,
)


def _mark(marks: bytearray, start: int, end: int, mark: int) -> None:
    for i in range(start, end):
        if marks[i] == PLAIN:
            marks[i] = mark


def mark_instructions(text: str, marks: bytearray) -> None:
    """Mark the quoted text of each striking/inserting instruction in place."""
    taken: list[tuple[int, int]] = []
    for m in _REPLACE.finditer(text):
        _mark(marks, m.start(1), m.end(1), STRUCK)
        _mark(marks, m.start(2), m.end(2), INSERTED)
        taken.append((m.start(), m.end()))
    for m in _STRIKE_ONLY.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            _mark(marks, m.start(1), m.end(1), STRUCK)
    for m in _INSERT_ONLY.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            _mark(marks, m.start(2), m.end(2), INSERTED)
