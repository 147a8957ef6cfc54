"""One entry point for any bill document: find its format, then extract text and spans."""

from __future__ import annotations

import base64
import binascii
import json
import re

from billwatch.text.decode import declared_encoding, decode_bytes
from billwatch.text.html import html_to_text
from billwatch.text.marked import DocumentError, ExtractedText, plain
from billwatch.text.nyplain import is_ny_plain, ny_plain_to_text
from billwatch.text.pdflayout import pdf_to_extracted
from billwatch.text.rtf import rtf_to_text
from billwatch.text.xml import (
    caml_to_text,
    local,
    ny_billtext_to_text,
    parse_xml,
    uslm_to_text,
    wa_bill_to_text,
)

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|pre|p|div"
    rb"|table|span|b|font|basefont|style|center|meta|title)\b",
    re.I | re.S,
)
_XML_DECL = re.compile(rb"^\s*<\?xml\b", re.I)
_BILLTEXT = re.compile(rb"<billtext_html\b", re.I)
_CAML = re.compile(rb"<(?:\w+:)?MeasureDoc\b|lc\.ca\.gov/legalservices/schemas/caml")
_USLM = re.compile(rb"schemas\.gpo\.gov/xml/uslm")
_PDF_TYPES = ("application/pdf", "application/x-pdf")
# Formats some legislatures publish that we do not read; named so that the error is clear.
_UNSUPPORTED = [
    (b"PK\x03\x04", "ZIP archive (a .docx or .zip)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Word 97-2003 (.doc) document"),
    (b"\xffWPC", "WordPerfect document"),
]
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _utf8_head(data: bytes) -> bytes:
    """The first 4 KB as UTF-8 for sniffing (UTF-16/32 files carry a BOM; parsers read them)."""
    encoding = declared_encoding(data[:4])
    if encoding and encoding.startswith(("utf-16", "utf-32")):
        return data[:8192].decode(encoding, errors="ignore").lstrip("\ufeff").encode("utf-8")
    return data[:4096].removeprefix(b"\xef\xbb\xbf")


def _kind(data: bytes, media_type: str | None, filename: str | None) -> str:
    """ "pdf", "json", "billtext", "caml", "uslm", "xml", "html" or "text"."""
    head = _utf8_head(data)
    stripped = head.lstrip()
    mt = (media_type or "").split(";")[0].strip().lower()
    suffix = (filename or "").lower().rsplit(".", 1)[-1] if filename and "." in filename else ""
    if b"%PDF-" in data[:1024] or mt in _PDF_TYPES or suffix == "pdf":
        return "pdf"
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    for magic, name in _UNSUPPORTED:
        if stripped.startswith(magic):
            raise DocumentError(f"unsupported format: {name}")
    if stripped.startswith((b"{", b"[")):
        return "json"
    if _BILLTEXT.search(head):
        return "billtext"
    if _CAML.search(head) or suffix == "lob":
        return "caml"
    if _USLM.search(head):
        return "uslm"
    xhtml = re.search(rb"<html\b|<!doctype\s+html", head, re.I)
    if _XML_DECL.match(head) and not xhtml:
        return "xml"
    if xhtml or _HTML_START.match(head) or mt in _HTML_TYPES or suffix in ("html", "htm"):
        return "html"
    if stripped.startswith(b"<"):
        return "xml"
    return "text"


def extract_document(
    data: bytes,
    *,
    media_type: str | None = None,
    filename: str | None = None,
    jurisdiction: str | None = None,
) -> ExtractedText:
    """Text with inserted/struck spans of an HTML, PDF, XML, LegiScan JSON or text document.

    `jurisdiction` (a postal code, "US" for Congress) picks the drafting convention when the
    document does not print its own explanation note.
    """
    if not data or not data.strip():
        raise DocumentError("empty document")
    kind = _kind(data, media_type, filename)
    if kind == "pdf":
        result = pdf_to_extracted(data, jurisdiction=jurisdiction)
    elif kind == "rtf":
        result = rtf_to_text(decode_bytes(data))
    elif kind == "json":
        result = _legiscan(data, jurisdiction)
    elif kind == "billtext":
        result = ny_billtext_to_text(data)
    elif kind == "caml":
        result = caml_to_text(data)
    elif kind == "uslm":
        result = uslm_to_text(data)
    elif kind == "xml":
        result = _other_xml(data)
    elif kind == "html":
        result = html_to_text(data, jurisdiction=jurisdiction)
    else:
        result = _plain_text(data)
    if not result.text.strip():
        raise DocumentError(f"no text found in the {kind.upper()} document")
    return result


