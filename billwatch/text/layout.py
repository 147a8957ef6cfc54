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
_NY_NUMBER = re.compile(r" {0,5}\d{1,3}(?:  |$)")
_NY_FURNITURE = re.compile(
    "|".join(
        [
            # The continuation-page header: "        S. 6169--B                          2", and
            # budget bills' "S. 2505--A   10   A. 3005--A" naming both houses' numbers.
            r" *[SA]\. \d+(?:--[A-Z])? +\d+(?: +[SA]\. \d+(?:--[A-Z])?)? *",
            # The footer on each page, then the LBDC document code "LBD10156-05-3".
            r" *EXPLANATION--Matter in .*",
            r" *\[ *\] is old law to be omitted\. *",
            r" *LBD\d{5}-\d{2}-\d *",
            r" *_{5,} *",
        ]
    )
)
_NUMBERED_LINE = re.compile(r"^ {0,5}(\d{1,3})  +\S", re.M)


def looks_line_numbered(text: str) -> bool:
    """True for New York style text: lines numbered 1, 2, 3 ... at the left margin."""
    numbers = [int(m.group(1)) for m in _NUMBERED_LINE.finditer(text)]
    return any(numbers[i : i + 3] == [1, 2, 3] for i in range(len(numbers) - 2))


def strip_ny_layout(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Drop New York line numbers, page headers and footers, and the blank lines of page breaks.

    Blank lines between two numbered lines only separate pages, so a paragraph that runs on to
    the next page is joined back together.
    """
    text, marks = sub(re.compile(r"\r"), "", text, marks)
    text, marks = sub(re.compile(r"\t"), " ", text, marks)
    rows: list[tuple[int, int, str]] = []  # (start, end, kind) with kind "n", "b" or "o"
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if _NY_FURNITURE.fullmatch(line):
            continue
        number = _NY_NUMBER.match(line)
        if number:
            rows.append((start + number.end(), end, "n"))
        else:
            rows.append((start, end, "b" if not line.strip() else "o"))
    out: list[str] = []
    out_marks = bytearray()
    before = _last_kinds(rows)
    after = _last_kinds(rows[::-1])[::-1]
    for i, (start, end, kind) in enumerate(rows):
        if kind == "b" and before[i] == "n" and after[i] == "n":
            continue
        out.append(text[start:end])
        out_marks += marks[start:end] + b"\0"
        out.append("\n")
    return "".join(out), out_marks


def _last_kinds(rows: list[tuple[int, int, str]]) -> list[str | None]:
    """For each row, the kind of the nearest earlier row that is not blank."""
    kinds: list[str | None] = []
    last = None
    for _, _, kind in rows:
        kinds.append(last)
        if kind != "b":
            last = kind
    return kinds


def _indent(line: str) -> int:
    """Visual indentation (a tab counts as the eight columns it fills)."""
    wide = line.expandtabs(8)
    return len(wide) - len(wide.lstrip(" \u00a0"))


def reflow(
    text: str, marks: bytearray, *, dehyphenate: bool, header: bool = False
) -> tuple[str, bytearray]:
    """Join hard-wrapped lines into paragraphs; a blank line or an indented line starts one.

    Block style (California, New York body): continuation lines start at the margin.
    Hanging style (New York header): continuation lines are indented deeper than the first;
    with `header`, a two-column hang too ("AN ACT to amend ..." / "  continuing ...").
    With `dehyphenate`, "commit-" + "tee" and "ASSEM-" + "BLY" are joined, unless the text
    writes the hyphenated word elsewhere ("FIELD-BASED").
    """
    text, marks = sub(re.compile(r"\r"), "", text, marks)
    hyphenated = {w.lower() for w in _HYPHENATED_WORD.findall(text)}
    out: list[str] = []
    out_marks = bytearray()
    para, para_marks = "", bytearray()
    first_indent: int | None = None  # indent of the current paragraph's first line
    pos = 0
    for i, line in enumerate(text.split("\n")):
        line_marks = marks[pos : pos + len(line)]
        pos += len(line) + 1
        indent = _indent(line)
        lead = len(line) - len(line.lstrip())  # characters to drop when the line is joined
        joined = (
            None
            if i == 0
            else _join(para, line.strip(), indent, first_indent, dehyphenate, header, hyphenated)
        )
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
        sep_mark = line_marks[lead] if lead < len(line_marks) else 0
        para += sep + line[lead:]
        para_marks += bytes([sep_mark]) * len(sep) + line_marks[lead:]
    out.append(para)
    out_marks += para_marks
    return "".join(out), out_marks


_HYPHENATED = re.compile(r"(?:[a-z]|[A-Z]{2})-$")
_HYPHENATED_WORD = re.compile(r"[A-Za-z]+-[A-Za-z]+")
# Words whose hyphen is real even at a line end: "twenty-/five", "self-/employed".
_KEEP_HYPHEN = re.compile(
    r"\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|self|quasi)-$", re.I
)


def _dehyphenates(tail: str, content: str, hyphenated: set[str]) -> bool:
    """Whether "commit-" + "tee..." (or "ASSEM-" + "BLY,") is one word split at the line end."""
    if not _HYPHENATED.search(tail) or _KEEP_HYPHEN.search(tail):
        return False
    upper = tail[-2].isupper()
    head = re.search(r"[A-Za-z]+-$", tail)
    rest = re.match(r"[A-Za-z]+", content)
    if not head or not rest or (upper != rest.group().isupper()) or content[0].isupper() != upper:
        return False
    return f"{head.group()}{rest.group()}".lower() not in hyphenated


def _join(
    prev: str,
    content: str,
    indent: int,
    first_indent: int | None,
    dehyphenate: bool,
    header: bool = False,
    hyphenated: set[str] | None = None,
) -> tuple[str, int] | None:
    """How to join a line to the previous one: (separator, characters to cut) or None."""
    if not content or first_indent is None or not prev.strip():
        return None
    tail = prev.rstrip()
    if dehyphenate and _dehyphenates(tail, content, hyphenated or set()):
        return "", 1
    block = indent <= 1  # California: "to\n</em> add" leaves one space at the margin
    # New York's header hangs at 8/10 columns; California's "  SECTION 1." (2) followed by
    # "   17131.3." (3) is two paragraphs.
    hanging = first_indent >= 4 and indent > first_indent
    # Open Legislation's title and sponsor lines hang by two: "AN ACT to amend the ..." then
    # "  continuing education requirements ..." (ny_openleg/api_v3/S609-2017_bill_response.json).
    hanging = hanging or (header and first_indent == 0 and indent == 2)
    if not (block or hanging):
        return None
    if tail.endswith("-") and tail[-2:-1].isalpha():
        return "", 0
    return " ", 0


_BRACKET_CHAR = re.compile(r"[\[\]()]")


def drop_struck_brackets(text: str, marks: bytearray) -> tuple[str, bytearray]:
    """Remove the plain brackets that enclose struck matter, which the spans now carry.

    New York and Texas write `[<S>old</S>]`; Washington writes `((<strike>old</strike>))`.
    """
    codes = list(mark_codes(text, marks))
    for m in _BRACKET_CHAR.finditer(text):
        if marks[m.start()] != STRUCK:
            codes[m.start()] = m.group()
    coded = "".join(codes)
    drop: list[tuple[int, int]] = []
    for m in re.finditer(r"\[ *D[ D]*\]|\(\( *D[ D]*\)\)", coded):
        width = 1 if m.group().startswith("[") else 2
        drop += [(m.start(), m.start() + width), (m.end() - width, m.end())]
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
