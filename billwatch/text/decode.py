"""Bytes to str for documents whose encoding is declared badly or not at all."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def declared_encoding(data: bytes) -> str | None:
    """The encoding a BOM, an XML declaration or an HTML meta tag names, if it is known."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes) -> str:
    """Decode with the declared encoding, else UTF-8, else Windows-1252 (never raises)."""
    encoding = declared_encoding(data)
    for bom, _ in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    candidates = [encoding] if encoding else []
    candidates += ["utf-8", "cp1252"]
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    # Bytes that even Windows-1252 leaves undefined (0x81, 0x8d ...): keep going, visibly.
    return data.decode("utf-8", errors="replace")
