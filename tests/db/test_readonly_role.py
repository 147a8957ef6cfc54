"""`billwatch db grant-readonly`: a PostgreSQL role that reads and cannot write."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.roles import PRIVATE_TABLES, RoleError, grant_readonly
from billwatch.db.session import get_engine


def test_sqlite_is_refused_with_a_reason(sqlite_url):
    from billwatch.db.session import upgrade

    upgrade(sqlite_url)
    with pytest.raises(RoleError, match="only on PostgreSQL"):
        grant_readonly(get_engine(sqlite_url), "analyst")
    result = CliRunner().invoke(app, ["db", "grant-readonly", "analyst"])
    assert result.exit_code == 2 and "only on PostgreSQL" in result.output


@pytest.mark.postgres
def test_role_reads_tables_and_views_and_cannot_write(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    engine = get_engine(db_url)
    role = f"bw_ro_{uuid.uuid4().hex[:10]}"
    with pytest.raises(RoleError):
        grant_readonly(engine, 'bad"; DROP TABLE bills; --')
    try:
        result = CliRunner().invoke(app, ["db", "grant-readonly", role])
        assert result.exit_code == 0, result.output
        assert grant_readonly(engine, role)  # a second run is harmless
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO jurisdictions (code, name, classification, ocd_id) "
                    "VALUES ('CA', 'California', 'state', 'ocd-jurisdiction/x')"
                )
            )
            conn.execute(text("CREATE TABLE later_table (id integer)"))  # made after the grant
        for sql in (
            "SELECT count(*) FROM bills",
            "SELECT code FROM jurisdictions",
            "SELECT count(*) FROM bill_overview",
            "SELECT count(*) FROM tag_evidence",
            "SELECT count(*) FROM later_table",
        ):
            with engine.begin() as conn:
                conn.execute(text(f'SET LOCAL ROLE "{role}"'))
                conn.execute(text(sql))
        denied = [
            "INSERT INTO jurisdictions (code, name, classification, ocd_id) "
            "VALUES ('NY', 'N', 'state', 'x')",
            "UPDATE jurisdictions SET name = 'changed'",
            "DELETE FROM jurisdictions",
            "CREATE TABLE mine (id integer)",
            *(f"SELECT * FROM {name}" for name in PRIVATE_TABLES),
        ]
        for sql in denied:
            with engine.connect() as conn:
                conn.execute(text(f'SET ROLE "{role}"'))
                with pytest.raises(DBAPIError, match="permission denied"):
                    conn.execute(text(sql))
                conn.rollback()
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT name FROM jurisdictions")) == "California"
    finally:
        with engine.begin() as conn:
            conn.execute(text("RESET ROLE"))
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
