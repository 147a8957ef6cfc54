"""Bill identifiers as every source should name them: letters, one space, the number."""

from __future__ import annotations

import re

# After dots and spaces are removed: a letter prefix, the number, an optional letter suffix.
_IDENTIFIER = re.compile(r"^([A-Z]+)0*(\d+)([A-Z]*)$")


def normalise_identifier(raw: str) -> str:
    """ "AB50", "A.B. 50" -> "AB 50"; "hr21", "H.R. 21" -> "HR 21"; "HB0001" -> "HB 1"."""
    compact = re.sub(r"[\s.\-_]+", "", raw or "").upper()
    match = _IDENTIFIER.match(compact)
    if not match:
        return " ".join((raw or "").upper().split())
    prefix, number, suffix = match.groups()
    return f"{prefix} {int(number)}{suffix}"
