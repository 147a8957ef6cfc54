"""Fixed-width (`<PRE>`, plain text) bill layout: line numbers, page furniture, re-flowing lines.

New York prints bill text as numbered lines of a fixed width with a page header and an
explanation footer on each page (ny_openleg/lbdc_bill_pages/2023-S6169-20240109T175502.html);
California's 2011 leginfo text is hard-wrapped in `<pre>` (legiscan text 105736). Lines are
joined back into paragraphs so that a phrase broken over two lines ("human traf-/ficking") is
found by keyword search and the classifier.
"""

from __future__ import annotations

import re

from billwatch.text.marked import STRUCK, mark_codes, sub

# "     1    Section 1." / "    10  <B>...": the number is right-aligned in six columns, then
# two spaces before the text.
_NY_NUMBER = re.compile(r"^ {0,5}\d{1,3}(?:  |$)", re.M)
_NY_FURNITURE = [
    # The continuation-page header: "        S. 6169--B                          2".
    re.compile(r"^ *[SA]\. \d+(?:--[A-Z])? +\d+ *$", re.M),
    # The footer on each page, then the LBDC document code "LBD10156-05-3".
    re.compile(r"^ *EXPLANATION--Matter in .*$", re.M),
    re.compile(r"^ *\[ *\] is old law to be omitted\. *$", re.M),
    re.compile(r"^ *LBD\d{5}-\d{2}-\d *$", re.M),
    re.compile(r"^ *_{5,} *$", re.M),
]
_NUMBERED_LINE = re.compile(r"^ {0,5}\d{1,3}  +\S", re.M)


def looks_line_numbered(text: str) -> bool:
    """True for New York style text where most lines start with a line number."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    numbered = len(_NUMBERED_LINE.findall(text))
    return numbered >= 3 and numbered >= len(lines) // 3


def strip_ny_layout(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Drop New York line numbers, page headers and the explanation footer."""
    text, marks = sub(re.compile(r"\r"), "", text, marks)
    text, marks = sub(re.compile(r"\t"), "    ", text, marks)
    for pattern in _NY_FURNITURE:
        text, marks = sub(pattern, "", text, marks)
    return sub(_NY_NUMBER, "", text, marks)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t\u00a0"))


def reflow(text: str, marks: bytearray, *, dehyphenate: bool) -> tuple[str, bytearray]:
    """Join hard-wrapped lines into paragraphs; a blank line or an indented line starts one.

    Block style (California, New York body): continuation lines start at the margin.
    Hanging style (New York header): continuation lines are indented deeper than the first.
    With `dehyphenate`, "commit-" + "tee" becomes "committee" (New York hyphenates words).
    """
    text, marks = sub(re.compile(r"\r"), "", text, marks)
    out: list[str] = []
    out_marks = bytearray()
    para, para_marks = "", bytearray()
    first_indent: int | None = None  # indent of the current paragraph's first line
    pos = 0
    for i, line in enumerate(text.split("\n")):
        line_marks = marks[pos:pos + len(line)]
        pos += len(line) + 1
        indent = _indent(line)
        joined = None if i == 0 else _join(para, line.strip(), indent, first_indent, dehyphenate)
        if joined is None:
            if i:
                out.append(para + "\n")
                out_marks += para_marks + b"\0"
            para, para_marks = line, bytearray(line_marks)
            first_indent = indent if line.strip() else None
            continue
        sep, cut = joined
        kept = len(para.rstrip()) - cut
        para, para_marks = para[:kept], para_marks[:kept]
        sep_mark = line_marks[indent] if indent < len(line_marks) else 0
        para += sep + line[indent:]
        para_marks += bytes([sep_mark]) * len(sep) + line_marks[indent:]
    out.append(para)
    out_marks += para_marks
    return "".join(out), out_marks


_HYPHENATED = re.compile(r"[a-z]-$")


def _join(prev: str, content: str, indent: int, first_indent: int | None,
          dehyphenate: bool) -> tuple[str, int] | None:
    """How to join a line to the previous one: (separator, characters to cut) or None."""
    if not content or first_indent is None or not prev.strip():
        return None
    tail = prev.rstrip()
    if dehyphenate and _HYPHENATED.search(tail) and content[0].islower():
        return "", 1
    block = indent == 0
    hanging = first_indent > 0 and indent > first_indent
    if not (block or hanging):
        return None
    if tail.endswith("-") and tail[-2:-1].isalpha():
        return "", 0
    return " ", 0


def drop_struck_brackets(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Remove the plain "[" and "]" that enclose struck matter: `[<B><S>old</S></B>]`."""
    codes = list(mark_codes(text, marks))
    for i, ch in enumerate(text):
        if ch in "[]" and marks[i] != STRUCK:
            codes[i] = ch
    coded = "".join(codes)
    drop = []
    for m in re.finditer(r"\[ *D[ D]*\]?", coded):
        drop.append((m.start(), m.start() + 1))
        if coded[m.end() - 1] == "]":
            drop.append((m.end() - 1, m.end()))
    if not drop:
        return text, marks
    keep_text: list[str] = []
    keep_marks = bytearray()
    pos = 0
    for start, end in drop:
        keep_text.append(text[pos:start])
        keep_marks += marks[pos:start]
        pos = end
    keep_text.append(text[pos:])
    keep_marks += marks[pos:]
    return "".join(keep_text), keep_marks
