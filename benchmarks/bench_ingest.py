"""Bulk ingest throughput (bills/s) for LegiScan JSON and CA pubinfo, SQLite and PostgreSQL.

The baseline, measured in the same run, is parsing alone (no database): the ratio says what the
store costs on top of reading the formats.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import fresh_database, postgres_available
from billwatch.db.session import get_sessionmaker
from billwatch.ingest import ca_pubinfo, legiscan
from billwatch.ingest.runner import Ingester
from billwatch.ingest.sources import ingest_path

BILLS = int(os.environ.get("BENCH_INGEST_BILLS", "500"))
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "billwatch" / "demo" / "sample" / "legiscan" / "CA" / "2025-2026_Regular_Session"
PUBINFO = ROOT / "tests" / "files" / "ingest" / "ca_pubinfo"


def make_legiscan(folder: Path, count: int) -> Path:
    """A dataset folder of `count` bills, each with one HTML text, cloned from the sample."""
    template = json.loads((SAMPLE / "bill" / "AB1750.json").read_text())["bill"]
    text_template = json.loads(next((SAMPLE / "text").glob("*.json")).read_text())["text"]
    html = base64.b64decode(text_template["doc"]).decode()
    root = folder / "legiscan" / "CA" / "2025-2026_Regular_Session"
    (root / "bill").mkdir(parents=True)
    (root / "text").mkdir()
    for n in range(count):
        bill = json.loads(json.dumps(template))
        bill_id, doc_id = 5_000_000 + n, 8_000_000 + n
        bill.update(bill_id=bill_id, bill_number=f"AB{3000 + n}", change_hash=f"{n:032x}")
        bill["texts"] = [{**bill["texts"][0], "doc_id": doc_id, "bill_id": bill_id}]
        (root / "bill" / f"AB{3000 + n}.json").write_text(json.dumps({"bill": bill}))
        doc = html.replace("</body>", f"<p>Section {n + 2}. This act is numbered {n}.</p></body>")
        text = {
            **text_template,
            "doc_id": doc_id,
            "bill_id": bill_id,
            "doc": base64.b64encode(doc.encode()).decode(),
        }
        (root / "text" / f"{doc_id}.json").write_text(json.dumps({"text": text}))
    return folder / "legiscan"


def make_pubinfo(folder: Path, count: int) -> Path:
    """A pubinfo folder of `count` bills cloned from our hand-written tables."""
    out = folder / "pubinfo"
    out.mkdir()
    for table in PUBINFO.glob("*.dat"):
        lines = table.read_text(encoding="utf-8").splitlines()
        with open(out / table.name, "w", encoding="utf-8") as fh:
            for n in range(count):
                for line in lines:
                    # Ids embed the bill number ("202520260AB2290", "20250AB229099INT").
                    line_n = line.replace("AB2290", f"AB{5000 + n}")
                    fh.write(line_n.replace("\t2290\t", f"\t{5000 + n}\t") + "\n")
    for lob in PUBINFO.glob("*.lob"):
        (out / lob.name).write_bytes(lob.read_bytes())
    return out


def parse_only(source: str, path: Path) -> int:
    """Parse every bill without a database; returns the bills parsed."""
    if source == "legiscan":
        bills = list((path / "CA" / "2025-2026_Regular_Session" / "bill").glob("*.json"))
        for file in bills:
            legiscan.parse_bill(json.loads(file.read_text())["bill"])
        for file in (path / "CA" / "2025-2026_Regular_Session" / "text").glob("*.json"):
            legiscan.parse_text(json.loads(file.read_text())["text"])
        return len(bills)
    return sum(1 for _ in ca_pubinfo.iter_bills(path))


def ingest(url: str, source: str, path: Path) -> Ingester:
    """One bulk ingest of `path` into the database at `url`."""
    ing = Ingester(get_sessionmaker(url), f"ingest:{source}")
    ing.start()
    ingest_path(ing, source, path, lambda _n: None)
    ing.finish()
    return ing


def parse_rate(source: str, path: Path) -> float:
    """Bills/s of parsing alone."""
    started = time.perf_counter()
    parsed = parse_only(source, path)
    return parsed / (time.perf_counter() - started)


def run(console: Console) -> None:
    """Print bills/s for parsing alone and for full ingests per source and dialect.

    The machine may be shared, so the parse-only baseline is measured right before each ingest
    it is compared with (a first ingest, then a second over unchanged input).
    """
    dialects = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    table = Table(
        "source",
        "database",
        "bills",
        "parse only bills/s",
        "ingest bills/s",
        "ingest / parse",
        "second run bills/s",
        "second / parse",
        title=f"bulk ingest of {BILLS} bills (targets: ingest / parse >= 0.5 on SQLite,"
        " >= 0.4 on PostgreSQL; second / parse >= 0.8)",
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = {
            "legiscan": make_legiscan(Path(tmp), BILLS),
            "ca_pubinfo": make_pubinfo(Path(tmp), BILLS),
        }
        for source, path in paths.items():
            for dialect in dialects:
                with fresh_database(dialect) as url:
                    base = parse_rate(source, path)
                    started = time.perf_counter()
                    first = ingest(url, source, path)
                    rate = BILLS / (time.perf_counter() - started)
                    base_again = parse_rate(source, path)
                    started = time.perf_counter()
                    ingest(url, source, path)  # idempotent: nothing changes
                    again = BILLS / (time.perf_counter() - started)
                if first.stats.errors:
                    console.print(f"[red]{source}: {first.stats.errors[:3]}")
                table.add_row(
                    source,
                    dialect,
                    str(first.stats.bills_created),
                    f"{base:,.0f}",
                    f"{rate:,.0f}",
                    f"{rate / base:.2f}",
                    f"{again:,.0f}",
                    f"{again / base_again:.2f}",
                )
    console.print(table)
