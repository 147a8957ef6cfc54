"""Shared fixtures: databases on SQLite and PostgreSQL, paths to ../shared and tests/files."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from billwatch.db.session import get_engine, get_sessionmaker, normalise_url, upgrade
from billwatch.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FILES = Path(__file__).resolve().parent / "files"
POSTGRES_URL = os.environ.get("BILLWATCH_TEST_POSTGRES_URL")
os.environ.setdefault("COLUMNS", "200")  # rich tables in CLI output are not wrapped in tests
# CI provides everything (../shared, PostgreSQL): there a missing one fails instead of skipping,
# so that a run that silently tested less cannot pass.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_schemas = itertools.count()


def missing(reason: str) -> NoReturn:
    """Skip the test for `reason`, or fail it in CI (CI=true), where nothing may be missing."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A strong BILLWATCH_SECRET_KEY: mail and the unsubscribe endpoint refuse to run without."""
    monkeypatch.setenv("BILLWATCH_SECRET_KEY", "tests-only-secret-key-0123456789-abcdef")


def shared_path(*parts: str) -> Path:
    """A path in ../shared; without it the test skips with a clear reason (fails in CI)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing(f"../shared is not here ({path} missing): real-data tests need it")
    return path


@pytest.fixture
def shared() -> Path:
    """The ../shared folder (skips when absent, fails in CI)."""
    return shared_path()


@pytest.fixture
def files() -> Path:
    """tests/files, the fixtures we wrote ourselves."""
    return FILES


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'billwatch.db'}"


def _postgres_schema_url() -> Iterator[str]:
    """A fresh schema per test, so that concurrent test runs never share tables."""
    if not POSTGRES_URL:
        missing("BILLWATCH_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    schema = f"bw_{os.getpid()}_{next(_schemas)}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    # Every connection of the test carries the schema's name, so that its clean-up can find them.
    url = (
        normalise_url(POSTGRES_URL)
        + f"{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    )
    try:
        yield url
    finally:
        get_engine(url).dispose()
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop a test's schema; a connection the test left open in a transaction (a failed test
    does) would hold its locks for ever, so the test's own connections are ended first."""
    with admin.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": schema},
        )
        conn.execute(text("SET LOCAL lock_timeout = '60s'"))
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated, empty database on SQLite and on PostgreSQL, set as BILLWATCH_DATABASE_URL."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([_sqlite_url(tmp_path)])
    else:
        urls = _postgres_schema_url()
    url = next(urls)
    monkeypatch.setenv("BILLWATCH_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield url
    get_engine(url).dispose()
    for _ in urls:  # runs the PostgreSQL clean-up
        pass
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database only, for tests where the dialect does not matter."""
    url = _sqlite_url(tmp_path)
    monkeypatch.setenv("BILLWATCH_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield url
    get_engine(url).dispose()
    get_settings.cache_clear()


@pytest.fixture
def Session(db_url: str) -> sessionmaker[OrmSession]:  # noqa: N802 - reads like the factory
    """A sessionmaker on the test database (both dialects)."""
    return get_sessionmaker(db_url)
