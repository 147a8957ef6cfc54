"""Bill text from XML: US Congress USLM, California pubinfo CAML, New York LBDC BILLTEXT."""

from __future__ import annotations

import re

from lxml import etree

from billwatch.text.billdtd import bill_dtd_marked, is_bill_dtd
from billwatch.text.html import html_to_text
from billwatch.text.instructions import mark_instructions
from billwatch.text.marked import INSERTED, PLAIN, STRUCK, DocumentError, ExtractedText, Marked
from billwatch.text.marked import finish as _finish

_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


def parse_xml(data: bytes) -> etree._Element:
    """Parse XML safely (no entities, no network), with a clear error for broken files."""
    if not data.strip():
        raise DocumentError("empty XML document")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"malformed or truncated XML: {exc}") from exc


def local(el: etree._Element) -> str:
    """The element's tag without its namespace ("" for comments and PIs)."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _add(out: Marked, text: str | None, mark: int) -> None:
    if text:
        out.add(_SPACE_RUN.sub(" ", text), mark)


# --- USLM (govinfo bill XML) -------------------------------------------------------------------

_USLM_SKIP = frozenset(
    {"meta", "preface", "endorsement", "toc", "endMarker", "sidenote", "processedBy", "page"}
)
_USLM_BLOCK = frozenset(
    {
        "main",
        "longTitle",
        "enactingFormula",
        "section",
        "subsection",
        "paragraph",
        "subparagraph",
        "clause",
        "subclause",
        "item",
        "subitem",
        "subsubitem",
        "level",
        "title",
        "subtitle",
        "chapter",
        "subchapter",
        "part",
        "subpart",
        "division",
        "subdivision",
        "chapeau",
        "continuation",
        "p",
        "component",
        "collection",
        "quotedContent",
        "appropriations",
        "proviso",
        "docTitle",
        "officialTitle",
        "resolvingClause",
        "preamble",
        "recital",
        "block",
    }
)
_USLM_CHANGE = {"added": INSERTED, "deleted": STRUCK}


def _uslm_walk(el: etree._Element, mark: int, out: Marked) -> None:
    name = local(el)
    if name in _USLM_SKIP:
        return
    mark = _USLM_CHANGE.get(el.get("changed") or "", mark) if name else mark
    if name == "ins":
        mark = INSERTED
    elif name == "del":
        mark = STRUCK
    block = name in _USLM_BLOCK
    if block:
        # "(1) in subsection (b)—": a chapeau or content right after its enumerator or
        # heading stays on the enumerator's line.
        previous = el.getprevious()
        out.add(" " if previous is not None and local(previous) in ("num", "heading") else "\n")
    if name:
        _add(out, el.text, mark)
        for child in el:
            _uslm_walk(child, mark, out)
            _add(out, child.tail, mark)
    if name in ("num", "heading"):
        out.add(" ")  # "SECTION 1. SHORT TITLE." then the content
    if block:
        out.add("\n")


def uslm_to_text(xml: bytes) -> ExtractedText:
    """Text of a USLM bill; `changed="added|deleted"` (on an element or an ancestor) marks.

    Classic bill.dtd XML (govinfo BILLS before USLM) is read too.
    """
    root = parse_xml(xml)
    try:
        if is_bill_dtd(root):
            return _finish(*bill_dtd_marked(root).build())
        mains = [el for el in root if local(el) == "main"] or [root]
        out = Marked()
        for main in mains:
            _uslm_walk(main, PLAIN, out)
    except RecursionError as exc:
        raise DocumentError("bill XML nested too deeply to read") from exc
    text, marks = out.build()
    mark_instructions(text, marks)
    return _finish(text, marks)


# --- CAML (California pubinfo .lob) ------------------------------------------------------------

_CAML_DESCRIPTION_PARTS = ("Title", "DigestText")
_CAML_BLOCK = frozenset(
    {
        "p",
        "BillSection",
        "LawSection",
        "Preamble",
        "Title",
        "DigestText",
        "Bill",
        "Resolution",
        "Heading",
        "LawHeading",
        "Table",
        "tr",
        "li",
        "WhereasClause",
        "ResolvedClause",
        "Whereas",
        "Resolved",
    }
)
_CAML_SPACES = frozenset({"EnSpace", "EmSpace", "ThinSpace", "Space"})


class _CamlWalker:
    """CAML to text; with `redline`, the editor's change marks become spans."""

    def __init__(self, redline: bool) -> None:
        self.redline = redline
        self.out = Marked()
        self.inserting = False  # between <?xm-insertion_mark_start?> and ..._end

    def text(self, text: str | None) -> None:
        _add(self.out, text, INSERTED if self.inserting else PLAIN)

    def walk(self, el: etree._Element) -> None:
        if isinstance(el, etree._ProcessingInstruction):
            self._instruction(el)
            return
        name = local(el)
        if name in _CAML_SPACES or (el.get("class") or "") in _CAML_SPACES:
            self.out.add(" ", INSERTED if self.inserting else PLAIN)
        if name in _CAML_BLOCK:
            self.out.add("\n")
        elif name == "Num":
            self.out.add("\n")
        self.text(el.text)
        for child in el:
            self.walk(child)
            self.text(child.tail)
        if name in _CAML_BLOCK:
            self.out.add("\n")
        elif name == "Num":
            self.out.add(" ")

    def _instruction(self, pi: etree._ProcessingInstruction) -> None:
        if not self.redline:
            return  # clean text: the current version only
        if pi.target == "xm-insertion_mark_start":
            self.inserting = True
        elif pi.target == "xm-insertion_mark_end":
            self.inserting = False
        elif pi.target == "xm-deletion_mark":
            deleted = pi.get("data") or ""
            if deleted.strip():
                self.out.add(" ")
                self.out.add(_SPACE_RUN.sub(" ", deleted.strip()), STRUCK)
                self.out.add(" ")


