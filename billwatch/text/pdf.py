"""PDF text with pypdf, in a child process limited in time and memory.

A hostile or broken PDF can make a parser loop or allocate without bound; the child sets its
own RLIMIT_AS (memory) and RLIMIT_CPU before it imports pypdf, and is killed when the
wall-clock timeout passes. The limits are set by the child itself rather than in a
`preexec_fn`, which is unsafe when the caller has threads (spiders extract in a thread pool).
"""

from __future__ import annotations

import signal
import subprocess
import sys

from billwatch.text.marked import DocumentError

# Exit codes the child uses to say what went wrong.
_BROKEN, _NO_MEMORY = 3, 4

_CHILD = r"""
import io, resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
try:
    from pypdf import PdfReader
    data = sys.stdin.buffer.read()
    reader = PdfReader(io.BytesIO(data), strict=False)
    pages = [page.extract_text() or "" for page in reader.pages]
except MemoryError:
    sys.exit(4)
except Exception as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}"[:500])
    sys.exit(3)
sys.stdout.buffer.write("\f".join(pages).encode("utf-8", "surrogatepass"))
"""


def pdf_to_text(data: bytes, *, timeout: float = 60.0, memory_mb: int = 1024) -> str:
    """Text of a PDF's pages (form feed between pages); DocumentError on any failure."""
    if not data.strip():
        raise DocumentError("empty PDF")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("not a PDF: no %PDF- header")
    if b"%%EOF" not in data[-4096:]:
        # The spec ends every PDF with %%EOF; without it the file was cut short.
        raise DocumentError("truncated PDF: no %%EOF marker at the end")
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
        return proc.stdout.decode("utf-8", errors="replace")
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
