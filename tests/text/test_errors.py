"""Bad input raises DocumentError with a reason, never a crash or empty text."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from billwatch.text import DocumentError, caml_to_text, extract_document, uslm_to_text

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


def _legiscan(doc: bytes | str, mime: str = "text/html", status: str = "OK") -> bytes:
    encoded = doc if isinstance(doc, str) else base64.b64encode(doc).decode()
    return json.dumps(
        {"status": status, "text": {"doc_id": 1, "mime": mime, "doc": encoded}}
    ).encode()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty document"),
        (b"   \r\n\t ", "empty document"),
        (b"\x00\x01\x02\x03garbage\x00\xff\xfe" * 50, "unknown binary format"),
        (bytes(range(1, 32)) * 30, "unknown binary format"),
        (b'{"text": {"doc": "PHByZT4', "malformed or truncated JSON"),
        (b'{"bill": {"bill_id": 1}}', "unknown JSON format"),
        (b"[1, 2, 3]", "unknown JSON format"),
        (_legiscan("not base64 at all!"), "not valid base64"),
        (_legiscan(b""), "LegiScan doc is empty"),
        (_legiscan(b"x", status="ERROR"), "LegiScan error response"),
        (_legiscan(b"PK\x03\x04 a word file", mime="application/msword"), "unsupported"),
        (
            b"<?xml version='1.0'?><bill xmlns='http://schemas.gpo.gov/xml/uslm'><main><sec",
            "malformed or truncated XML",
        ),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "unknown XML format: root element <rss>"),
        (
            b"<?xml version='1.0'?><billtext_html action='remove'><![CDATA[ ]]></billtext_html>",
            "holds no text",
        ),
        (b"<html><body><script>var x = 1;</script></body></html>", "no text found"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no text found"),
        (rb"{\rtf1\ansi{\fonttbl{\f0 Times;}}{\header Page 1}}", "no text found in the RTF"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "unsupported format: ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "unsupported format: Microsoft Word"),
    ],
)
def test_bad_documents(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        extract_document(data)


def test_truncated_real_formats() -> None:
    for name in ("uslm_s999_rs.xml", "caml_v1_introduced.lob", "legiscan_text_enveloped.json"):
        data = (FILES / name).read_bytes()
        with pytest.raises(DocumentError, match="truncated"):
            extract_document(data[: len(data) // 2], filename=name)


def test_truncated_ny_billtext_still_reads_what_arrived() -> None:
    """LBDC XML is often not well-formed; the CDATA that arrived is still bill text."""
    data = (FILES / "ny_billtext_S04242.XML").read_bytes()
    result = extract_document(data[: data.index(b"2. This act")])
    assert "domestic worker shall be paid at least monthly weekly" in result.text


def test_format_functions_check_their_format() -> None:
    with pytest.raises(DocumentError, match="not a CAML measure"):
        caml_to_text((FILES / "uslm_s999_rs.xml").read_bytes())
    with pytest.raises(DocumentError, match="empty XML"):
        uslm_to_text(b"")


def test_entity_expansion_is_not_followed() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<bill xmlns="http://schemas.gpo.gov/xml/uslm"><main><p>x &b;</p></main></bill>'
    )
    result = extract_document(bomb)
    assert "aaaaaaaaaa" not in result.text
