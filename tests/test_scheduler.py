"""The scheduler's wiring, its database lock, and the jobs under frozen time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import select

from alerts.send import FileTransport
from billwatch import jobs
from billwatch import scheduler as sched
from billwatch.db.models import OutboxMessage
from billwatch.db.session import get_sessionmaker
from tests.alerts.conftest import NOW, amend_hb10, build_world, settings_for, subscribe

NY = ZoneInfo("America/New_York")


def configured(url: str, **extra):
    values = dict(
        crawl_sources=["legiscan", "ny_openleg"],
        crawl_intervals={"legiscan": 120},
        crawl_interval_minutes=45,
        digest_daily_time="07:00",
        digest_weekly_day="mon",
        digest_weekly_time="06:30",
    )
    return settings_for(url, **{**values, **extra})


@pytest.fixture
def started():
    made = []

    def start(settings):
        scheduler = sched.create_scheduler(settings)
        scheduler.start(paused=True)  # stores jobs, runs nothing
        sched.add_jobs(scheduler, settings)
        made.append(scheduler)
        return scheduler

    yield start
    for scheduler in made:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def test_jobs_have_stable_ids_and_local_times(db_url, started):
    with time_machine.travel(NOW, tick=False):  # Tuesday 10:00 in New York
        scheduler = started(configured(db_url))
        jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs_by_id) == {
        "crawl:legiscan",
        "crawl:ny_openleg",
        "classify",
        "rapid-response",
        "send-outbox",
        "digest:daily",
        "digest:weekly",
    }
    assert jobs_by_id["crawl:legiscan"].trigger.interval == dt.timedelta(minutes=120)
    assert jobs_by_id["crawl:ny_openleg"].trigger.interval == dt.timedelta(minutes=45)
    daily = jobs_by_id["digest:daily"].next_run_time
    assert daily == dt.datetime(2026, 3, 4, 7, 0, tzinfo=NY)
    weekly = jobs_by_id["digest:weekly"].next_run_time
    assert weekly == dt.datetime(2026, 3, 9, 6, 30, tzinfo=NY)
    for job in jobs_by_id.values():
        assert job.coalesce and job.max_instances == 1
    assert jobs_by_id["digest:daily"].misfire_grace_time == sched.DIGEST_GRACE_S
    assert jobs_by_id["crawl:legiscan"].func_ref == "billwatch.jobs:crawl_job"
    assert jobs_by_id["crawl:legiscan"].args == ("legiscan",)


def test_restart_replaces_jobs_instead_of_adding(db_url, started):
    with time_machine.travel(NOW, tick=False):
        first = started(configured(db_url))
        first.shutdown(wait=False)
        second = started(
            configured(db_url, crawl_sources=["legiscan"], crawl_intervals={"legiscan": 30})
        )
        ids = sorted(job.id for job in second.get_jobs())
    assert ids.count("crawl:legiscan") == 1 and "crawl:ny_openleg" not in ids
    assert second.get_job("crawl:legiscan").trigger.interval == dt.timedelta(minutes=30)


def test_restarts_do_not_postpone_crawls(sqlite_url, started):
    with time_machine.travel(NOW, tick=False):
        first = started(configured(sqlite_url)).get_job("crawl:legiscan").next_run_time
        first_job = started(configured(sqlite_url))
    with time_machine.travel(NOW + dt.timedelta(minutes=50), tick=False):
        again = started(configured(sqlite_url)).get_job("crawl:legiscan").next_run_time
    assert first == again  # a fixed two-hour grid, not "two hours after the last restart"
    assert first_job.get_job("crawl:legiscan").next_run_time - NOW <= dt.timedelta(hours=2)


def test_run_stores_jobs_in_the_database_and_holds_the_lock(sqlite_url):
    from sqlalchemy import text

    from billwatch.db.models import SchedulerLock

    settings = configured(sqlite_url)
    scheduler = sched.run(settings, blocking=False, paused=True)  # wired, running nothing
    try:
        assert scheduler.running and scheduler.get_job("heartbeat") is not None
        with get_sessionmaker(sqlite_url).begin() as s:
            stored = set(s.scalars(text(f"SELECT id FROM {sched.JOBSTORE_TABLE}")))
            lock = s.get(SchedulerLock, sched.LOCK_NAME)
        assert {"crawl:legiscan", "digest:daily", "classify"} <= stored
        assert "heartbeat" not in stored  # it belongs to this process only
        assert lock is not None and lock.holder == sched.holder_id()
        # A second scheduler on the same database, elsewhere, is refused.
        assert not sched.acquire_lock(get_sessionmaker(sqlite_url), "other-host:1")
    finally:
        scheduler.shutdown(wait=False)
        sched.release_lock(get_sessionmaker(sqlite_url), sched.holder_id())


def test_unknown_sources_in_the_settings_are_refused_before_starting(sqlite_url):
    settings = configured(sqlite_url, crawl_sources=["legiscan", "ny-openleg"])
    with pytest.raises(ValueError, match="unknown source 'ny-openleg' in BILLWATCH_CRAWL"):
        sched.run(settings, blocking=False, paused=True)
    settings = configured(sqlite_url, source_base_urls={"ohio": "http://127.0.0.1:1"})
    with pytest.raises(ValueError, match="'ohio'.*choose from ca_pubinfo, congress"):
        sched.check_sources(settings)
    assert sched.acquire_lock(get_sessionmaker(sqlite_url), "x:1")  # the refused run took no lock


def test_start_catches_up_on_a_missed_digest(sqlite_url):
    scheduler = sched.create_scheduler(configured(sqlite_url))
    scheduler.start(paused=True)
    try:
        later = NOW + dt.timedelta(minutes=185)  # 13:05 in New York: 07:00 went by meanwhile
        with time_machine.travel(later, tick=False):
            sched.add_jobs(scheduler, configured(sqlite_url), catch_up=True)
            daily = scheduler.get_job("digest:daily")
            assert daily.next_run_time == later
            assert scheduler.get_job("send-outbox").next_run_time == later
            assert scheduler.get_job("crawl:legiscan").next_run_time > later  # crawls keep the grid
            # After the catch-up run, the trigger takes over again: tomorrow at 07:00.
            assert daily.trigger.get_next_fire_time(later, later) == dt.datetime(
                2026, 3, 4, 7, 0, tzinfo=NY
            )
    finally:
        scheduler.shutdown(wait=False)


def test_finished_step_wakes_the_next(sqlite_url, started):
    with time_machine.travel(NOW + dt.timedelta(minutes=7), tick=False):  # off the job grid
        scheduler = started(configured(sqlite_url))
        now = NOW + dt.timedelta(minutes=7)
        soon = now + dt.timedelta(seconds=1)
        listener = sched.chain_listener(scheduler)
        listener(JobExecutionEvent(EVENT_JOB_EXECUTED, "crawl:legiscan", "default", now))
        assert scheduler.get_job("classify").next_run_time <= soon
        assert scheduler.get_job("rapid-response").next_run_time > now + dt.timedelta(minutes=5)
        listener(JobExecutionEvent(EVENT_JOB_EXECUTED, "classify", "default", now))
        assert scheduler.get_job("rapid-response").next_run_time <= soon
        listener(JobExecutionEvent(EVENT_JOB_EXECUTED, "digest:daily", "default", now))
        assert scheduler.get_job("send-outbox").next_run_time <= soon


def test_only_one_scheduler_holds_the_lock(db_url):
    factory = get_sessionmaker(db_url)
    assert sched.acquire_lock(factory, "host-a:1", now=NOW)
    assert sched.acquire_lock(factory, "host-a:1", now=NOW)  # re-entrant for its holder
    assert not sched.acquire_lock(factory, "host-b:2", now=NOW + dt.timedelta(minutes=1))
    assert sched.heartbeat(factory, "host-a:1", now=NOW + dt.timedelta(minutes=2))
    # A holder that stopped beating is taken over after STALE_AFTER.
    assert not sched.acquire_lock(factory, "host-b:2", now=NOW + dt.timedelta(minutes=4))
    assert sched.acquire_lock(factory, "host-b:2", now=NOW + dt.timedelta(minutes=6))
    assert not sched.heartbeat(factory, "host-a:1", now=NOW + dt.timedelta(minutes=6))
    sched.release_lock(factory, "host-b:2")
    assert sched.acquire_lock(factory, "host-c:3", now=NOW + dt.timedelta(minutes=7))


def test_run_refuses_when_another_scheduler_holds_the_lock(sqlite_url):
    factory = get_sessionmaker(sqlite_url)
    assert sched.acquire_lock(factory, "elsewhere:1")
    with pytest.raises(sched.LockHeld):
        sched.run(configured(sqlite_url), blocking=False)


def test_sigterm_is_handled_before_the_lock_shows(sqlite_url, monkeypatch):
    # Whoever sees the lock may send SIGTERM at once; the default action would kill us unclean.
    import signal

    handlers = []

    def acquire(factory, holder, **kw):
        handlers.append(signal.getsignal(signal.SIGTERM))
        return False

    monkeypatch.setattr(sched, "acquire_lock", acquire)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(sched.LockHeld):
        sched.run(configured(sqlite_url), blocking=True)
    assert handlers == [sched._terminate]
    assert signal.getsignal(signal.SIGTERM) is before


def test_digest_job_runs_only_when_due(sqlite_url):
    factory = get_sessionmaker(sqlite_url)
    build_world(factory)
    amend_hb10(factory)
    subscribe(factory, "a@freedom.example")
    settings = configured(sqlite_url)
    six = dt.datetime(2026, 3, 4, 6, 0, tzinfo=NY)
    with time_machine.travel(six, tick=False):
        assert jobs.digest_job("daily", settings=settings).enqueued == 0
    with time_machine.travel(six + dt.timedelta(hours=1, minutes=1), tick=False):
        assert jobs.digest_job("daily", settings=settings).enqueued == 1
        assert jobs.digest_job("daily", settings=settings).enqueued == 0  # once per period
    with factory.begin() as s:
        assert s.scalar(select(OutboxMessage.idempotency_key)).endswith(":daily:2026-03-04")


def test_crawl_job_passes_the_configured_base_url(sqlite_url):
    calls = []

    def fake_crawl(source, **kwargs):
        calls.append((source, kwargs))
        return {"status": "ok"}

    settings = configured(sqlite_url, source_base_urls={"legiscan": "http://127.0.0.1:9/"})
    jobs.crawl_job("legiscan", settings=settings, run_crawl=fake_crawl)
    assert calls == [
        (
            "legiscan",
            {
                "states": None,
                "since": None,
                "base_url": "http://127.0.0.1:9/",
                "database_url": sqlite_url,
            },
        )
    ]


def test_run_cycle_crawls_classifies_alerts_digests_and_sends(sqlite_url, tmp_path: Path):
    factory = get_sessionmaker(sqlite_url)
    subscribe(factory, "now@freedom.example", tags="alert", frequency="immediate")
    subscribe(factory, "day@freedom.example", frequency="daily")
    order = []

    def fake_crawl(source, **kwargs):
        # Stands for the spiders: the crawl writes bills through the store.
        order.append(f"crawl {source}")
        if source == "broken":
            raise RuntimeError("replay server down")
        build_world(factory)
        amend_hb10(factory)
        return {"status": "ok", "items": {"bill": 2}}

    def fake_classify(session_factory, *, pending_only=True, limit=None):
        order.append("classify")
        return 2

    with time_machine.travel(NOW, tick=False):
        summary = jobs.run_cycle(
            settings=configured(sqlite_url),
            sources={"legiscan": "http://127.0.0.1:1/", "broken": None},
            run_crawl=fake_crawl,
            classify_versions=fake_classify,
            transport=FileTransport(tmp_path / "mail"),
        )
    assert order == ["crawl legiscan", "crawl broken", "classify"]
    assert summary.crawl_errors == {"broken": "RuntimeError: replay server down"}
    assert not summary.ok and summary.classified == 2
    assert summary.alerts == 1 and summary.digests == {"daily": 1, "weekly": 0}
    assert summary.send.sent == 2
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_run_once_cli_queues_sends_and_writes_html(sqlite_url, tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from billwatch.cli import app
    from billwatch.settings import get_settings

    factory = get_sessionmaker(sqlite_url)
    build_world(factory)
    amend_hb10(factory)
    subscribe(factory, "now@freedom.example", tags="alert", frequency="immediate")
    subscribe(factory, "week@freedom.example", frequency="weekly")
    monkeypatch.setenv("BILLWATCH_SMTP_URL", f"file://{tmp_path / 'mail'}")
    get_settings.cache_clear()
    runner = CliRunner()
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(
            app,
            ["run", "--once", "--no-crawl", "--all-digests", "--html", str(tmp_path / "html")],
            catch_exceptions=False,
        )
        again = runner.invoke(
            app, ["run", "--once", "--no-crawl", "--all-digests"], catch_exceptions=False
        )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "rapid-response alerts" in result.output and "sent 2" in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2  # one alert, one weekly digest
    assert len(list((tmp_path / "html").glob("*.html"))) == 2
    assert again.exit_code == 0 and "sent 0" in again.output  # nothing twice


def test_run_once_refuses_while_a_scheduler_runs(sqlite_url):
    from typer.testing import CliRunner

    from billwatch.cli import app

    assert sched.acquire_lock(get_sessionmaker(sqlite_url), "elsewhere:9")
    result = CliRunner().invoke(app, ["run", "--once", "--no-crawl"])
    assert result.exit_code == 1 and "scheduler is running" in result.output


def test_billwatch_run_in_the_foreground_stops_cleanly(sqlite_url, tmp_path: Path):
    import os
    import signal
    import subprocess
    import sys
    import threading

    from billwatch.db.models import SchedulerLock

    env = {
        **os.environ,
        "BILLWATCH_DATABASE_URL": sqlite_url,
        "BILLWATCH_CRAWL_SOURCES": "[]",
        "BILLWATCH_SMTP_URL": f"file://{tmp_path / 'mail'}",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", "from billwatch.cli import main; main()", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    factory = get_sessionmaker(sqlite_url)
    # Signal only once the scheduler says it started: the lock shows a moment before that, and
    # a SIGTERM in between stops it cleanly but before it ever ran.
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert child.stderr is not None
        for line in child.stderr:
            lines.append(line)
            if "scheduler started" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(60) or child.poll() is not None, "the scheduler never started"
        assert child.poll() is None, "".join(lines)
        with factory.begin() as s:
            assert s.get(SchedulerLock, sched.LOCK_NAME) is not None, "no lock while running"
        child.send_signal(signal.SIGTERM)
        # A clean stop lets a job already running (the catch-up classify loads spaCy) finish.
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(timeout=10)
        for pipe in (child.stdout, child.stderr):
            assert pipe is not None
            pipe.close()
    err = "".join(lines)
    assert child.returncode == 0, err
    assert "scheduler started" in err and "lock released" in err
    with factory.begin() as s:
        assert s.get(SchedulerLock, sched.LOCK_NAME) is None
