"""Bill text extraction that keeps what a bill inserts and strikes as character spans.

`extract_document()` takes any document (HTML, PDF, XML, LegiScan text JSON, plain text);
the format-specific functions are public for callers that already know the format.
Conventions read: New York `<B><U>`/`[<B><S>]` (LBDC pages, BILLTEXT XML) and its plain
text (CAPITALS new, [brackets] omitted); California `<em>`/`<strike>` and current leginfo;
Missouri bold brackets; Texas/Illinois `<u>`/`<s>`; Washington `((...))` with CSS; Oregon
`{+ +}`/`{- -}`; `<ins>`/`<del>`; USLM and bill.dtd `changed="added|deleted"`; CAML (clean,
or `redline=True`). `diff_versions()` computes spans between clean versions.
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
