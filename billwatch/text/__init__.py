"""Bill text extraction that keeps what a bill inserts and strikes as character spans.

`extract_document()` takes any document (HTML, PDF, XML, RTF, LegiScan text JSON, Virginia LIS
JSON, plain text) and an optional `jurisdiction` (postal code, "US" for Congress); the
format-specific functions are public for callers that already know the format.

- PDFs are read with their layout (`pdf.py` runs PDFium in a limited child; `pdflayout.py`
  turns glyphs and rules into words, marks and paragraphs, dropping line numbers, running
  heads, footers and explanation boxes by their geometry).
- Conventions: `conventions.yaml` lists the marks of every state, DC and Congress per format
  (docs/drafting-conventions.md); a document's own explanation note ("EXPLANATION--Matter in
  italics (underscored) is new ...") is read and wins over the table.
- HTML: `<u>`/`<ins>`/`<s>`/`<strike>`/`<del>` and the same as inline or class CSS; New York
  `<B><U>`/`[<B><S>]`; California `<em>`/`<strike>`; Missouri bold brackets; styles a state's
  convention names (Michigan bold, New Hampshire bold italic, Arizona uppercase).
- Plain text: New York CAPITALS new, [brackets] omitted, line numbers and hyphenation repaired;
  Oregon `{+ +}`/`{- -}`.
- XML: USLM and bill.dtd `changed="added|deleted"`, amendatory instructions ("by striking
  “X” and inserting “Y”"); CAML (clean, or `redline=True`); New York BILLTEXT; Washington
  `amendingStyle`; Georgia's SOAP-wrapped RTF.
`diff_versions()` computes spans between clean versions.
"""

from __future__ import annotations

from billwatch.text.diff import diff_versions
from billwatch.text.html import html_to_text
from billwatch.text.marked import DocumentError, ExtractedText
from billwatch.text.pdflayout import pdf_to_extracted, pdf_to_text
from billwatch.text.sniff import extract_document, plain_text_to_text
from billwatch.text.xml import caml_to_text, ny_billtext_to_text, uslm_to_text

__all__ = [
    "DocumentError",
    "ExtractedText",
    "caml_to_text",
    "diff_versions",
    "extract_document",
    "html_to_text",
    "ny_billtext_to_text",
    "pdf_to_extracted",
    "pdf_to_text",
    "plain_text_to_text",
    "uslm_to_text",
]
