"""Classifier speed: words per second tagging long bill texts, beside the blank tokenizer."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

EXAMPLES = Path(__file__).resolve().parent.parent / "classifier" / "examples"
TARGET_RATIO = 0.25
TARGET_MB = 1024


def long_bills(n_bills: int = 4, words_per_bill: int = 40_000) -> list[str]:
    """Omnibus-sized bill texts: our written passages as numbered sections, repeated."""
    passages = [
        json.loads(line)["text"]
        for path in sorted(EXAMPLES.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    bills = []
    for b in range(n_bills):
        parts, words, n = [f"AN ACT relating to public safety, omnibus bill {b + 1}."], 0, 0
        while words < words_per_bill:
            text = passages[(n * 7 + b) % len(passages)]
            parts.append(f"Section {n + 1}. {text}")
            words += len(text.split())
            n += 1
        bills.append("\n".join(parts))
    return bills


def _rate(fn, texts: list[str], words: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for text in texts:
        fn(text)
    return words / (time.perf_counter() - started)


def run(console: Console) -> None:
    """Print words/s of the tagger and of spaCy's blank tokenizer, their ratio, peak memory."""
    import spacy

    import classifier

    tagger = classifier.load()
    blank = spacy.blank("en")
    bills = long_bills()
    words = sum(len(b.split()) for b in bills)
    tagger.tag(bills[0][:20_000])  # warm both (lexeme caches) before timing
    blank.make_doc(bills[0])
    tok_rate = _rate(blank.make_doc, bills, words)
    tag_rate = _rate(tagger.tag, bills, words)
    tok_rate = max(tok_rate, _rate(blank.make_doc, bills, words))  # best of two, fair to it
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    ratio = tag_rate / tok_rate
    table = Table(title=f"Tagging {len(bills)} long bills ({words:,} words)")
    for col in ("measure", "value", "target"):
        table.add_column(col, justify="right" if col != "measure" else "left")
    table.add_row("blank spaCy tokenizer, words/s", f"{tok_rate:,.0f}", "")
    table.add_row("classifier tag(), words/s", f"{tag_rate:,.0f}", "")
    table.add_row("ratio classifier / tokenizer", f"{ratio:.2f}", f">= {TARGET_RATIO}")
    table.add_row("peak memory (RSS), MB", f"{peak_mb:,.0f}", f"< {TARGET_MB}")
    hours = 450e6 / (tag_rate * 2) / 3600
    table.add_row("450M words on 2 cores, hours", f"{hours:.1f}", "< 2")
    console.print(table)