def _other_xml(data: bytes) -> ExtractedText:
    """XML that is neither CAML, USLM nor LBDC: only bill-shaped roots are accepted."""
    root = parse_xml(data)
    name = local(root)
    if name in ("bill", "resolution", "amendment", "amendment-doc"):
        return uslm_to_text(data)  # bill.dtd, or USLM declaring its namespace late
    if name in ("CertifiedBill", "Bill") and "leg.wa.gov" in (root.nsmap.get(None) or ""):
        return wa_bill_to_text(data)
    if name == "Envelope":
        # A SOAP response (Georgia's GGA services) carrying the bill as RTF.
        for el in root.iter():
            if isinstance(el.tag, str) and (el.text or "").lstrip().startswith("{\\rtf"):
                return rtf_to_text(el.text or "")
        raise DocumentError("SOAP envelope without a bill document inside")
    raise DocumentError(f"unknown XML format: root element <{name}>")


def _plain_text(data: bytes) -> ExtractedText:
    """A plain text file (refusing binary data)."""
    wide = (declared_encoding(data[:4]) or "").startswith(("utf-16", "utf-32"))
    text = decode_bytes(data)
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if (not wide and b"\x00" in data[:4096]) or controls > 8:
        raise DocumentError("unknown binary format (not HTML, PDF, XML, JSON or text)")
    return plain_text_to_text(text)


def plain_text_to_text(text: str) -> ExtractedText:
    """Plain or PDF text; New York's layout and plain-text conventions are understood."""
    if is_ny_plain(text):
        return ny_plain_to_text(text)
    return plain(text)


def _legiscan(data: bytes, jurisdiction: str | None) -> ExtractedText:
    """A LegiScan `getBillText` object: {"text": {"doc": base64, "mime": ...}}, maybe enveloped."""
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(f"malformed or truncated JSON: {exc}") from exc
    except RecursionError:  # "[[[[..." a hundred thousand deep: hostile, not a LegiScan text
        raise DocumentError("JSON nested too deeply to be a LegiScan text") from None
    if isinstance(obj, dict) and obj.get("status") not in (None, "OK"):
        raise DocumentError(f"LegiScan error response: status {obj.get('status')!r}")
    texts = obj.get("TextsList") if isinstance(obj, dict) else None
    if isinstance(texts, list) and texts and isinstance(texts[0], dict):
        # Virginia's LIS API record: the bill's HTML in `DraftText`, Virginia's conventions.
        html = "".join(str(t.get("DraftText") or "") for t in texts[:1])
        if not html.strip():
            raise DocumentError("LIS text record without DraftText")
        return html_to_text(html, jurisdiction=jurisdiction or "VA")
    text = obj.get("text") if isinstance(obj, dict) else None
    if not isinstance(text, dict) or "doc" not in text:
        raise DocumentError('unknown JSON format: expected a LegiScan {"text": {"doc": ...}}')
    try:
        doc = base64.b64decode(text.get("doc") or "", validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise DocumentError(f"LegiScan doc is not valid base64: {exc}") from exc
    if not doc.strip():
        raise DocumentError("LegiScan doc is empty")
    mime = str(text.get("mime") or "")
    if mime and not (mime in _PDF_TYPES or mime in _HTML_TYPES or mime.startswith("text/")):
        # Word and WordPerfect files: we do not read those (yet).
        raise DocumentError(f"unsupported LegiScan document type {mime!r}")
    return extract_document(doc, media_type=mime or None, jurisdiction=jurisdiction)
