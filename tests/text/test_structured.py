"""Structured formats whose marks are elements or control words: RTF, Washington XML, LIS JSON."""

from __future__ import annotations

import json

from billwatch.text import extract_document
from tests.text.spans import check_spans, folded, words

RTF = (
    rb"{\rtf1\ansi{\fonttbl{\f0 Times;}}{\header 12 HB 397/AP\par}"
    rb"{\plain By the governing }{\plain \strike authority}{\plain  }{\plain \ul body}"
    rb"{\plain  of any agency\softline as defined\par}"
    rb"{\plain Caf\'e9 \u8212? done.\par}}"
)


def test_rtf_underline_and_strike() -> None:
    result = extract_document(RTF)
    check_spans(result)
    assert words(result, result.inserted) == ["body"]
    assert words(result, result.struck) == ["authority"]
    assert "HB 397" not in result.text
    assert "of any agency as defined" in result.text
    assert "Café — done." in result.text


def test_rtf_inside_a_soap_envelope() -> None:
    envelope = (
        b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
        b'envelope/"><soap:Body><GetLegislationTextResponse><GetLegislationTextResult>'
        + RTF.replace(b"&", b"&amp;").replace(b"<", b"&lt;")
        + b"</GetLegislationTextResult></GetLegislationTextResponse></soap:Body></soap:Envelope>"
    )
    result = extract_document(envelope)
    assert words(result, result.struck) == ["authority"]


def test_washington_amending_style() -> None:
    xml = (
        b'<?xml version="1.0"?><CertifiedBill xmlns="http://leg.wa.gov/2012/document">'
        b"<EnrollingCertificate><P>CERTIFICATE OF ENROLLMENT</P></EnrollingCertificate>"
        b'<Bill type="bill"><BillBody><BillSection><P>Chapters 7.'
        b'<TextRun amendingStyle="strike">90, 7.92</TextRun>'
        b'<TextRun amendingStyle="add">78 (the new chapter)</TextRun>, and 10.14 RCW</P>'
        b"</BillSection></BillBody></Bill></CertifiedBill>"
    )
    result = extract_document(xml)
    check_spans(result)
    assert "CERTIFICATE" not in result.text
    assert words(result, result.struck) == ["90, 7.92"]
    assert words(result, result.inserted) == ["78 (the new chapter)"]


def test_virginia_lis_record() -> None:
    record = {
        "TextsList": [
            {
                "LegislationNumber": "HB1",
                "DraftText": '<p class="section">Beginning <s>May 1, 2021</s> '
                '<em class="new">January 1, 2026</em>, every employer shall pay.</p>',
            }
        ]
    }
    result = extract_document(json.dumps(record).encode())
    assert words(result, result.inserted) == ["January 1, 2026"]
    assert words(result, result.struck) == ["May 1, 2021"]
    assert folded(result.current()) == "Beginning January 1, 2026, every employer shall pay."
