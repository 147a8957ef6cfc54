"""Search latency on a generated table of 100,000+ versions, against a LIKE scan baseline."""

from __future__ import annotations

import datetime as dt
import os
import random

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text

from benchmarks.common import fresh_database, postgres_available, timed
from billwatch.db.models import Bill, BillVersion
from billwatch.db.queries import search
from billwatch.db.session import get_engine, get_sessionmaker
from billwatch.db.store import ensure_jurisdiction, ensure_session

VERSIONS = int(os.environ.get("BENCH_SEARCH_VERSIONS", "100000"))
COMMON = (
    "person shall section department state court law county provided subsection act "
    "public agency offense program report fund service employer person commission"
).split()
RARE = (
    "trafficking prostitution vacatur expungement restitution detainer recruiter smuggling "
    "forfeiture sealing"
).split()
QUERIES = ["trafficking", "vacatur sealing", "recruiter detainer smuggling", "zebra"]


def _generate(url: str, count: int) -> None:
    """Bills with two versions each, of 150 words: mostly common words, a few rare ones."""
    rng = random.Random(7)
    Session = get_sessionmaker(url)
    with Session.begin() as s:
        jurisdiction = ensure_jurisdiction(s, "CA")
        session = ensure_session(s, jurisdiction, "2025-2026")
        jid, sid = jurisdiction.id, session.id
    bills = count // 2
    with get_engine(url).begin() as conn:
        for start in range(0, bills, 5000):
            rows = [
                {
                    "jurisdiction_id": jid,
                    "session_id": sid,
                    "identifier": f"AB {n}",
                    "title": " ".join(rng.choices(COMMON, k=8) + rng.choices(RARE, k=1)),
                    "classification": ["bill"],
                    "subjects": [],
                    "source_urls": [],
                    "extras": {},
                }
                for n in range(start, min(start + 5000, bills))
            ]
            conn.execute(insert(Bill), rows)
        ids = [r[0] for r in conn.execute(select(Bill.id))]
        for start in range(0, len(ids), 2500):
            rows = []
            for bill_id in ids[start : start + 2500]:
                for note in ("Introduced", "Amended"):
                    words = rng.choices(COMMON, k=145) + rng.choices(RARE, k=rng.randint(0, 3))
                    rng.shuffle(words)
                    body = " ".join(words)
                    rows.append(
                        {
                            "bill_id": bill_id,
                            "note": note,
                            "date": dt.date(2025, 2, 1),
                            "text": body,
                            "inserted": [],
                            "struck": [],
                            "content_hash": f"{bill_id}-{note}",
                        }
                    )
            conn.execute(insert(BillVersion), rows)


def _bench_dialect(console: Console, dialect: str) -> Table:
    table = Table(
        "query",
        "hits",
        "FTS median ms",
        "FTS worst ms",
        "LIKE scan ms",
        "speed-up",
        title=f"search on {VERSIONS:,} versions, {dialect}",
    )
    with fresh_database(dialect) as url:
        with console.status(f"generating {VERSIONS:,} versions on {dialect}"):
            _generate(url, VERSIONS)
            with get_engine(url).begin() as conn:
                conn.execute(text("ANALYZE"))
        Session = get_sessionmaker(url)
        with Session() as s:
            for query in QUERIES:
                hits = len(search(s, query, limit=20))
                fts, worst = timed(lambda q=query: search(s, q, limit=20))
                # Baseline: what ranking without an index costs, a scan for every word.
                words = query.split()
                where = " AND ".join(f"lower(text) LIKE :p{i}" for i in range(len(words)))
                like_sql = text(f"SELECT DISTINCT bill_id FROM bill_versions WHERE {where}")
                params = {f"p{i}": f"%{w}%" for i, w in enumerate(words)}
                like, _ = timed(lambda q=like_sql, p=params: s.execute(q, p).all(), 3)
                table.add_row(
                    query,
                    str(hits),
                    f"{fts * 1000:.1f}",
                    f"{worst * 1000:.1f}",
                    f"{like * 1000:.1f}",
                    f"{like / fts:.1f}x",
                )
    return table


def run(console: Console) -> None:
    """Print search latency per dialect."""
    console.print(_bench_dialect(console, "sqlite"))
    if postgres_available():
        console.print(_bench_dialect(console, "postgresql"))
    else:
        console.print("[yellow]PostgreSQL not reachable: its search bench is skipped")
