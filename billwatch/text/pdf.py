"""PDF glyphs and drawn rules with PDFium (pypdfium2), in a child limited in time and memory.

A hostile or broken PDF can make a parser loop or allocate without bound; the child sets its
own RLIMIT_AS (memory) and RLIMIT_CPU before it imports PDFium, and is killed when the
wall-clock timeout passes. The limits are set by the child itself rather than in a
`preexec_fn`, which is unsafe when the caller has threads (spiders extract in a thread pool).
The child only reads geometry (each glyph's box and font, each thin horizontal rule); turning
it into text with marks happens in `pdflayout`, in the caller.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass

from billwatch.text.marked import DocumentError

# Exit codes the child uses to say what went wrong.
_BROKEN, _NO_MEMORY = 3, 4

# One JSON line per page: {"w", "h", "x", "y", "f": [font names], "c": [[text, x0, x1, y0,
# y1, baseline, size, font index, space before]], "r": [[x0, x1, y0, y1]]}. Glyph boxes are
# PDFium's loose boxes (advance width, font ascent to descent). Rotated glyphs (a vertical
# "INTRODUCED" stamp) and spaces are left out; a space the PDF draws (not one PDFium guesses)
# is kept as the next glyph's "space before" flag, and words are found from it and the gaps
# between glyphs. A path made of several thin segments (one strike per line, drawn as one
# path) gives a rule per segment. Bold faked by stroking the outline, or by printing a text
# object twice a hair apart (PDFium keeps one copy), is reported as bold.
_CHILD = r"""
import ctypes, json, resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

def doubled(texts):
    # Keys of text objects printed twice a hair apart (same box within a point): bold as old
    # printers fake it. PDFium keeps only one copy's characters, so the boxes are compared.
    texts.sort(key=lambda item: item[:3])
    found = set()
    for (b1, l1, r1, o1), (b2, l2, r2, o2) in zip(texts, texts[1:]):
        if abs(b1 - b2) < 0.5 and abs(l1 - l2) < 1.0 and abs(r1 - r2) < 1.0 and r1 - l1 > 1:
            found.update(ctypes.cast(o, ctypes.c_void_p).value for o in (o1, o2))
    return found

def rules(page_obj, out, texts):
    c = pdfium_c
    kind = c.FPDFPageObj_GetType(page_obj)
    if kind == c.FPDF_PAGEOBJ_FORM:
        for j in range(c.FPDFFormObj_CountObjects(page_obj)):
            rules(c.FPDFFormObj_GetObject(page_obj, j), out, texts)
        return
    if kind not in (c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_TEXT):
        return
    l, b, r, t = (ctypes.c_float() for _ in range(4))
    if not c.FPDFPageObj_GetBounds(page_obj, l, b, r, t):
        return
    if kind == c.FPDF_PAGEOBJ_TEXT:
        texts.append((round(b.value), l.value, r.value, page_obj))
        return
    if t.value - b.value > 3.0 or r.value - l.value < 1.5:
        return
    m = c.FS_MATRIX()
    c.FPDFPageObj_GetMatrix(page_obj, m)
    x, y = ctypes.c_float(), ctypes.c_float()
    parts, current = [], []
    for k in range(c.FPDFPath_CountSegments(page_obj)):
        seg = c.FPDFPath_GetPathSegment(page_obj, k)
        c.FPDFPathSegment_GetPoint(seg, x, y)
        point = (m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f)
        if c.FPDFPathSegment_GetType(seg) == c.FPDF_SEGMENT_MOVETO and current:
            parts.append(current)
            current = []
        current.append(point)
    parts.append(current)
    if len(parts) < 2:
        parts = [[(l.value, b.value), (r.value, t.value)]]
    for pts in parts:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if pts and max(ys) - min(ys) <= 3.0 and max(xs) - min(xs) >= 1.5:
            out.append([round(min(xs), 2), round(max(xs), 2), round(min(ys), 2),
                        round(max(ys), 2)])

