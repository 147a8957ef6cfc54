"""PDF text with layout (glyphs, rules, marks) against pypdf's plain extraction, same PDFs.

Run with `make bench` (or `python -m benchmarks text`).

Both sides read the same files in the same run: the real state bills in
../shared/fixtures/state_documents when present, and a generated 30-page numbered bill. The
layout side is the production path (a limited child process, then layout in the caller); pypdf
runs in-process, so the ratio also pays for the child's start. Peak memory is each side's
maximum resident set, measured in a fresh interpreter.
"""

from __future__ import annotations

import io
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader
from rich.console import Console
from rich.table import Table

from billwatch.text import pdf_to_extracted

ROOT = Path(__file__).resolve().parent.parent
STATE_DOCUMENTS = ROOT.parent / "shared" / "fixtures" / "state_documents"
TARGET = 0.3  # layout pages/s as a share of pypdf's

_MEMORY = r"""
import io, os, re, sys
from pathlib import Path
paths = [Path(p) for p in sys.argv[2:]]
if sys.argv[1] == "pypdf":
    import logging
    from pypdf import PdfReader
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    for p in paths:
        [page.extract_text() for page in PdfReader(io.BytesIO(p.read_bytes())).pages]
elif sys.argv[1] == "layout":
    from billwatch.text import pdf_to_extracted
    for p in paths:
        pdf_to_extracted(p.read_bytes())
else:  # the extraction child's own work, run here so that its peak can be read
    from billwatch.text.pdf import _CHILD
    for p in paths:  # limits far above any use: 1 TB of address space, 10^6 s of CPU
        sys.argv = ["child", str(1 << 40), str(10**6)]
        sys.stdin = io.TextIOWrapper(io.BytesIO(p.read_bytes()))
        sys.stdout = open(os.devnull, "w")
        exec(_CHILD, {"__name__": "child"})
        sys.stdout = sys.__stdout__
# VmHWM starts afresh at exec, unlike ru_maxrss, which keeps the forking parent's peak.
status = Path("/proc/self/status").read_text()
print(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
"""


def _generated(folder: Path) -> Path:
    """A 30-page bill with numbered lines, heads, underlined and struck words."""
    from tests.text.pdfs import draw_bill  # reportlab: a dev dependency, like the benchmarks

    line = [
        ("Sec. 1. A person who recruits, harbors or transports another person for", ""),
        ("labor", "s"),
        ("services", "u"),
    ]
    pages = [[list(line) for _ in range(22)] for _ in range(30)]
    path = folder / "generated-30-pages.pdf"
    path.write_bytes(draw_bill(pages))
    return path


def _pdfs(folder: Path) -> list[Path]:
    found = sorted(STATE_DOCUMENTS.glob("*/*.pdf")) if STATE_DOCUMENTS.exists() else []
    return [*found, _generated(folder)]


def _pypdf(data: bytes) -> int:
    pages = PdfReader(io.BytesIO(data)).pages
    return sum(1 for page in pages if page.extract_text() is not None)


def _median_seconds(fn: object, data: list[bytes], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in data:
            fn(item)  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _peak_mb(side: str, paths: list[Path]) -> float:
    """Peak resident memory (MB) of one side ("pypdf", "layout" or "child"), fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY, side, *map(str, paths)],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return int(proc.stdout.split()[-1]) / 1024


def run(console: Console) -> None:
    """Print pages/s of both extractors, their ratio against the target, and peak memory."""
    import tempfile

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings, once per page

    with tempfile.TemporaryDirectory() as tmp:
        paths = _pdfs(Path(tmp))
        data = [p.read_bytes() for p in paths]
        pages = sum(len(PdfReader(io.BytesIO(d)).pages) for d in data)
        plain = _median_seconds(_pypdf, data, repeat=3)
        layout = _median_seconds(pdf_to_extracted, data, repeat=3)
        memory = {side: _peak_mb(side, paths) for side in ("pypdf", "layout", "child")}
    table = Table(title=f"PDF text: {len(paths)} PDFs, {pages} pages")
    for column in ("extractor", "seconds", "pages/s", "peak MB", "child peak MB"):
        table.add_column(column, justify="right" if column != "extractor" else "left")
    table.add_row(
        "pypdf extract_text (plain)",
        f"{plain:.2f}",
        f"{pages / plain:.1f}",
        f"{memory['pypdf']:.0f}",
        "-",
    )
    table.add_row(
        "billwatch layout (child + marks)",
        f"{layout:.2f}",
        f"{pages / layout:.1f}",
        f"{memory['layout']:.0f}",
        f"{memory['child']:.0f}",
    )
    console.print(table)
    ratio = plain / layout
    verdict = "meets" if ratio >= TARGET else "misses"
    console.print(f"layout / pypdf speed: {ratio:.2f} ({verdict} the {TARGET} target)")
