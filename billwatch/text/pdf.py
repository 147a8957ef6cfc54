"""PDF glyphs and drawn rules with pdfminer.six, in a child process limited in time and memory.

A hostile or broken PDF can make a parser loop or allocate without bound; the child sets its
own RLIMIT_AS (memory) and RLIMIT_CPU before it imports pdfminer, and is killed when the
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
# y1, baseline, size, font index]], "r": [[x0, x1, y0, y1]]}. Rotated glyphs (a vertical
# "INTRODUCED" stamp) and spaces are left out: words are found from the gaps between glyphs.
_CHILD = r"""
import io, json, resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
try:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTCurve, LTFigure
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    doc = PDFDocument(PDFParser(io.BytesIO(sys.stdin.buffer.read())))
    resources = PDFResourceManager(caching=True)
    device = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, device)
    out = sys.stdout
    for page in PDFPage.create_pages(doc):
        interpreter.process_page(page)
        layout = device.get_result()
        fonts, chars, rules = {}, [], []
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTFigure):
                stack.extend(item)
            elif isinstance(item, LTChar):
                text = item.get_text()
                if not item.upright or not text.strip() or item.x1 <= item.x0:
                    continue
                font = fonts.setdefault(item.fontname, len(fonts))
                chars.append([text, round(item.x0, 2), round(item.x1, 2), round(item.y0, 2),
                              round(item.y1, 2), round(item.matrix[5], 2), round(item.size, 2),
                              font])
            elif isinstance(item, LTCurve):  # LTLine and LTRect are curves too
                if item.height <= 3.0 and item.width >= 1.5:
                    rules.append([round(item.x0, 2), round(item.x1, 2), round(item.y0, 2),
                                  round(item.y1, 2)])
        x0, y0, x1, y1 = layout.bbox
        out.write(json.dumps({"w": x1 - x0, "h": y1 - y0, "x": x0, "y": y0,
                              "f": list(fonts), "c": chars, "r": rules}) + "\n")
except MemoryError:
    sys.exit(4)
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
        Glyph(t, x0 - dx, x1 - dx, y0 - dy, y1 - dy, base - dy, size, fonts[f])
        for t, x0, x1, y0, y1, base, size, f in raw["c"]
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
    if proc.returncode == _BROKEN:
        reason = proc.stderr.decode("utf-8", "replace").strip() or "unreadable"
        raise DocumentError(f"broken PDF: {reason}")
    reason = proc.stderr.decode("utf-8", "replace").strip()[-300:]
    raise DocumentError(f"PDF text extraction failed (exit {proc.returncode}): {reason}")
