"""Classifier speed the way users run it: `billwatch tag --jsonl` (process start, model load,
reading, tagging and writing JSON) over 500 bill-length texts built from real passages, against
`nlp.pipe` of `spacy.blank("en")` over the same texts in the same run."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "passages.jsonl"
N_BILLS = int(os.environ.get("BENCH_CLASSIFIER_BILLS", "500"))
WORDS_PER_BILL = int(os.environ.get("BENCH_CLASSIFIER_WORDS", "6000"))
TARGET_RATIO = 0.25
TARGET_MB = 1024


def real_passages(path: Path = SHARED_CORPUS) -> list[str]:
    """The texts of the shared corpus (read at run time; never copied into the repository)."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: the shared corpus is needed to build the bench texts")
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def bill_texts(passages: list[str], n_bills: int, words_per_bill: int, seed: int = 8) -> list[str]:
    """Bill-length texts: a title, then real passages drawn at random as numbered sections."""
    rng = random.Random(seed)
    bills = []
    for b in range(n_bills):
        parts, words = [f"AN ACT relating to public safety; omnibus bill {b + 1}."], 0
        while words < words_per_bill:
            text = rng.choice(passages)
            parts.append(f"Section {len(parts)}. {text}")
            words += len(text.split())
        bills.append("\n".join(parts))
    return bills


def _cli_tag(path: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, output lines) of `billwatch tag --jsonl path` in its own process."""
    cmd = [sys.executable, "-m", "billwatch.cli", "tag", "--jsonl", str(path)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with out.open("w") as sink:
        subprocess.run(cmd, stdout=sink, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    lines = sum(1 for _ in out.open())
    return seconds, peak_kb / 1024, lines


def run(console: Console) -> None:
    """Print words/s of the CLI and of the blank pipeline, their ratio, the CLI's peak memory."""
    import spacy

    bills = bill_texts(real_passages(), N_BILLS, WORDS_PER_BILL)
    words = sum(len(b.split()) for b in bills)
    blank = spacy.blank("en")
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "bills.jsonl", Path(tmp) / "tags.jsonl"
        path.write_text(
            "".join(json.dumps({"id": i, "text": b}) + "\n" for i, b in enumerate(bills))
        )
        pipe_seconds = []
        for _ in range(2):  # best of two: the first pass fills the tokenizer's caches
            started = time.perf_counter()
            for _doc in blank.pipe(bills):
                pass
            pipe_seconds.append(time.perf_counter() - started)
        cli_seconds, peak_mb, lines = _cli_tag(path, out)
    if lines != len(bills):
        raise RuntimeError(f"billwatch tag wrote {lines} lines for {len(bills)} texts")
    pipe_rate, cli_rate = words / min(pipe_seconds), words / cli_seconds
    ratio = cli_rate / pipe_rate
    table = Table(
        title=f"`billwatch tag --jsonl` on {len(bills)} bill-length texts ({words:,} words)"
    )
    for col in ("measure", "value", "target"):
        table.add_column(col, justify="right" if col != "measure" else "left")
    table.add_row("spacy.blank('en') nlp.pipe, words/s", f"{pipe_rate:,.0f}", "")
    table.add_row("billwatch tag --jsonl (whole CLI), words/s", f"{cli_rate:,.0f}", "")
    table.add_row("ratio CLI / nlp.pipe", f"{ratio:.2f}", f">= {TARGET_RATIO}")
    table.add_row("CLI peak memory (RSS), MB", f"{peak_mb:,.0f}", f"< {TARGET_MB}")
    table.add_row("450M words on 2 cores, hours", f"{450e6 / (cli_rate * 2) / 3600:.1f}", "")
    console.print(table)
