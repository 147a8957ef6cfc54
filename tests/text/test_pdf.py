"""PDF text in a limited child process: a real hand-built PDF, and broken ones."""

from __future__ import annotations

import pytest

from billwatch.text import DocumentError, extract_document, pdf_to_text
from tests.text.pdfs import draw_bill, make_pdf

LINES = [
    "SECTION 1. Section 236.1 of the Penal Code is amended to read:",
    "(a) A person who obtains forced labor (by any means) is guilty of trafficking.",
]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    """A one-page bill excerpt."""
    return make_pdf(LINES)


def test_pdf_text(pdf: bytes) -> None:
    text = pdf_to_text(pdf)
    assert "SECTION 1. Section 236.1 of the Penal Code" in text
    assert "(by any means) is guilty of trafficking." in text


def test_extract_document_sniffs_pdf(pdf: bytes) -> None:
    result = extract_document(pdf)
    assert result.inserted == [] and result.struck == []
    assert result.text.splitlines()[0] == LINES[0]
    assert extract_document(b"\n" + pdf, media_type="application/pdf").text == result.text


def test_truncated_pdf(pdf: bytes) -> None:
    with pytest.raises(DocumentError, match="truncated PDF"):
        pdf_to_text(pdf[: len(pdf) // 2])


def test_garbage_after_a_pdf_header() -> None:
    junk = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"
    with pytest.raises(DocumentError, match="broken PDF|no text"):
        extract_document(junk)


def test_not_a_pdf_at_all() -> None:
    with pytest.raises(DocumentError, match="not a PDF"):
        pdf_to_text(b"<html>hello</html>")
    with pytest.raises(DocumentError, match="not a PDF"):
        extract_document(b"plain words", filename="bill.pdf")


def test_empty_pdf() -> None:
    with pytest.raises(DocumentError, match="empty"):
        pdf_to_text(b"  ")


def test_timeout_kills_the_child(pdf: bytes) -> None:
    with pytest.raises(DocumentError, match="timed out"):
        pdf_to_text(pdf, timeout=0.01)


def test_memory_limit(pdf: bytes) -> None:
    # 20 MB of address space is not enough for Python with PDFium: the child must fail cleanly.
    with pytest.raises(DocumentError, match="ran out of memory"):
        pdf_to_text(pdf, memory_mb=20)


def test_legiscan_json_holding_a_pdf() -> None:
    import base64
    import json

    doc = make_pdf(["SEC. 3. Restitution is mandatory."])
    data = json.dumps(
        {
            "status": "OK",
            "text": {"doc_id": 7, "mime": "application/pdf", "doc": base64.b64encode(doc).decode()},
        }
    )
    assert extract_document(data.encode()).text == "SEC. 3. Restitution is mandatory."


def test_new_york_numbered_pdf_lines_are_cleaned() -> None:
    lines = [
        "Section 1. The labor law is amended by adding a new section 212-g to read as fol-",
        "lows: 212-g. No fee shall be charged to any person referred for employment by an",
        "agency, and no agency shall hold the passport of a person it refers for employment.",
    ]
    pdf = draw_bill([[[(line, "")] for line in lines]], head="S. 6169--B", foot="LBD12345-01-6")
    text = extract_document(pdf).text
    assert "amended by adding a new section 212-g to read as follows: 212-g." in text
    assert "LBD12345" not in text and "6169" not in text


def _bomb(megabytes: int) -> bytes:
    """A page whose content stream inflates from a few hundred KB to `megabytes` MB."""
    import zlib

    stream = zlib.compress(b"q Q " * (megabytes * 1024 * 256), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_a_hostile_pdf_is_stopped_and_the_next_one_is_read(pdf: bytes) -> None:
    # 600 MB of drawing operators: the child runs out of memory or time, never the caller.
    with pytest.raises(DocumentError, match="out of memory|killed|timed out"):
        pdf_to_text(_bomb(600), timeout=20, memory_mb=300)
    assert "SECTION 1." in pdf_to_text(pdf)