try:
    import pypdfium2_raw as pdfium_c  # the bare bindings: a third of the helpers' start-up
    c = pdfium_c
    c.FPDF_InitLibrary()
    data = sys.stdin.buffer.read()
    doc = c.FPDF_LoadMemDocument(data, len(data), None)
    if not doc:
        raise ValueError(f"PDFium cannot open it (error {c.FPDF_GetLastError()})")
    box = c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    name = ctypes.create_string_buffer(256)
    matrix = c.FS_MATRIX()
    edges = [ctypes.c_float() for _ in range(4)]
    for index in range(c.FPDF_GetPageCount(doc)):
        page = c.FPDF_LoadPage(doc, index)
        text = c.FPDFText_LoadPage(page)
        count = c.FPDFText_CountChars(text)
        units = (ctypes.c_ushort * (count + 1))()
        c.FPDFText_GetText(text, 0, count, units)
        fonts, font_of, chars, found, texts = {}, {}, [], [], []
        for j in range(c.FPDFPage_CountObjects(page)):
            rules(c.FPDFPage_GetObject(page, j), found, texts)
        twice = doubled(texts)
        spaced = False
        for i in range(count):
            ch = chr(units[i])
            if ch in "\x02\ufffe":  # PDFium's mark for a hyphen at a line end
                ch = "-"
            if not ch.strip() or ch == "\u200b":
                # A space the PDF itself draws (not one PDFium guesses) separates words.
                spaced = spaced or (ch != "\u200b" and c.FPDFText_IsGenerated(text, i) == 0)
                continue
            c.FPDFText_GetLooseCharBox(text, i, box)
            if box.right <= box.left:
                continue
            obj = c.FPDFText_GetTextObject(text, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value
            font = font_of.get(key)
            if font is None:
                c.FPDFText_GetMatrix(text, i, matrix)
                # Rotated text (a vertical "INTRODUCED" stamp) is not part of the lines.
                rotated = abs(matrix.b) > 0.01 * abs(matrix.a) or matrix.a <= 0
                # The nominal size times the text matrix's vertical scale ("1 Tf" scaled by 12).
                scale = (matrix.c ** 2 + matrix.d ** 2) ** 0.5 or 1.0
                size = c.FPDFText_GetFontSize(text, i) * scale
                # One text object is one line: its baseline sits a fixed height above the box.
                c.FPDFText_GetCharOrigin(text, i, ox, oy)
                handle = c.FPDFTextObj_GetFont(obj)
                n = c.FPDFFont_GetBaseFontName(handle, name, 256) if handle else 0
                label = name.value.decode("latin-1", "replace") if n else ""
                weight = c.FPDFFont_GetWeight(handle) if handle else 400
                angle = ctypes.c_int()
                if handle and c.FPDFFont_GetItalicAngle(handle, angle) and angle.value:
                    label += ",Italic" if "italic" not in label.lower() else ""
                # Word fakes bold for fonts without a bold face by stroking the outline too.
                mode = c.FPDFTextObj_GetTextRenderMode(obj)
                stroked = mode in (c.FPDF_TEXTRENDERMODE_FILL_STROKE,
                                   c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP)
                if (weight >= 600 or stroked or key in twice) and "bold" not in label.lower():
                    label += ",Bold"
                index_of = fonts.setdefault(label, len(fonts))
                font = font_of[key] = (index_of, round(size, 2), oy.value - box.bottom, rotated)
            if font[3]:
                continue
            chars.append([ch, round(box.left, 2), round(box.right, 2), round(box.bottom, 2),
                          round(box.top, 2), round(box.bottom + font[2], 2), font[1], font[0],
                          int(spaced)])
            spaced = False
        width, height = c.FPDF_GetPageWidthF(page), c.FPDF_GetPageHeightF(page)
        left = bottom = 0.0
        if c.FPDFPage_GetMediaBox(page, *edges):
            left, bottom = edges[0].value, edges[1].value
        sys.stdout.write(json.dumps({"w": width, "h": height, "x": left, "y": bottom,
                                     "f": list(fonts), "c": chars, "r": found}) + "\n")
        c.FPDFText_ClosePage(text)
        c.FPDF_ClosePage(page)
    c.FPDF_CloseDocument(doc)
except MemoryError:
    sys.exit(4)
except OSError as exc:
    # Loading PDFium's library under the limit fails with ENOMEM or "failed to map segment".
    if exc.errno == 12 or "map segment" in str(exc):
        sys.exit(4)
    sys.stderr.write(f"{type(exc).__name__}: {exc}"[:500])
    sys.exit(3)
except Exception as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}"[:500])
    sys.exit(3)
