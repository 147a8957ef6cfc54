"""Data printed through rich appears literally: no markup errors, no terminal control."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from billwatch.console import safe, strip_control


def printed(text: str) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system=None, width=200).print(text)
    return out.getvalue().rstrip("\n")


MARKUP = ["Zed [/] x", "Trafficking act [/] closing", "[bold]x[/bold]", "[link=x]y", "[/"]
BACKSLASHES = ["a" + "\\" * n + "[" + tail for n in range(4) for tail in ("b", "b]", "/]", "")]


@pytest.mark.parametrize("text", MARKUP + BACKSLASHES)
def test_markup_in_data_prints_literally(text):
    assert printed(safe(text)) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("before\x1b[2Jafter", "beforeafter"),
        ("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),
        ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click"),
        ("title\x1b]0;owned\x07", "title"),
        ("cr\rover", "crover"),
        ("bell\x07 and \x9b31m c1", "bell and  c1"),
        ("keep\ttab", "keep\ttab"),
    ],
)
def test_control_sequences_are_stripped(text, shown):
    assert strip_control(text) == shown
    assert "\x1b" not in printed(safe(text))


def test_none_and_numbers():
    assert safe(None) == "" and safe(3) == "3"
