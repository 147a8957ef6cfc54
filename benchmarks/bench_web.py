"""The workbench over HTTP under uvicorn: p50 and p95 of the bill page, the faceted search page
and the API list, beside a static file of the same app, on SQLite and PostgreSQL.

The database holds BILLWATCH_BENCH_BILLS bills (200,000 by default) with five versions each,
written by bulk Core inserts. Targets (p95): bill page 150 ms, search 300 ms, API list 150 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import fresh_database, postgres_available
from billwatch.db.models import (
    Bill,
    BillVersion,
    Jurisdiction,
    LegislativeSession,
    Tag,
    VersionClassification,
)
from billwatch.db.session import get_sessionmaker
from billwatch.taxonomy import TAGS

BILLS = int(os.environ.get("BILLWATCH_BENCH_BILLS", "200000"))
VERSIONS_PER_BILL = 5
REQUESTS = int(os.environ.get("BILLWATCH_BENCH_REQUESTS", "60"))
SECRET = "bench-only-secret-key-0123456789-abcdefghij"
PASSWORD = "bench-password-123"
TARGETS = {"bill page": 0.150, "faceted search": 0.300, "API list": 0.150}
STATES = [f"{a}{b}" for a in "ACDGIKLMNO" for b in "AEIOZ"]  # 50 two-letter codes
WORDS = (
    "trafficking survivor penalty felony housing services record vacatur court "
    "department fund shelter prostitution loitering minimum sentence relief"
).split()
BATCH = 20_000


def _t(model: Any) -> Any:
    """The model's table, for Core inserts (no ORM unit of work)."""
    return model.__table__


def _rows(n: int, make: object) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for i in range(1, n + 1):
        batch.append(make(i))  # type: ignore[operator]
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def build(factory: sessionmaker[Session], bills: int) -> None:
    """Bulk-insert states, sessions, bills, versions and the newest versions' tags."""
    rnd = random.Random(7)
    tags = sorted(TAGS)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with factory.begin() as s:
        s.execute(
            insert(_t(Jurisdiction)),
            [{"id": i + 1, "code": c, "name": f"State {c}"} for i, c in enumerate(STATES)],
        )
        s.execute(
            insert(_t(LegislativeSession)),
            [{"id": i + 1, "jurisdiction_id": i + 1, "identifier": "2025-2026"} for i in range(50)],
        )

    def bill(i: int) -> dict[str, object]:
        j = i % 50 + 1
        title = " ".join(rnd.choice(WORDS) for _ in range(8))
        return {
            "id": i,
            "jurisdiction_id": j,
            "session_id": j,
            "identifier": f"HB {i}",
            "title": title,
            "status": "in committee",
            "stage": rnd.choice(["introduced", "in committee", "passed a chamber", "enacted"]),
            "last_action_date": dt.date(2026, 1, 1) + dt.timedelta(days=i % 150),
            "first_seen": now,
            "last_seen": now,
            "updated_at": now,
        }

    def version(k: int) -> dict[str, object]:
        bill_id = (k - 1) // VERSIONS_PER_BILL + 1
        n = (k - 1) % VERSIONS_PER_BILL
        text = "SECTION 1. " + " ".join(rnd.choice(WORDS) for _ in range(40)) + "."
        return {
            "id": k,
            "bill_id": bill_id,
            "note": ["Introduced", "Amended", "Amended", "Engrossed", "Enrolled"][n],
            "date": dt.date(2026, 1, 1) + dt.timedelta(days=n * 10),
            "text": text,
            "content_hash": f"{k:064x}",
            "created_at": now,
        }

    for table, n, make in (
        (_t(Bill), bills, bill),
        (_t(BillVersion), bills * VERSIONS_PER_BILL, version),
    ):
        for batch in _rows(n, make):
            with factory.begin() as s:
                s.execute(insert(table), batch)

    def tag(i: int) -> dict[str, object]:
        return {
            "id": i,
            "version_id": i * VERSIONS_PER_BILL,  # the newest version of bill i
            "tag": tags[i % len(tags)],
            "score": 0.5 + (i % 50) / 100,
            "evidence": "penalty",
            "classifier_version": "bench",
            "created_at": now,
        }

    def classification(i: int) -> dict[str, object]:
        return {
            "id": i,
            "version_id": i * VERSIONS_PER_BILL,
            "classifier_version": "bench",
            "stance": ["ALERT", "TRACK", "mixed", "none"][i % 4],
            "classified_at": now,
        }

    for table, make in ((_t(Tag), tag), (_t(VersionClassification), classification)):
        for batch in _rows(bills, make):
            with factory.begin() as s:
                s.execute(insert(table), batch)


