"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from billwatch.db.models import Base
from billwatch.db.session import (
    SchemaOutOfDate,
    check_schema,
    get_engine,
    head_revision,
    upgrade,
)


def test_migrations_match_the_models(db_url):
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Generated tsvector columns and FTS tables are the migrations' own, not the models'.
    diff = [d for d in diff if "search_vector" not in str(d) and "_fts" not in str(d)]
    assert diff == []


def test_views_answer(db_url):
    with get_engine(db_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bill_overview")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM tag_evidence")).scalar() == 0


def test_out_of_date_schema_is_refused_with_a_clear_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with pytest.raises(SchemaOutOfDate, match="is empty.*billwatch db upgrade"):
        check_schema(url)
    upgrade(url, "0001")
    expected = f"at revision 0001.*needs revision {head_revision()}"
    with pytest.raises(SchemaOutOfDate, match=expected):
        check_schema(url)
    upgrade(url)
    check_schema(url)


def test_sqlite_runs_in_wal_mode(sqlite_url):
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