def caml_to_text(xml: bytes, *, redline: bool = False) -> ExtractedText:
    """Text of a CAML measure (title, digest, bill): clean text without spans by default.

    `redline=True` keeps the drafting editor's `<?xm-insertion_mark_start?>` ... `_end?>` and
    `<?xm-deletion_mark data="..."?>` instructions as spans (present in amended versions, e.g.
    caml_bill_versions/BILL_VERSION_TBL_7882.lob).
    """
    root = parse_xml(xml)
    if local(root) != "MeasureDoc":
        raise DocumentError(f"not a CAML measure: the root element is <{local(root)}>")
    walker = _CamlWalker(redline)
    # The title and digest from the description, then the body (<caml:Bill>, or a
    # resolution's) whatever its name.
    parts = [
        part
        for child in root
        if local(child) == "Description"
        for part in child
        if local(part) in _CAML_DESCRIPTION_PARTS
    ]
    parts += [child for child in root if local(child) not in ("", "Description")]
    if not parts:
        raise DocumentError("CAML measure without title, digest or bill text")
    for part in parts:
        walker.walk(part)
        walker.out.add("\n")
    result = _finish(*walker.out.build())
    if not redline:
        result.inserted, result.struck = [], []
    return result


# --- New York LBDC BILLTEXT ------------------------------------------------------------------

_CDATA = re.compile(rb"<billtext_html[^>]*>\s*<!\[CDATA\[(.*?)(?:\]\]>|$)", re.S)


def ny_billtext_to_text(xml: bytes) -> ExtractedText:
    """Text of an LBDC `<billtext_html>` file: HTML with New York markup inside CDATA."""
    try:
        root = parse_xml(xml)
    except DocumentError:
        # LBDC files are not always well-formed XML; the CDATA block is what matters.
        match = _CDATA.search(xml)
        if not match or not match.group(1).strip():
            raise
        html = match.group(1)
    else:
        nodes = [el for el in root.iter() if local(el) == "billtext_html"]
        html = b"".join((el.text or "").encode("utf-8") for el in nodes)
        if not nodes:
            raise DocumentError(f"no <billtext_html> in <{local(root)}> document")
    if not html.strip():
        raise DocumentError("<billtext_html> holds no text (a removal notice?)")
    return html_to_text(html)


# --- Washington bill XML (leg.wa.gov/2012/document) --------------------------------------------

_WA_SKIP = frozenset({"EnrollingCertificate", "BillHeading", "RCWNoteSection", "History"})
_WA_BLOCK = frozenset(
    {"P", "BillTitle", "BillSection", "BillSectionHeader", "Caption", "NoteP", "TR", "Part"}
)
_WA_CHANGE = {"add": INSERTED, "strike": STRUCK}


def _wa_walk(el: etree._Element, mark: int, out: Marked) -> None:
    name = local(el)
    if name in _WA_SKIP or not name:
        return
    mark = _WA_CHANGE.get(el.get("amendingStyle") or "", mark)
    block = name in _WA_BLOCK
    if block:
        out.add("\n")
    if name == "Hyphen":
        out.add("-", mark)
    _add(out, el.text, mark)
    for child in el:
        _wa_walk(child, mark, out)
        _add(out, child.tail, mark)
    out.add("\n" if block else "")


def wa_bill_to_text(xml: bytes) -> ExtractedText:
    """Text of a Washington bill (`<CertifiedBill>` or `<Bill>`): `amendingStyle` marks."""
    root = parse_xml(xml)
    bills = [el for el in root.iter() if local(el) == "Bill"] or [root]
    out = Marked()
    try:
        for bill in bills:
            _wa_walk(bill, PLAIN, out)
    except RecursionError as exc:
        raise DocumentError("bill XML nested too deeply to read") from exc
    return _finish(*out.build())