"""


@dataclass(frozen=True, slots=True)
class Glyph:
    """One printed character: its box in points (y grows upwards) and its font."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    base: float  # the baseline: underlines sit just below it, strikes half an x-height above
    size: float
    font: str
    space: bool = False  # the PDF draws a space right before this glyph


@dataclass(frozen=True, slots=True)
class Rule:
    """A thin horizontal line or rectangle drawn on the page (an underline or a strike)."""

    x0: float
    x1: float
    y0: float
    y1: float


@dataclass(slots=True)
class Page:
    """A page's size, glyphs and rules."""

    width: float
    height: float
    glyphs: list[Glyph]
    rules: list[Rule]


def _page(line: str) -> Page:
    """A `Page` from the child's JSON line, moved so that the page starts at (0, 0)."""
    raw = json.loads(line)
    fonts: list[str] = raw["f"]
    dx, dy = raw.get("x", 0), raw.get("y", 0)
    glyphs = [
        Glyph(t, x0 - dx, x1 - dx, y0 - dy, y1 - dy, base - dy, size, fonts[f], bool(sp))
        for t, x0, x1, y0, y1, base, size, f, sp in raw["c"]
    ]
    rules = [Rule(x0 - dx, x1 - dx, y0 - dy, y1 - dy) for x0, x1, y0, y1 in raw["r"]]
    return Page(raw["w"], raw["h"], glyphs, rules)


def _check(data: bytes) -> None:
    """Refuse what is plainly not a whole PDF before starting a child."""
    if not data.strip():
        raise DocumentError("empty PDF")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("not a PDF: no %PDF- header")
    if b"%%EOF" not in data[-4096:]:
        # The spec ends every PDF with %%EOF; without it the file was cut short.
        raise DocumentError("truncated PDF: no %%EOF marker at the end")


def pdf_pages(data: bytes, *, timeout: float = 60.0, memory_mb: int = 1024) -> list[Page]:
    """Glyphs and rules of each page of a PDF; DocumentError on any failure or limit."""
    _check(data)
    memory, cpu = memory_mb * 1024 * 1024, max(1, int(timeout) + 1)
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD, str(memory), str(cpu)],
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DocumentError(f"PDF text extraction timed out after {timeout:g}s") from exc
    if proc.returncode == 0:
        return [_page(line) for line in proc.stdout.decode("utf-8", "replace").splitlines()]
    if proc.returncode == _NO_MEMORY or (
        proc.returncode == _BROKEN and b"MemoryError" in proc.stderr
    ):
        raise DocumentError(f"PDF text extraction ran out of memory ({memory_mb} MB limit)")
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise DocumentError(f"PDF text extraction was killed (time limit {timeout:g}s)")
    if proc.returncode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
        # PDFium aborts when an allocation fails under RLIMIT_AS (an inflating stream).
        name = signal.Signals(-proc.returncode).name
        raise DocumentError(
            f"PDF text extraction crashed ({name}): out of memory ({memory_mb} MB limit) "
            "or a malformed file"
        )
    if proc.returncode == _BROKEN:
        reason = proc.stderr.decode("utf-8", "replace").strip() or "unreadable"
        raise DocumentError(f"broken PDF: {reason}")
    reason = proc.stderr.decode("utf-8", "replace").strip()[-300:]
    raise DocumentError(f"PDF text extraction failed (exit {proc.returncode}): {reason}")
