"""Make data safe to print through rich: no markup, no terminal control sequences."""

from __future__ import annotations

import re

# OSC (hyperlinks, window titles) up to BEL or ST, CSI (cursor moves, clear screen), other
# two-byte escapes, then every remaining C0/C1 control character except tab and newline.
_CONTROL = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_control(text: str) -> str:
    """`text` without terminal escape sequences and control characters (tab, newline kept)."""
    return _CONTROL.sub("", text)


# A "[" with the backslashes before it; `tag` matches (empty) when rich would read a tag here.
_BRACKET = re.compile(r"(\\*)\[(?P<tag>(?=[a-z#/@][^[]*?\]))?")


def escape_markup(text: str) -> str:
    """`text` with every "[" escaped for rich, and the backslashes before one kept literal."""
    # rich reads backslashes before a tag as escapes (so they are doubled) but before any
    # other "[" only the last one; rich.markup.escape covers only the first case.
    return _BRACKET.sub(
        lambda m: m.group(1) * (2 if m.group("tag") is not None else 1) + "\\[", text
    )


def safe(value: object) -> str:
    """Any value as text that rich prints literally: control sequences gone, markup escaped."""
    return escape_markup(strip_control("" if value is None else str(value)))
