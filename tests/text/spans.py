"""Assertions every extraction must satisfy, shared by the text tests."""

from __future__ import annotations

from billwatch.text import ExtractedText


def check_spans(result: ExtractedText) -> None:
    """Spans lie within the text, are sorted, never overlap, and hold whole words."""
    for kind in (result.inserted, result.struck):
        assert kind == sorted(kind)
        assert all(isinstance(s, int) and isinstance(e, int) for s, e in kind)
    end = 0
    for s, e in sorted([*result.inserted, *result.struck]):
        assert 0 <= end <= s < e <= len(result.text), (s, e, end)
        segment = result.text[s:e]
        assert segment == segment.strip(), repr(segment)
        end = e


def words(result: ExtractedText, spans: list[tuple[int, int]]) -> list[str]:
    """The text under each span, whitespace folded."""
    return [" ".join(result.text[s:e].split()) for s, e in spans]


def folded(text: str) -> str:
    """Whitespace folded to single spaces."""
    return " ".join(text.split())


def without(result: ExtractedText, spans: list[tuple[int, int]]) -> str:
    """The text with the given spans cut out, whitespace folded."""
    out, pos = [], 0
    for s, e in spans:
        out.append(result.text[pos:s])
        pos = e
    out.append(result.text[pos:])
    return folded(" ".join(out))
