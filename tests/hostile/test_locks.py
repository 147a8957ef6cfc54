"""One cycle at a time: a live holder keeps its lock; a killed ingest's run is closed (#11 §3)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from billwatch import scheduler
from billwatch.cli import app
from billwatch.db.models import CrawlRun, SchedulerLock, utcnow
from billwatch.db.session import get_sessionmaker
from tests.conftest import FILES

HOST = socket.gethostname()
LONG_AGO = dt.timedelta(hours=1)


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen]:
    """A process of this machine that is alive until the test ends (or kills it)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_late_holder_that_is_alive_keeps_the_lock(db_url, live_process) -> None:
    factory = get_sessionmaker(db_url)
    holder = f"{HOST}:{live_process.pid}:once"
    assert scheduler.acquire_lock(factory, holder, now=utcnow() - LONG_AGO)
    # Its heartbeat is an hour old, but its process runs: nobody takes over.
    assert not scheduler.acquire_lock(factory, f"{HOST}:{os.getpid()}")
    live_process.kill()
    live_process.wait()
    assert scheduler.acquire_lock(factory, f"{HOST}:{os.getpid()}")  # now it is gone


def test_a_lock_of_another_host_is_taken_over_only_when_stale(db_url) -> None:
    factory = get_sessionmaker(db_url)
    assert scheduler.acquire_lock(factory, "elsewhere:1", now=utcnow() - dt.timedelta(minutes=1))
    assert not scheduler.acquire_lock(factory, f"{HOST}:{os.getpid()}")
    assert scheduler.acquire_lock(factory, "elsewhere:1", now=utcnow() - LONG_AGO)
    assert scheduler.acquire_lock(factory, f"{HOST}:{os.getpid()}")


def test_keep_lock_beats_while_a_long_step_runs(db_url) -> None:
    factory = get_sessionmaker(db_url)
    holder = "elsewhere:7:once"
    start = utcnow() - LONG_AGO
    assert scheduler.acquire_lock(factory, holder, now=start)
    with scheduler.KeepLock(factory, holder, every=dt.timedelta(seconds=0.1)) as keeper:
        time.sleep(0.5)  # the "long step"
        # Without the heartbeat this lock (another host, an hour old) would be taken.
        assert not scheduler.acquire_lock(factory, "intruder:8")
    assert not keeper.lost
    with factory() as session:
        beat = session.get(SchedulerLock, scheduler.LOCK_NAME).heartbeat_at
        assert (beat if beat.tzinfo else beat.replace(tzinfo=dt.UTC)) > start + LONG_AGO / 2


def test_keep_lock_notices_a_takeover(db_url) -> None:
    factory = get_sessionmaker(db_url)
    assert scheduler.acquire_lock(factory, "elsewhere:7")
    with scheduler.KeepLock(factory, "elsewhere:7", every=dt.timedelta(seconds=0.05)) as keeper:
        scheduler.release_lock(factory, "elsewhere:7")
        assert scheduler.acquire_lock(factory, "elsewhere:8")
        time.sleep(0.3)
    assert keeper.lost


def running_run(factory, source: str = "ingest:legiscan") -> int:
    with factory.begin() as session:
        run = CrawlRun(source=source, status="running", started_at=utcnow() - LONG_AGO)
        session.add(run)
        session.flush()
        return run.id


def status_of(factory, run_id: int) -> tuple[str, str | None]:
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        return run.status, run.health_reason


def test_a_killed_ingest_run_is_marked_failed_on_the_next_start(db_url) -> None:
    factory = get_sessionmaker(db_url)
    killed = running_run(factory)
    holder = f"{HOST}:{dead_pid()}"
    scheduler.acquire_lock(factory, holder, name=scheduler.ingest_lock_name("legiscan", holder))
    other = running_run(factory, "ingest:people")  # another source's run is left alone
    result = CliRunner().invoke(app, ["ingest", "legiscan", str(FILES / "ingest" / "legiscan")])
    assert result.exit_code == 0, result.output
    assert "1 earlier legiscan ingest(s) never finished" in result.output
    status, reason = status_of(factory, killed)
    assert status == "failed" and "stale" in reason
    assert status_of(factory, other)[0] == "running"
    with factory() as session:  # the dead ingest's lock row and ours are gone
        assert session.scalars(select(SchedulerLock)).all() == []
        runs = session.scalars(select(CrawlRun).where(CrawlRun.source == "ingest:legiscan"))
        assert sorted(r.status for r in runs) == ["failed", "ok"]


def test_the_run_of_an_ingest_still_running_is_left_alone(db_url, live_process) -> None:
    factory = get_sessionmaker(db_url)
    running = running_run(factory)
    holder = f"{HOST}:{live_process.pid}"
    scheduler.acquire_lock(factory, holder, name=scheduler.ingest_lock_name("legiscan", holder))
    result = CliRunner().invoke(app, ["ingest", "legiscan", str(FILES / "ingest" / "legiscan")])
    assert result.exit_code == 0, result.output
    assert status_of(factory, running)[0] == "running"
