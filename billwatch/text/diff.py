"""Inserted and struck spans from two clean versions of a bill (California pubinfo CAML)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from billwatch.text.marked import INSERTED, PLAIN, STRUCK, ExtractedText, Marked, spans_of

_TOKEN = re.compile(r"(\s*)(\S+)")
# Word diffs cost old x new comparisons at worst; beyond this a rewritten block (California's
# "gut and amend") is shown as struck then inserted as a whole, which is also what it is.
MAX_WORD_PAIRS = 4_000_000
# Changed blocks up to this many (old line, new line) pairs are aligned by similarity, like
# difflib.Differ; a paragraph pairs with another when at least half of their words match.
MAX_LINE_PAIRINGS = 400
PAIR_RATIO = 0.5


def _tokens(line: str) -> list[tuple[str, str]]:
    """(whitespace before, word) pairs; trailing whitespace is dropped."""
    return [(m.group(1), m.group(2)) for m in _TOKEN.finditer(line)]


def _write_words(out: Marked, tokens: list[tuple[str, str]], mark: int) -> None:
    """Current words with their own spacing."""
    for space, word in tokens:
        tail = out.tail(1)
        if not space and word and tail and not tail.isspace():
            space = " "  # after struck words put back in front of this one
        out.add(space, PLAIN)
        out.add(word, mark)


def _write_struck(out: Marked, words: list[str]) -> None:
    """Previous words that were deleted, spaced from their neighbours."""
    if not words:
        return
    tail = out.tail(1)
    if tail and not tail.isspace():
        out.add(" ")
    out.add(" ".join(words), STRUCK)


def _diff_words(out: Marked, old_line: str, new_line: str) -> None:
    """Word-level diff of one changed paragraph."""
    _write_word_diff(out, [w for _, w in _tokens(old_line)], _tokens(new_line))


def _write_word_diff(out: Marked, old: list[str], new: list[tuple[str, str]]) -> None:
    """Write `new` with `old`'s deleted words struck in place and its new words inserted."""
    matcher = SequenceMatcher(None, old, [w for _, w in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            _write_struck(out, old[i1:i2])
        if op == "equal":
            _write_words(out, new[j1:j2], PLAIN)
        elif op in ("insert", "replace"):
            _write_words(out, new[j1:j2], INSERTED)


def diff_versions(previous: str, current: str) -> ExtractedText:
    """`current` with `previous`'s deleted words put back where they were struck, as spans.

    Paragraphs (lines) are matched first and words only inside changed paragraphs, which keeps
    long bills fast and stops a common word ("the") from pairing far-apart passages.
    """
    old_lines = previous.split("\n")
    new_lines = current.split("\n")
    out = Marked()
    # Blank lines are junk: they would anchor matches everywhere and make the diff quadratic.
    matcher = SequenceMatcher(lambda line: not line.strip(), old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.add("\n".join(new_lines[j1:j2]) + "\n")
        elif op == "delete":
            for line in old_lines[i1:i2]:
                out.add(line, STRUCK if line.strip() else PLAIN)
                out.add("\n")
        elif op == "insert":
            for line in new_lines[j1:j2]:
                out.add(line, INSERTED if line.strip() else PLAIN)
                out.add("\n")
        else:
            _replace_block(out, old_lines[i1:i2], new_lines[j1:j2])
    text, marks = out.build()
    if text.endswith("\n") and not current.endswith("\n"):
        text, marks = text[:-1], marks[:-1]
    inserted, struck = spans_of(text, marks)
    return ExtractedText(text=text, inserted=inserted, struck=struck)


def _replace_block(out: Marked, old_lines: list[str], new_lines: list[str]) -> None:
    """Changed paragraphs: pair similar ones and diff their words; the rest are whole lines."""
    if len(old_lines) * len(new_lines) <= MAX_LINE_PAIRINGS:
        _pair_lines(out, old_lines, new_lines)
    elif len(old_lines) == len(new_lines) and not _too_big(old_lines, new_lines):
        for old, new in zip(old_lines, new_lines, strict=True):
            _diff_words(out, old, new)
            out.add("\n")
    else:
        # A large rewritten block: diff its words, keeping the current line breaks.
        _diff_words_block(out, old_lines, new_lines)


def _whole_lines(out: Marked, lines: list[str], mark: int) -> None:
    """Lines wholly added (current blank lines kept) or deleted (their blank lines dropped)."""
    for line in lines:
        if line.strip():
            out.add(line, mark)
            out.add("\n")
        elif mark == INSERTED:
            out.add("\n")


def _pair_lines(out: Marked, old_lines: list[str], new_lines: list[str]) -> None:
    """The most similar pair of paragraphs is diffed word by word, then each side of it."""
    if not old_lines or not new_lines:
        _whole_lines(out, old_lines, STRUCK)
        _whole_lines(out, new_lines, INSERTED)
        return
    best, pair = PAIR_RATIO, (-1, -1)
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    for j, new in enumerate(new_lines):
        if not new.strip():
            continue
        matcher.set_seq2(new.split())
        for i, old in enumerate(old_lines):
            if not old.strip():
                continue
            matcher.set_seq1(old.split())
            if (
                matcher.real_quick_ratio() > best
                and matcher.quick_ratio() > best
                and matcher.ratio() > best
            ):
                best, pair = matcher.ratio(), (i, j)
    i, j = pair
    if i < 0:
        _whole_lines(out, old_lines, STRUCK)
        _whole_lines(out, new_lines, INSERTED)
        return
    _pair_lines(out, old_lines[:i], new_lines[:j])
    if _too_big([old_lines[i]], [new_lines[j]]):
        _whole_lines(out, [old_lines[i]], STRUCK)
        _whole_lines(out, [new_lines[j]], INSERTED)
    else:
        _diff_words(out, old_lines[i], new_lines[j])
        out.add("\n")
    _pair_lines(out, old_lines[i + 1 :], new_lines[j + 1 :])


def _too_big(old_lines: list[str], new_lines: list[str]) -> bool:
    return any(
        len(a.split()) * len(b.split()) > MAX_WORD_PAIRS
        for a, b in zip(old_lines, new_lines, strict=True)
    )


def _diff_words_block(out: Marked, old_lines: list[str], new_lines: list[str]) -> None:
    """Word diff across several lines; the current text's line breaks stay."""
    old = [w for line in old_lines for _, w in _tokens(line)]
    new: list[tuple[str, str]] = []
    for n, line in enumerate(new_lines):
        tokens = _tokens(line)
        if n and tokens:
            tokens[0] = ("\n" + tokens[0][0], tokens[0][1])
        elif n:
            new.append(("\n", ""))
            continue
        new.extend(tokens)
    words = [w for _, w in new]
    if len(old) * len(words) > MAX_WORD_PAIRS:
        _write_struck(out, old)
        out.add("\n")
        _write_words(out, new, INSERTED)
        out.add("\n")
        return
    _write_word_diff(out, old, new)
    out.add("\n")
