"""Bill text from HTML, keeping each state's drafting markup as inserted and struck spans.

Conventions (see ../shared/fixtures/SOURCES.md section 5):
- New York (LBDC, nyassembly.gov, Open Legislation): `<B><U>new</U></B>`, `[<B><S>old</S></B>]`,
  numbered lines in `<PRE>`; the LBDC bill page also has navigation, actions, votes and a memo.
- California 2011 leginfo (LegiScan text 105736): `<em>` inserted, `<strike>` struck.
- Missouri House (mo/billtext-house.html): bold `[` ... bold `]` struck, any other bold inserted.
- Generic: `<ins>`/`<u>` inserted, `<del>`/`<s>`/`<strike>` struck, and the same as CSS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from billwatch.text.conventions import Convention, for_jurisdiction, read_note
from billwatch.text.decode import decode_bytes
from billwatch.text.layout import (
    drop_struck_brackets,
    looks_line_numbered,
    reflow,
    strip_ny_layout,
)
from billwatch.text.marked import (
    INSERTED,
    PLAIN,
    STRUCK,
    DocumentError,
    ExtractedText,
    Marked,
    finish,
)

_SKIP = frozenset(
    {
        "script",
        "style",
        "head",
        "title",
        "noscript",
        "select",
        "option",
        "input",
        "button",
        "textarea",
        "nav",
        "header",
        "footer",
        "iframe",
        "object",
        "embed",
        "svg",
        "label",
        "map",
        "area",
        "menu",
        "template",
        "meta",
        "link",
    }
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "tr",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "blockquote",
        "center",
        "hr",
        "section",
        "article",
        "address",
        "caption",
        "form",
        "body",
        "html",
        "main",
        "aside",
        "figure",
    }
)
_CELL = frozenset({"td", "th"})
_STRUCK_TAGS = frozenset({"s", "strike", "del"})
_INSERTED_TAGS = frozenset({"u", "ins"})
_BOLD_TAGS = frozenset({"b", "strong"})
_FURNITURE_NAME = re.compile(
    r"(?:^|[-_ ])(?:nav|navbar|menu|breadcrumbs?|footer|header|sidebar|skip|toolbar|banner)"
    r"(?:$|[-_ ])",
    re.I,
)
_VOTE_CELL = re.compile(
    r"^(?:aye|nay|yea|yeas|nays|yes|no|exc|abs|abd|nv|excused|absent|not voting)\b\s*:?\s*\d*$",
    re.I,
)
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")
_LINE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_NY_MARKUP = re.compile(r"\[\s*<b>\s*<s>|<b>\s*<u>|EXPLANATION--Matter in", re.I)
_CA_MARKERS = re.compile(
    r"LEGISLATIVE COUNSEL.S DIGEST|PEOPLE OF THE STATE OF CALIFORNIA|blue_text", re.I
)
_NY_HEADING = re.compile(r"STATE OF NEW YORK")
_MEMO = re.compile(r"^\W*BILL NUMBER:", re.M)  # the sponsor memo's first heading
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_HIDDEN = re.compile(r"display:none|visibility:hidden")


@dataclass(frozen=True)
class Flavour:
    """Which drafting conventions a document follows."""

    new_york: bool = False
    california: bool = False
    missouri: bool = False
    # From the document's explanation note or the jurisdiction's row: the styles (bold,
    # italic, bold_italic, capitals) that mean new matter besides underline.
    convention: Convention | None = None


def _style(el: etree._Element) -> str:
    return (el.get("style") or "").replace(" ", "").lower()


def _is_bold(el: etree._Element) -> bool:
    style = _style(el)
    return el.tag in _BOLD_TAGS or "font-weight:bold" in style or "font-weight:700" in style


def _is_italic(el: etree._Element) -> bool:
    return el.tag in ("i", "em") or "font-style:italic" in _style(el)


def _not_bold(el: etree._Element) -> bool:
    style = _style(el)
    return "font-weight:normal" in style or "font-weight:400" in style


_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS_SELECTOR = re.compile(r"^(?:[a-z0-9]+)?\.([\w-]+)$", re.I)


def inline_class_styles(tree: etree._Element) -> None:
    """Copy `<style>` class rules into each element's style attribute.

    Word and generated exports carry the marks only in classes: Arizona's `span.UP`
    (uppercase) and `span.O` (line-through), Delaware's `pt-*` and New Hampshire's `cs*`.
    """
    classes: dict[str, str] = {}
    for style in tree.iter("style"):
        css = re.sub(r"/\*.*?\*/|<!--|-->", " ", style.text or "", flags=re.S)
        for m in _CSS_RULE.finditer(css):
            declarations = m.group(2).replace("\n", " ").strip().rstrip(";")
            for selector in m.group(1).split(","):
                found = _CLASS_SELECTOR.match(selector.strip())
                if found:
                    name = found.group(1).lower()
                    classes[name] = f"{classes.get(name, '')};{declarations}".strip(";")
    if not classes:
        return
    for el in tree.iter():
        names = (el.get("class") or "").lower().split() if isinstance(el.tag, str) else []
        extra = ";".join(classes[n] for n in names if n in classes)
        if extra:
            el.set("style", f"{extra};{el.get('style') or ''}")


def _is_centered(el: etree._Element) -> bool:
    return el.tag == "center" or "text-align:center" in _style(el)


def _is_furniture(el: etree._Element) -> bool:
    """Navigation, page chrome and vote tables: not bill text."""
    if el.tag in _SKIP or el.get("hidden") is not None or _HIDDEN.search(_style(el)):
        return True
    names = f"{el.get('id') or ''} {el.get('class') or ''} {el.get('role') or ''}"
    if names.strip() and _FURNITURE_NAME.search(names):
        return True
    if el.tag == "table":
        cells = (" ".join(c.text_content().split()) for c in el.iter("td", "th"))
        return sum(1 for c in cells if _VOTE_CELL.match(c)) >= 2
    if el.tag == "td":
        return _is_line_number_cell(el)
    return False


def _number_cell(cell: etree._Element) -> bool:
    """A row's first cell holding only a number, followed by other cells."""
    return (
        cell.getprevious() is None
        and cell.getnext() is not None
        and bool(_LINE_NUMBER.match(cell.text_content()))
    )


