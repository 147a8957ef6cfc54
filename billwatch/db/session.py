"""One engine and one sessionmaker per database URL, and the schema check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from billwatch.settings import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database schema is not at the newest migration."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets analysts read while a crawl writes; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: BILLWATCH_DATABASE_URL), created once per URL."""
    return _engine_for(normalise_url(url or get_settings().database_url))


@lru_cache(maxsize=16)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine for `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    """An Alembic config for our migrations and `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%", which URL-encoded options (search_path%3D...) contain.
    url = normalise_url(url or get_settings().database_url).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest migration in the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def check_schema(url: str | None = None) -> None:
    """Raise SchemaOutOfDate with a clear message unless the database is at the newest schema."""
    engine = get_engine(url)
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "empty" if current is None else f"at revision {current}"
        raise SchemaOutOfDate(
            f"The database {where} is {state}, but this billwatch needs revision {head}. "
            "Run `billwatch db upgrade` first."
        )