def settle(factory: sessionmaker[Session]) -> None:
    """On PostgreSQL, VACUUM ANALYZE after the bulk load, as autovacuum would before long: the
    triggers that keep bill_summary rewrite its rows once per inserted version, tag and stance,
    and the planner has no statistics yet for the tables just filled."""
    engine = factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


@contextmanager
def serve(factory: sessionmaker[Session]) -> Iterator[str]:
    """The workbench under uvicorn on a free loopback port."""
    from billwatch.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(factory, SECRET, secure_cookies=False)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def measure(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    """(p50, p95) seconds over the paths, after one warm-up request."""
    client.get(paths[0]).raise_for_status()
    samples = []
    for path in paths:
        started = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def _bench_dialect(console: Console, dialect: str, bills: int = BILLS) -> Table:
    from billwatch.web.security import create_api_key, create_user

    with fresh_database(dialect) as url:
        factory = get_sessionmaker(url)
        started = time.perf_counter()
        build(factory, bills)
        settle(factory)
        console.print(
            f"[dim]{dialect}: {bills:,} bills, {bills * VERSIONS_PER_BILL:,} versions "
            f"built in {time.perf_counter() - started:.0f} s"
        )
        with factory.begin() as s:
            create_user(s, "bench@example.org", PASSWORD, "viewer")
            _, key = create_api_key(s, "bench", rate_per_minute=1_000_000)
        rnd = random.Random(1)
        with serve(factory) as base, httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/login").text
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post(
                "/login",
                data={"email": "bench@example.org", "password": PASSWORD, "csrf": csrf},
            )
            tags = sorted(TAGS)
            cases = {
                "static file": ["/static/app.css"] * REQUESTS,
                "bill page": [f"/bills/{rnd.randint(1, bills)}" for _ in range(REQUESTS)],
                "faceted search": [
                    f"/search?state={rnd.choice(STATES)}&tag={rnd.choice(tags)}"
                    for _ in range(REQUESTS)
                ],
                "API list": [
                    f"/api/v1/bills?state={rnd.choice(STATES)}&apikey={key}"
                    for _ in range(REQUESTS)
                ],
            }
            results = {name: measure(client, paths) for name, paths in cases.items()}
    base_p50 = results["static file"][0]
    table = Table(title=f"workbench over HTTP, {dialect}, {bills:,} bills ({REQUESTS} requests)")
    for col in ("endpoint", "p50 ms", "p95 ms", "p50 / static", "target p95", "met"):
        table.add_column(col, justify="left" if col == "endpoint" else "right")
    for name, (p50, p95) in results.items():
        target = TARGETS.get(name)
        table.add_row(
            name,
            f"{p50 * 1000:.1f}",
            f"{p95 * 1000:.1f}",
            f"{p50 / base_p50:.1f}x",
            f"{target * 1000:.0f} ms" if target else "",
            ("yes" if p95 < target else "[red]no") if target else "",
        )
    return table


def run(console: Console) -> None:
    """Print the workbench's latencies per dialect."""
    console.print(_bench_dialect(console, "sqlite"))
    if postgres_available():
        console.print(_bench_dialect(console, "postgresql"))
    else:
        console.print("[yellow]PostgreSQL not reachable: its workbench bench is skipped")
