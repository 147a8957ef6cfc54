"""Helpers the benchmarks share: fresh databases and timing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from billwatch.db.session import get_engine, normalise_url, upgrade

POSTGRES_URL = os.environ.get(
    "BILLWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@contextmanager
def fresh_database(dialect: str) -> Iterator[str]:
    """A migrated empty database URL: a temporary SQLite file or a throwaway PostgreSQL schema."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            yield url
            get_engine(url).dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = normalise_url(POSTGRES_URL) + f"?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def postgres_available() -> bool:
    """Whether the benchmark PostgreSQL server answers."""
    try:
        with create_engine(normalise_url(POSTGRES_URL)).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(median, worst) seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)
