"""Run every benchmark module (or those named on the command line) and print their tables."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

from rich.console import Console

import benchmarks


def main(argv: list[str]) -> int:
    """Run `benchmarks/bench_*.py` modules' `run(console)` in name order."""
    console = Console()
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    failed = 0
    for name in wanted:
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").run(console)
        except Exception as exc:  # one broken bench must not hide the others
            failed += 1
            console.print(f"[red]{name} failed: {exc!r}")
        console.print(f"[dim]{name}: {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
