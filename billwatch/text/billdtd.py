"""Congressional bill XML in the classic bill.dtd (govinfo BILLS bulk data before USLM).

The DTD's stylesheet, not the XML, writes "SECTION"/"SEC." before a section's `<enum>` and the
quotation marks of `<quote>`; they are put back here so that the text reads like the print.
Reported bills mark changes with `changed="added|deleted"` and `<added-phrase>` /
`<deleted-phrase>` (https://xml.house.gov/, "Bill DTD" user guide).
"""

from __future__ import annotations

import re

from lxml import etree

from billwatch.text.marked import INSERTED, PLAIN, STRUCK, Marked

_SKIP = frozenset(
    {
        "metadata",
        "endorsement",
        "toc",
        "attestation",
        "distribution-code",
        "calendar",
        "congress",
        "session",
        "legis-num",
        "current-chamber",
        "action",
        "associated-doc",
        "footnote",
        "pagebreak",
    }
)
_BLOCK = frozenset(
    {
        "legis-body",
        "resolution-body",
        "section",
        "subsection",
        "paragraph",
        "subparagraph",
        "clause",
        "subclause",
        "item",
        "subitem",
        "title",
        "subtitle",
        "chapter",
        "subchapter",
        "part",
        "subpart",
        "division",
        "subdivision",
        "quoted-block",
        "legis-type",
        "official-title",
        "preamble",
        "whereas",
        "resolving-clause",
        "amendment-block",
        "continuation-text",
        "amendment-instruction",
        "text",
    }
)
_CHANGE = {"added": INSERTED, "deleted": STRUCK}
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


def is_bill_dtd(root: etree._Element) -> bool:
    """A bill.dtd document: no namespace, and a `<legis-body>` or `<form>` below the root."""
    if etree.QName(root).namespace:
        return False
    return any(child.tag in ("legis-body", "resolution-body", "form") for child in root)


class _Walker:
    """Depth-first walk writing marked text."""

    def __init__(self) -> None:
        self.out = Marked()
        self.first_section = True

    def text(self, text: str | None, mark: int) -> None:
        if text:
            self.out.add(_SPACE_RUN.sub(" ", text), mark)

    def walk(self, el: etree._Element, mark: int, parent: str = "") -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            return
        tag = el.tag
        mark = _CHANGE.get(el.get("changed") or "", mark)
        if tag == "added-phrase":
            mark = INSERTED
        elif tag == "deleted-phrase":
            mark = STRUCK
        inline = el.get("display-inline") == "yes-display-inline"
        if tag in _BLOCK and not (tag == "text" and inline):
            self.out.add("\n")
        if tag == "enum" and parent == "section":
            self.out.add("SECTION " if self.first_section else "SEC. ", mark)
            self.first_section = False
        if tag == "quote":
            self.out.add("“", mark)
        self.text(el.text, mark)
        for child in el:
            self.walk(child, mark, tag)
            self.text(child.tail, mark)
        if tag == "quote":
            self.out.add("”", mark)
        elif tag == "header" and not (el.xpath("string()") or "").rstrip().endswith((".", "—")):
            self.out.add(".", mark)
        if tag in ("enum", "header"):
            self.out.add(" ")
        if tag in _BLOCK:
            self.out.add("\n")


def bill_dtd_marked(root: etree._Element) -> Marked:
    """The title and body of a bill.dtd document as marked text."""
    walker = _Walker()
    for child in root:
        if child.tag == "form":
            for part in child:
                if part.tag in ("legis-type", "official-title"):
                    walker.walk(part, PLAIN)
        else:
            walker.walk(child, PLAIN)
    return walker.out