def _is_line_number_cell(cell: etree._Element) -> bool:
    """The line-number column of text laid out one line per table row (Illinois style)."""
    row = cell.getparent()
    table = row.getparent() if row is not None else None
    if table is None or not _number_cell(cell):
        return False
    firsts = [r[0] for r in table if r.tag == "tr" and len(r)]
    return sum(1 for c in firsts if _number_cell(c)) >= 3


def detect_flavour(tree: etree._Element, raw: str) -> Flavour:
    """Guess the state conventions from markers in the page."""
    missouri = any(
        _is_bold(el) and (el.text_content() or "").strip() in ("[", "]")
        for el in tree.iter("span", "b", "strong")
    )
    return Flavour(
        new_york=bool(_NY_MARKUP.search(raw)) or bool(_NY_HEADING.search(raw)),
        california=bool(_CA_MARKERS.search(raw)) and not missouri,
        missouri=missouri,
    )


class _Walker:
    """Depth-first walk that writes text with marks into a `Marked`."""

    def __init__(self, flavour: Flavour, *, raw_pre: bool = False) -> None:
        self.flavour = flavour
        self.raw_pre = raw_pre  # leave `<PRE>` layout to the caller (New York pages)
        self.out = Marked()
        self.mo_struck = False  # between Missouri's bold "[" and bold "]"
        self.centred = 0  # depth inside centred blocks, whose bold is a heading

    def walk(self, el: etree._Element, mark: int, *, pre: bool, bold: bool) -> None:
        """Write `el` (not its tail)."""
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or _is_furniture(el):
            return
        tag = tag.lower()
        if tag == "pre" and not pre:
            self._pre(el, mark)
            return
        mark, bold = self._mark(el, tag, mark, bold)
        centred = _is_centered(el)
        self.centred += centred
        try:
            self._content(el, tag, mark, pre=pre, bold=bold)
        finally:
            self.centred -= centred

    def _content(self, el: etree._Element, tag: str, mark: int, *, pre: bool, bold: bool) -> None:
        if tag == "br":
            self.out.add("\n")
            return
        if tag in _BLOCK:
            self.out.add("\n")
        elif tag in _CELL:
            self.out.add(" ")
        self._text(el.text, mark, pre=pre, bold=bold)
        for child in el:
            self.walk(child, mark, pre=pre, bold=bold)
            self._text(child.tail, mark, pre=pre, bold=bold)
        if tag in _BLOCK:
            self.out.add("\n")

    def _mark(self, el: etree._Element, tag: str, mark: int, bold: bool) -> tuple[int, bool]:
        """The mark for `el`'s content: the innermost convention wins."""
        style = _style(el)
        if tag in _STRUCK_TAGS or "line-through" in style:
            return STRUCK, bold
        if tag in _INSERTED_TAGS or "text-decoration:underline" in style:
            return INSERTED, bold
        if self.flavour.california and tag in ("em", "i"):
            return INSERTED, bold
        convention = self.flavour.convention
        if convention and not self.flavour.missouri:
            return self._styled(el, convention.inserted, mark), bold
        if self.flavour.missouri and _is_bold(el) and not self.centred and not _is_centered(el):
            # Centred bold is a heading ("HOUSE BILL NO. 45"), not new text.
            return mark, True
        return mark, bold

    def _styled(self, el: etree._Element, inserted: frozenset[str], mark: int) -> int:
        """New matter by style: bold (Michigan), bold italic (New Hampshire), capitals."""
        if "capitals" in inserted and "text-transform:uppercase" in _style(el):
            return INSERTED
        bold, italic = _is_bold(el), _is_italic(el)
        if (
            ("bold" in inserted and bold)
            or ("italic" in inserted and italic)
            or ("bold_italic" in inserted and bold and italic)
        ):
            return INSERTED
        if "bold" in inserted and _not_bold(el) and mark == INSERTED:
            return PLAIN  # Michigan sets paragraphs bold and old text back to normal
        return mark

    def _text(self, text: str | None, mark: int, *, pre: bool, bold: bool) -> None:
        if not text:
            return
        if not pre:
            text = _SPACE_RUN.sub(" ", text)
        if not self.flavour.missouri:
            self.out.add(text, mark)
            return
        # Missouri: bold brackets open and close struck matter; other bold text is new.
        for piece in re.split(r"([\[\]])", text) if bold else [text]:
            if bold and piece in ("[", "]"):
                self.mo_struck = piece == "["
            elif self.mo_struck:
                self.out.add(piece, STRUCK)
            else:
                self.out.add(piece, INSERTED if bold and piece.strip() else mark)

    def _pre(self, el: etree._Element, mark: int) -> None:
        """A `<PRE>` block: its own layout rules, then appended as paragraphs."""
        outer, self.out = self.out, Marked()
        self._text(el.text, mark, pre=True, bold=False)
        for child in el:
            self.walk(child, mark, pre=True, bold=False)
            self._text(child.tail, mark, pre=True, bold=False)
        text, marks = self.out.build()
        self.out = outer
        if not self.raw_pre:
            text, marks = layout_fixed_width(text, marks, new_york=self.flavour.new_york)
        self.out.add("\n")
        self.out.extend(text, marks)
        self.out.add("\n")


