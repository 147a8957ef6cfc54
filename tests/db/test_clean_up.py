"""The PostgreSQL fixture cleans up after a test that left a transaction open."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import _postgres_schema_url


@pytest.mark.postgres
def test_a_schema_is_dropped_even_when_a_connection_still_holds_its_locks() -> None:
    # A failed test can leave its connection inside a transaction that holds locks on its
    # tables; the clean-up must end it rather than wait for ever (a CI run once hung so).
    urls = _postgres_schema_url()
    url = next(urls)
    engine = create_engine(url)
    held = engine.connect()
    held.execute(text("CREATE TABLE t (id int)"))
    held.execute(text("LOCK TABLE t IN ACCESS EXCLUSIVE MODE"))  # left open, as a failed test
    done = threading.Event()

    def clean_up() -> None:
        for _ in urls:
            pass
        done.set()

    worker = threading.Thread(target=clean_up, daemon=True)
    worker.start()
    assert done.wait(30), "the clean-up waited on the open transaction"
    schema = url.rsplit("application_name=", 1)[1]
    admin = create_engine(url.split("?", 1)[0])
    with admin.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        ).scalar()
    admin.dispose()
    held.invalidate()
    engine.dispose()
    assert left == 0
