"""Words a printed line broke with a hyphen ("reim-\\nburse"), joined for reading.

Bills extracted from PDFs keep the printer's line breaks, and a word split over two lines is two
pieces to every rule and model ("reim", "burse"), so "shall reimburse the county for the costs
of incarcerating" loses the word that says what it does. The join keeps the text's length: the
word's second piece moves up to the first and the hyphen, the line break and the indent become
spaces after the word, so every offset outside the word still points where it did.
"""

from __future__ import annotations

import re

# A hyphen that ends a line between letters, and the next line's word: lower case after a
# letter ("reim-" / "burse"), or capitals after capitals (New York's new matter: "SUBDIVI-" /
# "SION"). A capital after lower case is a compound's second word ("Anti-" / "Trafficking").
_BROKEN = re.compile(r"(?:(?<=[A-Za-z])-\n[ \t]*([a-z]+)|(?<=[A-Z])-\n[ \t]*([A-Z]+))")


def join_broken_words(text: str) -> str:
    """`text` with each word a line break hyphenated joined, at the same length."""
    if "-\n" not in text:
        return text
    return _BROKEN.sub(_joined, text)


def _joined(match: re.Match[str]) -> str:
    """The broken word's second piece, then as many spaces as the break took."""
    rest = match.group(1) or match.group(2)
    return rest + " " * (len(match.group()) - len(rest))


def unbroken(text: str) -> str:
    """`text` with each word a line break hyphenated joined and the break dropped (for quotes,
    whose offsets no longer matter)."""
    if "-\n" not in text:
        return text
    return _BROKEN.sub(lambda m: m.group(1) or m.group(2), text)