def layout_fixed_width(text: str, marks: bytearray, *, new_york: bool) -> tuple[str, bytearray]:
    """Clean a fixed-width block: New York numbers and furniture, then re-flowed paragraphs."""
    numbered = new_york and looks_line_numbered(text)
    if numbered:
        text, marks = strip_ny_layout(text, marks)
    return reflow(text, marks, dehyphenate=numbered)


def _is_ny_bill_pre(pre: etree._Element) -> bool:
    text = pre.text_content()
    if _MEMO.search(text):
        return False
    return bool(_NY_HEADING.search(text)) or looks_line_numbered(text)


def _is_lbdc_page(tree: etree._Element) -> bool:
    """The LBDC "Legislative Information" page (status, votes, memo and maybe the text)."""
    title = tree.findtext(".//title") or ""
    return "LBDC" in title or tree.find(".//*[@id='nv_bot_contents']") is not None


def _ny_bill_pres(tree: etree._Element) -> list[etree._Element]:
    """On New York pages, the `<PRE>` pages of the bill (not the sponsor memo).

    On an LBDC page every `<PRE>` but the memo is text (resolutions have no "STATE OF NEW
    YORK" heading and no line numbers).
    """
    pres = [pre for pre in tree.iter("pre") if _is_ny_bill_pre(pre)]
    if not pres and _is_lbdc_page(tree):
        pres = [pre for pre in tree.iter("pre") if not _MEMO.search(pre.text_content())]
    return pres


def parse_html(html: str | bytes) -> tuple[etree._Element, str]:
    """Parse HTML (bytes decoded from BOM, meta charset, UTF-8 or Windows-1252)."""
    raw = decode_bytes(html) if isinstance(html, bytes) else html
    # lxml refuses str input that still declares an encoding (XHTML's <?xml ...?>).
    raw = _XML_DECLARATION.sub("", raw, count=1)
    if not raw.strip():
        raise DocumentError("empty HTML document")
    try:
        tree = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"unreadable HTML: {exc}") from exc
    return tree, raw


def _convention(tree: etree._Element, jurisdiction: str | None) -> Convention | None:
    """The document's own explanation note, else the jurisdiction's HTML row."""
    body = tree.find(".//body")
    return read_note((body if body is not None else tree).text_content()[:200_000]) or (
        for_jurisdiction(jurisdiction, "html") if jurisdiction else None
    )


def html_to_text(html: str | bytes, *, jurisdiction: str | None = None) -> ExtractedText:
    """Bill text of an HTML document with inserted and struck spans.

    `jurisdiction` (a postal code) names the convention when the page prints no note.
    """
    tree, raw = parse_html(html)
    inline_class_styles(tree)
    flavour = detect_flavour(tree, raw)
    if not (flavour.new_york or flavour.california or flavour.missouri):
        flavour = Flavour(convention=_convention(tree, jurisdiction))
    pres = _ny_bill_pres(tree) if flavour.new_york or _is_lbdc_page(tree) else []
    # New York pages run on from one <PRE> to the next: lay them out as one block.
    walker = _Walker(flavour, raw_pre=bool(pres))
    body = tree.find(".//body")
    roots = pres or [body if body is not None else tree]
    if not pres and _is_lbdc_page(tree):
        roots = []  # a status-only LBDC page: actions, votes and memo are not bill text
    try:
        for root in roots:
            walker.walk(root, PLAIN, pre=False, bold=False)
    except RecursionError as exc:
        raise DocumentError("HTML nested too deeply to read") from exc
    text, marks = walker.out.build()
    if pres:
        text, marks = layout_fixed_width(text, marks, new_york=True)
    return finish(*drop_struck_brackets(text, marks))
