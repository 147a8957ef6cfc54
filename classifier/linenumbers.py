"""Printed line numbers left inside flowed text by other PDF extractors ("Counter Human 2
Trafficking Task Force"): found by their run, blanked so offsets still point into the text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from classifier.hyphens import unbroken

# A bare number between spaces: "(2)", "2.", "2," are the bill's own numbering, and so is a
# number after a word that names what it counts ("section 13 of ... section 14 of"), unless it
# carries on a count already under way.
_BARE_NUMBER = re.compile(r"(?<![^\s])\d{1,2}(?![^\s])")
_NAMED = re.compile(
    r"(?:\b(?:sections?|chapters?|titles?|articles?|parts?|subsections?|paragraphs?|rules?|"
    r"class|level|grade|category|degree|no|number|page|lines?)|§)\s*$",
    re.I,
)
# A number some extractors glue to the start of its line's first word ("13Sec. 1.",
# "3Whereas,", "151. A person" for line 15 of "1. A person"): the digits at a line's start
# (all of them: the run says how many are the line's) with no space after them, not an ordinal.
_GLUED_NUMBER = re.compile(r"(?m)^[ \t]*(\d{1,3})(?=[^\s\d,)\]:;/\-])(?!(?:st|nd|rd|th)\b)")
# A printed line holds a few words at least; the widest gap spans a line and a page footer.
MIN_GAP, MAX_GAP = 12, 420
NAMED_MIN_GAP = 40  # a whole printed line, for a number that could be the bill's own
# Fewer numbers in a run are as likely to be the bill's own ("class 2 ... 3 years").
MIN_RUN = 5
SHORT_RUN = 2


@dataclass
class _Run:
    """Numbers counting up one by one, each a printed line's width after the last."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    last: int = 0

    def takes(self, value: int, start: int, min_gap: int) -> bool:
        return value == self.last + 1 and min_gap <= start - self.spans[-1][1] <= MAX_GAP


def printed_line_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers that count printed lines: runs of bare numbers, each one more than
    the last and a line's width on (a page break starts a new run). A text is line-numbered
    when one run is MIN_RUN long; then a short section's runs of two count as well."""
    runs: list[_Run] = []
    open_runs: list[_Run] = []
    for start, digits, glued in _candidates(text):
        open_runs = [r for r in open_runs if start - r.spans[-1][1] <= MAX_GAP]
        if glued:
            # the line's number is some of the digits glued to its first word: the count
            # under way says how many ("151." after line 14 is line 15 and "1.")
            run, width = next(
                (
                    (r, k)
                    for k in range(min(len(digits), 2), 0, -1)
                    # "2. The offense" is the bill's own numbering, "152. The" line 15's
                    if k < len(digits) or text[start + k] != "."
                    for r in open_runs
                    if r.takes(int(digits[:k]), start, MIN_GAP)
                ),
                (None, 0),
            )
            if run is not None:
                run.spans.append((start, start + width))
                run.last = int(digits[:width])
            elif len(digits) <= 2 and text[start + len(digits) : start + len(digits) + 1].isalpha():
                run = _Run([(start, start + len(digits))], int(digits))
                runs.append(run)
                open_runs.append(run)
            continue
        value = int(digits)
        named = bool(_NAMED.search(text, max(0, start - 16), start))
        # "section 5" starts no run, though a line number may end a line on "section"
        gap = NAMED_MIN_GAP if named else MIN_GAP
        run = next((r for r in open_runs if r.takes(value, start, gap)), None)
        if run is None and named:
            continue
        if run is None:
            run = _Run([(start, start + len(digits))], value)
            runs.append(run)
            open_runs.append(run)
        else:
            run.spans.append((start, start + len(digits)))
            run.last = value
    if not any(len(r.spans) >= MIN_RUN for r in runs):
        return []
    return sorted(s for r in runs if len(r.spans) >= SHORT_RUN for s in r.spans)


def _candidates(text: str) -> list[tuple[int, str, bool]]:
    """(start, digits, glued to a word) of every number that may be a printed line's."""
    bare = [(m.start(), m.group(), False) for m in _BARE_NUMBER.finditer(text)]
    glued = [(m.start(1), m.group(1), True) for m in _GLUED_NUMBER.finditer(text)]
    return sorted(bare + glued)


def blank_line_numbers(text: str) -> str:
    """`text` with its printed line numbers turned into spaces (same length, same offsets)."""
    spans = printed_line_numbers(text)
    if not spans:
        return text
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def readable(quote: str) -> str:
    """A quote as people read it: words a printed line broke joined, every run of whitespace
    one space."""
    return " ".join(unbroken(quote).split())
