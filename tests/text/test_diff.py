"""Spans computed by diffing two clean versions (California pubinfo)."""

from __future__ import annotations

from pathlib import Path

from billwatch.text import ExtractedText, caml_to_text, diff_versions
from tests.text.spans import check_spans, folded, without, words

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


def test_word_replacement() -> None:
    result = diff_versions("The fine is fifty dollars.", "The fine is one hundred dollars.")
    assert result.text == "The fine is fifty one hundred dollars."
    assert words(result, result.struck) == ["fifty"]
    assert words(result, result.inserted) == ["one hundred"]


def test_identical_versions_have_no_spans() -> None:
    text = "SECTION 1. Text.\nSEC. 2. More text."
    assert diff_versions(text, text) == ExtractedText(text, [], [])


def test_added_and_removed_paragraphs_keep_line_breaks() -> None:
    old = "SECTION 1. Keep.\nSEC. 2. Remove me.\nSEC. 3. Keep too."
    new = "SECTION 1. Keep.\nSEC. 3. Keep too.\nSEC. 4. Brand new."
    result = diff_versions(old, new)
    check_spans(result)
    assert result.text.splitlines() == [
        "SECTION 1. Keep.",
        "SEC. 2. Remove me.",
        "SEC. 3. Keep too.",
        "SEC. 4. Brand new.",
    ]
    assert words(result, result.struck) == ["SEC. 2. Remove me."]
    assert words(result, result.inserted) == ["SEC. 4. Brand new."]


def test_deletion_at_start_and_end() -> None:
    result = diff_versions("Formerly the act was long.", "the act was")
    assert result.text == "Formerly the act was long."
    assert words(result, result.struck) == ["Formerly", "long."]
    assert result.inserted == []


def test_from_empty_and_to_empty() -> None:
    assert diff_versions("", "All new.") == ExtractedText("All new.", [(0, 8)], [])
    gone = diff_versions("All gone.", "")
    assert words(gone, gone.struck) == ["All gone."] and gone.inserted == []


def test_changed_block_with_different_line_counts() -> None:
    old = "(a) One.\n(b) Two old words.\n(c) Three."
    new = "(a) One.\n(b) Two new words\nsplit over lines.\n(c) Three."
    result = diff_versions(old, new)
    check_spans(result)
    assert without(result, result.struck) == folded(new)
    assert without(result, result.inserted) == folded(old)
    assert result.text.startswith("(a) One.\n(b) Two")


def test_hand_written_caml_versions() -> None:
    v1 = caml_to_text((FILES / "caml_v1_introduced.lob").read_bytes()).text
    v2 = caml_to_text((FILES / "caml_v2_amended.lob").read_bytes()).text
    result = diff_versions(v1, v2)
    check_spans(result)
    assert words(result, result.struck) == ["penalty.", "fifty"]
    assert words(result, result.inserted) == [
        "penalty and require restitution.",
        "or commercial sex",
        "one hundred",
        "(c) The court shall order restitution to the victim.",
    ]
    assert "The fine shall not exceed fifty one hundred thousand dollars." in result.text


def test_gut_and_amend_is_fast_and_whole() -> None:
    """A bill rewritten from top to bottom: one struck block and one inserted block, quickly."""
    import time

    old = "\n".join(f"({i}) The old rule number {i} about fishing licences." for i in range(3000))
    new = "\n".join(f"[{i}] Trafficking victims may obtain record relief {i}." for i in range(2500))
    started = time.perf_counter()
    result = diff_versions(old, new)
    assert time.perf_counter() - started < 5
    check_spans(result)
    assert without(result, result.struck) == folded(new)
    assert without(result, result.inserted) == folded(old)


def test_current_and_previous_rebuild_both_versions() -> None:
    old = "SECTION 1. The fine is fifty dollars.\n\nSEC. 2. Repealed part.\nSEC. 3. End."
    new = "SECTION 1. The fine is one hundred dollars, or more.\nSEC. 3. End."
    result = diff_versions(old, new)
    assert result.current() == new
    assert result.previous() == old.replace("\n\n", "\n")  # a struck paragraph's blank line
    # The most similar paragraphs are paired; the deleted one stays a line of its own.
    assert result.text.splitlines() == [
        "SECTION 1. The fine is fifty dollars. one hundred dollars, or more.",
        "SEC. 2. Repealed part.",
        "SEC. 3. End.",
    ]
    assert words(result, result.struck) == ["fifty dollars.", "SEC. 2. Repealed part."]
