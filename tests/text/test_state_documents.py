"""Every real document in ../shared/fixtures/state_documents, checked against its README row.

The README names, for each file, an inserted and a struck example; both must come out as spans.
PDFs must also lose their line numbers and page furniture, and keep their words whole (checked
against an English word list and the document's own vocabulary).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from english_words import get_english_words_set

from billwatch.text import DocumentError, ExtractedText, extract_document
from tests.conftest import SHARED
from tests.text.spans import check_spans, folded, words

DOCS = SHARED / "fixtures" / "state_documents"
_ROW = re.compile(
    r"^\| `(?P<path>[^`]+)` \| (?P<state>[A-Z]{2}) \|.*\| (?P<example>ins .*?) \|[^|]*\|$"
)
_EXAMPLE = re.compile(r'ins "(?P<ins>[^"]+)" / del "(?P<del>[^"]+)"')


def _rows() -> list[tuple[str, str, str, str]]:
    """(path, state, inserted example, struck example) for each README row."""
    readme = DOCS / "README.md"
    if not readme.exists():
        return []
    rows = []
    for line in readme.read_text("utf-8").splitlines():
        row = _ROW.match(line)
        example = _EXAMPLE.search(row.group("example")) if row else None
        if row and example:
            rows.append((row["path"], row["state"], example["ins"], example["del"]))
    return rows


ROWS = _rows()
PDFS = [row for row in ROWS if row[0].endswith(".pdf")]
# Running heads and footers named in the README, as printed on the pages after the first (page
# 1's title block, "2018 -- S 2946" over Rhode Island's bill, is the bill's heading).
FURNITURE = {
    "CO/sb18-144-2018-revised.pdf": [r"^-\d+-$"],
    "FL/hb105-2018-filed.pdf": [r"F L O R I D A", r"Page \d+ of \d+", r"hb0105-00", r"CODING"],
    "LA/hb14-2018-reengrossed.pdf": [r"HLS 18RS-180", r"Page \d+ of \d+", r"CODING"],
    "MD/hb1455-2018-introduced.pdf": [r"EXPLANATION", r"^HOUSE BILL 1455 \d+$"],
    "MD/hb33-2018-chapter760.pdf": [r"LAWRENCE J\. HOGAN, JR\., Governor", r"^– \d+ –$"],
    "MN/sf2809-2018-2nd-engrossment.pdf": [r"REVISOR", r"^Sec\. \d+\. \d+$"],
    "MO/hb1460-2018-ss2-truly-agreed.pdf": [r"^SS #2 HB 1460 \d+$", r"EXPLANATION"],
    "MO/hb2418-2018-introduced.pdf": [r"^HB 2418 \d+$", r"EXPLANATION"],
    "NE/lb704-2025-page3.pdf": [r"LB704", r"^-3-$"],
    "OH/hb1-2019-passed-house.pdf": [r"H\. B\. No\. 1 Page \d+", r"^As Passed by the House$"],
    "OH/hb126-2017-sub-rereferred.pdf": [r"Sub\. H\. B\. No\. 126 Page"],
    "OK/sb693-2018-house-floor-cs.pdf": [r"SB693 HFLR", r"Page \d+$"],
    "OR/hb5030-2015-enrolled.pdf": [r"Enrolled House Bill 5030 \(HB 5030-A\) Page"],
    "RI/s2946-2018-introduced.pdf": [r"LC005755 - Page"],
    "VA/hb1-2026-introduced.pdf": [r"^\+$", r"INTRODUCED"],
    "VT/h925-2018-passed-house.pdf": [r"Page \d+ of \d+", r"VT LEG #331363"],
}


@cache
def _extract(path: str, state: str) -> ExtractedText:
    return extract_document(
        (DOCS / path).read_bytes(), filename=Path(path).name, jurisdiction=state
    )


@cache
def _word_list() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2"], lower=True))


def _holds(result: ExtractedText, spans: list[tuple[int, int]], example: str) -> bool:
    """Whether some span (or run of touching spans) contains the example, spacing folded."""
    # Brackets that mark a deletion are removed with it; a closing stop may fall outside a rule.
    want = folded(example).strip("[]").rstrip(".,;:")
    return any(want in span for span in words(result, spans)) or want in " ".join(
        words(result, spans)
    )


def test_the_readme_lists_every_document() -> None:
    if not DOCS.exists():
        pytest.skip("../shared/fixtures/state_documents is not here")
    listed = {row[0] for row in ROWS}
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.glob("*/*") if p.is_file()}
    assert len(ROWS) >= 30 and listed <= on_disk


# The README's inserted example for VT starts with "all", which the PDF both underlines and
# strikes (one rule 2.2 pt above the baseline and one 2.1 pt below it, 115-497 pt, page 2):
# struck wins, so the span starts at "contracts".
KNOWN = {"VT/h925-2018-passed-house.pdf": "'all' is underlined and struck through in the PDF"}


def _param(row: tuple[str, str, str, str]) -> object:
    reason = KNOWN.get(row[0])
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(*row, id=row[0], marks=marks)


@pytest.mark.parametrize("path, state, inserted, struck", [_param(r) for r in ROWS])
def test_examples_come_out_as_spans(path: str, state: str, inserted: str, struck: str) -> None:
    try:
        result = _extract(path, state)
    except DocumentError as exc:
        pytest.fail(f"{path}: {exc}")
    check_spans(result)
    assert _holds(result, result.inserted, inserted), words(result, result.inserted)[:30]
    assert _holds(result, result.struck, struck), words(result, result.struck)[:30]


@pytest.mark.parametrize("path, state", [r[:2] for r in PDFS], ids=[r[0] for r in PDFS])
def test_pdf_has_no_line_numbers_or_furniture(path: str, state: str) -> None:
    text = _extract(path, state).text
    lines = text.splitlines()
    numbered = [line for line in lines if re.match(r"^\d{1,3}(?:\.\d{1,2})? \S", line)]
    assert not numbered, numbered[:5]
    trailing = [line for line in lines if re.search(r"[a-z,;] \d{1,3}$", line)]
    assert len(trailing) <= 3, trailing[:5]  # a citation may end a line; numbers end dozens
    for pattern in FURNITURE[path]:
        hits = [line for line in lines if re.search(pattern, line)]
        assert not hits, (pattern, hits[:3])


_SUFFIXES = ("s", "es", "ies", "ied", "ed", "d", "ing", "er", "ers", "ly", "al", "ment", "ments")
_PREFIXES = ("re", "non", "pre", "sub", "un", "co", "in", "mis", "inter", "over")


def _is_word(token: str, known: frozenset[str]) -> bool:
    """In the word list, maybe inflected or prefixed ("reenacted", "committed", "relating")."""
    t = token.lower()
    if t in known:
        return True
    for suffix in _SUFFIXES:
        base = t.removesuffix(suffix)
        if base != t and (
            base in known
            or base + "e" in known
            or base + "y" in known
            or (len(base) > 3 and base[-1] == base[-2] and base[:-1] in known)
        ):
            return True
    return any(
        t.startswith(p) and _is_word(t[len(p) :], known) for p in _PREFIXES if len(t) > len(p) + 3
    )


def run_together(tokens: list[str], known: frozenset[str]) -> list[str]:
    """Tokens that are not words but two words glued ("anypublic", "facilityis")."""
    counts = Counter(t.lower() for t in tokens)
    return [
        t
        for t in tokens
        if len(t) >= 6
        and (t.islower() or t.isupper())
        and counts[t.lower()] == 1  # a word the document uses twice is its own vocabulary
        and not _is_word(t, known)
        and any(t[:i].lower() in known and _is_word(t[i:], known) for i in range(3, len(t) - 1))
    ]


def split_words(text: str, known: frozenset[str]) -> list[str]:
    """Adjacent tokens that make one word of the document when joined ("departme nts")."""
    vocabulary = {t.lower() for t in re.findall(r"[A-Za-z]+", text)}
    pairs = re.findall(r"(?<![A-Za-z-])([A-Za-z]+) ([A-Za-z]+)(?![A-Za-z-])", text)
    return [
        f"{a} {b}"
        for a, b in pairs
        if (a + b).lower() in vocabulary and not (_is_word(a, known) and _is_word(b, known))
    ]


@pytest.mark.parametrize("path, state", [r[:2] for r in PDFS], ids=[r[0] for r in PDFS])
def test_pdf_words_are_whole(path: str, state: str) -> None:
    text = _extract(path, state).text
    known = _word_list()
    glued = run_together(re.findall(r"[A-Za-z]+", text), known)
    assert len(glued) <= 3, glued[:20]
    split = split_words(text, known)
    assert not split, split[:20]


@cache
def _tagger() -> object:
    import classifier

    return classifier.load()


@pytest.mark.parametrize("path, state", [r[:2] for r in PDFS], ids=[r[0] for r in PDFS])
def test_evidence_quotes_carry_no_furniture(path: str, state: str) -> None:
    doc = _extract(path, state)
    result = _tagger().tag(doc.text, doc.inserted, doc.struck)  # type: ignore[attr-defined]
    for ev in result.evidence:
        quote = ev.quote
        assert "EXPLANATION" not in quote and "CODING" not in quote, quote
        assert not re.search(r"(?:^|\n)\d{1,3}(?:\.\d{1,2})? ", quote), quote  # line numbers
        for pattern in FURNITURE[path]:
            assert not any(re.search(pattern, line) for line in quote.splitlines()), quote
