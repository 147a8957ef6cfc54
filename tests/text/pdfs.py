"""PDFs for the tests: a minimal one written by hand, and bill pages drawn with reportlab."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica) showing `lines`, with a correct xref table."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        ops += [f"({_escape(line)}) Tj", "T*"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# A run of text and its styles: any of "b" (bold), "i" (italic), "u" (underline), "s" (strike),
# "o" (bold by stroking the outline), "d" (bold by printing twice).
Run = tuple[str, str]
_FONTS = {
    "": "Times-Roman",
    "b": "Times-Bold",
    "i": "Times-Italic",
    "bi": "Times-BoldItalic",
}
SIZE, LEADING, LEFT, RIGHT = 12.0, 24.0, 90.0, 540.0


def draw_bill(
    pages: list[list[list[Run]]],
    *,
    head: str = "HB 101",
    foot: str = "LC000101",
    numbers: str = "left",
    note: str | None = None,
) -> bytes:
    """A bill printed like the states print theirs: numbered lines, a running head, a footer.

    `pages` holds lines of runs. Line numbers go in a column outside the text block (`numbers`
    is "left", "right" or "none"); the head ("HB 101 2") and footer repeat on every page; `note`
    is printed as an explanation box at the foot of page 1.
    """
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, pageCompression=0)
    width, height = letter
    for number, lines in enumerate(pages, start=1):
        canvas.setFont("Times-Roman", 10)
        canvas.drawString(LEFT, height - 40, f"{head} {number}")
        canvas.drawCentredString(width / 2, 30, f"{foot} - Page {number} of {len(pages)}")
        y = height - 90
        for line_number, runs in enumerate(lines, start=1):
            if numbers == "left":
                canvas.setFont("Times-Roman", 10)
                canvas.drawRightString(LEFT - 20, y, str(line_number))
            elif numbers == "right":
                canvas.setFont("Times-Roman", 10)
                canvas.drawString(RIGHT + 20, y, str(line_number))
            x = LEFT
            for text, style in runs:
                font = _FONTS["".join(ch for ch in "bi" if ch in style)]
                canvas.setFont(font, SIZE)
                if "o" in style:  # bold as Word fakes it: the outline stroked over the fill
                    obj = canvas.beginText(x, y)
                    obj.setFont(font, SIZE)
                    obj.setTextRenderMode(2)
                    obj.textOut(text)
                    obj.setTextRenderMode(0)
                    canvas.drawText(obj)
                elif "d" in style:  # bold as old printers fake it: the text twice, 0.3 pt apart
                    canvas.drawString(x, y, text)
                    canvas.drawString(x + 0.3, y, text)
                else:
                    canvas.drawString(x, y, text)
                w = stringWidth(text, font, SIZE)
                canvas.setLineWidth(0.6)
                if "u" in style:
                    canvas.line(x, y - 1.8, x + w, y - 1.8)
                if "s" in style:
                    canvas.line(x, y + 3.6, x + w, y + 3.6)
                x += w + stringWidth(" ", font, SIZE)
            y -= LEADING
        if note and number == 1:
            canvas.line(LEFT, 95, RIGHT, 95)
            canvas.setFont("Times-Roman", 9)
            canvas.drawString(LEFT, 82, note[:110])
            canvas.drawString(LEFT, 71, note[110:])
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
