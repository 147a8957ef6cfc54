"""Extraction from real recorded documents in ../shared/fixtures."""

from __future__ import annotations

import pytest

from billwatch.text import ExtractedText, extract_document
from tests.conftest import shared_path


def check_spans(result: ExtractedText) -> None:
    """Spans lie within the text, are sorted, do not overlap, and hold words (no edge space)."""
    spans = sorted([*result.inserted, *result.struck])
    for kind in (result.inserted, result.struck):
        assert kind == sorted(kind)
    end = 0
    for s, e in spans:
        assert 0 <= end <= s < e <= len(result.text)
        segment = result.text[s:e]
        assert segment == segment.strip() and segment
        end = e


def words(result: ExtractedText, spans: list[tuple[int, int]]) -> list[str]:
    """The text under each span, whitespace folded."""
    return [" ".join(result.text[s:e].split()) for s, e in spans]


@pytest.fixture(scope="module")
def ca_amended() -> ExtractedText:
    """CA AB 50 (2011) as amended: LegiScan text JSON with base64 leginfo HTML."""
    return extract_document(shared_path("fixtures", "legiscan", "dataset_json", "text",
                                        "105736.json").read_bytes())


def test_ca_legiscan_struck_treaded_inserted_treated(ca_amended: ExtractedText) -> None:
    check_spans(ca_amended)
    assert "treaded" in words(ca_amended, ca_amended.struck)
    assert "treated" in words(ca_amended, ca_amended.inserted)
    text = ca_amended.text
    assert "shall be treaded treated as a qualified disaster" in " ".join(text.split())
