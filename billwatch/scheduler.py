"""The main job's schedule: APScheduler 3 with its job store in the billwatch database.

Only wiring lives here; the jobs are the functions in `billwatch.jobs`. Jobs are stored by
their import path with stable ids and `replace_existing`, so a restart updates them instead of
adding copies. A crawl wakes classification, classification wakes the rapid-response check, and
every alert or digest run wakes the sender, so an alert goes out minutes after the crawl that
saw the event. A lock row in `scheduler_locks` (heartbeat plus stale takeover) keeps a second
scheduler from running against the same database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, cast

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import CursorResult, delete, false, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import CrawlRun, SchedulerLock, utcnow
from billwatch.db.session import get_engine, get_sessionmaker
from billwatch.settings import Settings
from spiders.registry import source_names

log = logging.getLogger("billwatch.scheduler")

LOCK_NAME = "scheduler"
HEARTBEAT = dt.timedelta(seconds=30)
STALE_AFTER = dt.timedelta(minutes=3)  # six missed heartbeats: the holder is gone
JOBSTORE_TABLE = "apscheduler_jobs"

# Misfire grace: a crawl that could not start within 15 minutes of its time (machine asleep,
# the previous crawl still running) is skipped, and the next interval comes soon enough; a
# digest may start up to 6 hours late, because a late digest is useful and its idempotency key
# stops a second one for the same period.
CRAWL_GRACE_S = 15 * 60
DIGEST_GRACE_S = 6 * 3600
PIPELINE_GRACE_S = 30 * 60
SAFETY_INTERVAL_MIN = 30  # classify/alerts/send also run on their own, in case a wake-up is lost
SEND_INTERVAL_MIN = 5  # retries of 4xx replies come due between crawls

# After a job of this kind finishes, wake that one.
CHAIN = {
    "crawl": "classify",
    "classify": "rapid-response",
    "rapid-response": "send-outbox",
    "digest": "send-outbox",
}


def holder_id() -> str:
    """Who holds the lock: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str) -> bool | None:
    """Whether the process named by `holder` ("host:pid[:...]") runs; None if on another host."""
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    try:
        os.kill(int(pid_text), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def acquire_lock(
    factory: sessionmaker[Session],
    holder: str,
    *,
    name: str = LOCK_NAME,
    now: dt.datetime | None = None,
    stale_after: dt.timedelta = STALE_AFTER,
) -> bool:
    """Take lock `name` if it is free, ours, or stale (its holder stopped beating and is gone).

    A holder on this machine whose process still runs keeps its lock however late its
    heartbeat (a step that blocked it, a suspended laptop): two cycles must never overlap.
    """
    now = now or utcnow()
    with factory.begin() as session:
        # Plain columns, not the ORM object: the UPDATE below must not sync it in Python.
        current = session.execute(
            select(SchedulerLock.holder, SchedulerLock.heartbeat_at).where(
                SchedulerLock.name == name
            )
        ).first()
        stale = current is not None and _aware(current.heartbeat_at) < now - stale_after
        if stale and current is not None and current.holder != holder:
            if holder_alive(current.holder):
                log.warning("lock %s: %s is late but alive; not taken over", name, current.holder)
                return False
        # One conditional UPDATE is atomic on SQLite and PostgreSQL alike; naming the stale
        # holder we looked at means a holder that beat in the meantime keeps its lock.
        takeover = (
            (SchedulerLock.holder == current.holder)
            & (SchedulerLock.heartbeat_at < now - stale_after)
            if stale and current is not None
            else false()
        )
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == name)
                .where((SchedulerLock.holder == holder) | takeover)
                .values(holder=holder, acquired_at=now, heartbeat_at=now)
            ),
        ).rowcount
        if taken:
            return True
        if current is not None:
            return False
    try:
        with factory.begin() as session:
            session.execute(
                insert(SchedulerLock).values(
                    name=name, holder=holder, acquired_at=now, heartbeat_at=now
                )
            )
        return True
    except IntegrityError:
        return False  # someone else holds a fresh lock


def _aware(value: dt.datetime) -> dt.datetime:
    """`value` with UTC attached when the database returned it naive (SQLite)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def heartbeat(
    factory: sessionmaker[Session],
    holder: str,
    now: dt.datetime | None = None,
    *,
    name: str = LOCK_NAME,
) -> bool:
    """Renew the lock; False when another process has taken it over."""
    with factory.begin() as session:
        result = cast(
            CursorResult[Any],
            session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == name, SchedulerLock.holder == holder)
                .values(heartbeat_at=now or utcnow())
            ),
        )
        return bool(result.rowcount)


def release_lock(factory: sessionmaker[Session], holder: str, *, name: str = LOCK_NAME) -> None:
    """Give the lock up (on a clean stop) so the next scheduler need not wait."""
    with factory.begin() as session:
        session.execute(
            delete(SchedulerLock).where(SchedulerLock.name == name, SchedulerLock.holder == holder)
        )


class KeepLock:
    """Renew a held lock from a thread while a long step (a crawl, an ingest) runs."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        holder: str,
        *,
        name: str = LOCK_NAME,
        every: dt.timedelta = HEARTBEAT,
    ):
        self.factory, self.holder, self.name = factory, holder, name
        self.every = every.total_seconds()
        self.lost = False  # set when another process took the lock over
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lock-{name}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not heartbeat(self.factory, self.holder, name=self.name):
                    self.lost = True
                    log.error("lock %s was taken over from %s", self.name, self.holder)
                    return
            except Exception:  # a database hiccup: try again at the next beat
                log.exception("could not renew lock %s", self.name)

    def __enter__(self) -> KeepLock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def create_scheduler(settings: Settings) -> BaseScheduler:
    """A scheduler whose persistent jobs live in the billwatch database; it works in a thread
    of its own."""
    return BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(
                engine=get_engine(settings.database_url), tablename=JOBSTORE_TABLE
            ),
            "local": MemoryJobStore(),  # the heartbeat belongs to this process only
        },
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": CRAWL_GRACE_S},
        timezone=settings.timezone,
    )


def _hhmm(value: str) -> tuple[int, int]:
    hour, minute = value.split(":")
    return int(hour), int(minute)


# Interval triggers start on a fixed grid: replacing a job at each restart would otherwise push
# its next run a whole interval away, and a process restarted often would never crawl.
GRID_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _every(**interval: int) -> IntervalTrigger:
    return IntervalTrigger(start_date=GRID_START, **interval)


def add_jobs(scheduler: BaseScheduler, settings: Settings, *, catch_up: bool = False) -> list[str]:
    """Add (or update) every job under its stable id; returns the ids.

    `catch_up` runs the pipeline and digest jobs once right away (see below).
    """
    ids = []
    for source in settings.crawl_sources:
        minutes = settings.crawl_intervals.get(source, settings.crawl_interval_minutes)
        job_id = f"crawl:{source}"
        scheduler.add_job(
            "billwatch.jobs:crawl_job",
            _every(minutes=minutes),
            args=[source],
            id=job_id,
            name=f"crawl {source} every {minutes} min",
            replace_existing=True,
            misfire_grace_time=CRAWL_GRACE_S,
        )
        ids.append(job_id)
    for job_id, func in (
        ("classify", "billwatch.jobs:classify_job"),
        ("rapid-response", "billwatch.jobs:alerts_job"),
    ):
        scheduler.add_job(
            func,
            _every(minutes=SAFETY_INTERVAL_MIN),
            id=job_id,
            name=job_id,
            replace_existing=True,
            misfire_grace_time=PIPELINE_GRACE_S,
        )
        ids.append(job_id)
    scheduler.add_job(
        "billwatch.jobs:send_job",
        _every(minutes=SEND_INTERVAL_MIN),
        id="send-outbox",
        name="send the outbox",
        replace_existing=True,
        misfire_grace_time=PIPELINE_GRACE_S,
    )
    ids.append("send-outbox")
    hour, minute = _hhmm(settings.digest_daily_time)
    scheduler.add_job(
        "billwatch.jobs:digest_job",
        CronTrigger(hour=hour, minute=minute, timezone=settings.timezone),
        args=["daily"],
        id="digest:daily",
        name="daily digests",
        replace_existing=True,
        misfire_grace_time=DIGEST_GRACE_S,
    )
    hour, minute = _hhmm(settings.digest_weekly_time)
    scheduler.add_job(
        "billwatch.jobs:digest_job",
        CronTrigger(
            day_of_week=settings.digest_weekly_day[:3].lower(),
            hour=hour,
            minute=minute,
            timezone=settings.timezone,
        ),
        args=["weekly"],
        id="digest:weekly",
        name="weekly digests",
        replace_existing=True,
        misfire_grace_time=DIGEST_GRACE_S,
    )
    ids += ["digest:daily", "digest:weekly"]
    if catch_up:
        # Replacing a job recomputes its next run from now, which would silently skip a digest
        # missed while the scheduler was down. Run the pipeline and digest jobs once at start
        # instead: a digest that is not due yet, or already queued for its period, does nothing.
        now = dt.datetime.now(dt.UTC)
        for job_id in (
            "classify",
            "rapid-response",
            "digest:daily",
            "digest:weekly",
            "send-outbox",
        ):
            scheduler.modify_job(job_id, next_run_time=now)
    # Sources removed from the settings lose their stored jobs.
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id.startswith("crawl:") and job.id not in ids:
            job.remove()
    return ids


def chain_listener(scheduler: BaseScheduler) -> Callable[[JobExecutionEvent], None]:
    """Wake the next step of the pipeline when a step finishes (even when it failed)."""

    def on_done(event: JobExecutionEvent) -> None:
        kind = event.job_id.split(":", 1)[0]
        following = CHAIN.get(kind)
        if following and scheduler.get_job(following):
            scheduler.modify_job(following, next_run_time=dt.datetime.now(dt.UTC))

    return on_done


def wire(
    scheduler: BaseScheduler, settings: Settings, holder: str, on_lost: Callable[[], None]
) -> None:
    """Add the jobs, the pipeline chain and the lock heartbeat."""
    add_jobs(scheduler, settings, catch_up=True)
    scheduler.add_listener(chain_listener(scheduler), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    factory = get_sessionmaker(settings.database_url)

    def beat() -> None:
        if not heartbeat(factory, holder):
            log.error("another scheduler took the lock: stopping")
            on_lost()

    scheduler.add_job(
        beat,
        IntervalTrigger(seconds=HEARTBEAT.total_seconds()),
        id="heartbeat",
        jobstore="local",
        replace_existing=True,
    )


def ingest_lock_name(source: str, holder: str) -> str:
    """The lock row an ingest of `source` holds while it runs (one per process, hashed to fit)."""
    digest = hashlib.sha256(holder.encode()).hexdigest()[:12]
    return f"ingest:{source}:{digest}"


def close_stale_runs(factory: sessionmaker[Session], source: str, holder: str) -> int:
    """Mark `running` crawl-run rows of `source` failed when no live process of it remains.

    Each ingest holds a lock row `ingest:<source>:...` renewed by its heartbeat; a row of a
    killed ingest stays `running` forever otherwise. Returns the number of rows closed.
    """
    now = utcnow()
    with factory.begin() as session:
        locks = session.scalars(
            select(SchedulerLock).where(SchedulerLock.name.startswith(f"ingest:{source}:"))
        ).all()
        live = False
        for lock in locks:
            if lock.holder == holder:
                continue
            alive = holder_alive(lock.holder)
            if alive is None:  # another host: trust its heartbeat
                alive = _aware(lock.heartbeat_at) >= now - STALE_AFTER
            if alive:
                live = True
            else:
                session.delete(lock)  # left behind by a killed ingest
        if live:
            return 0  # its running row may be that live ingest's
        runs = session.scalars(
            select(CrawlRun).where(
                CrawlRun.source == f"ingest:{source}", CrawlRun.status == "running"
            )
        ).all()
        for run in runs:
            run.status, run.finished_at = "failed", now
            run.health_reason = "stale: the ingest stopped without finishing (killed?)"
        return len(runs)


class LockHeld(RuntimeError):
    """Another scheduler runs against this database."""


def check_sources(settings: Settings) -> None:
    """ValueError naming the sources in the settings that no spider has (a typo, an old name)."""
    named = [*settings.crawl_sources, *settings.crawl_intervals, *settings.source_base_urls]
    unknown = sorted(set(named) - set(source_names()))
    if unknown:
        raise ValueError(
            f"unknown source {', '.join(map(repr, unknown))} in BILLWATCH_CRAWL_SOURCES,"
            f" _CRAWL_INTERVALS or _SOURCE_BASE_URLS; choose from {', '.join(source_names())}"
        )


def run(settings: Settings, *, blocking: bool = True, paused: bool = False) -> BaseScheduler:
    """Take the lock and start the scheduler (blocking runs until interrupted)."""
    check_sources(settings)  # before anything starts: a misnamed source would never crawl
    factory = get_sessionmaker(settings.database_url)
    holder = holder_id()
    if blocking:
        # A service manager stops us with SIGTERM: leave as on Ctrl-C, giving the lock back. The
        # handler comes before the lock, so a SIGTERM sent as soon as the lock shows is not fatal.
        previous = signal.signal(signal.SIGTERM, _terminate)
    scheduler = create_scheduler(settings)
    try:
        if not acquire_lock(factory, holder):
            raise LockHeld(
                "another billwatch scheduler holds the lock on this database "
                f"(it is taken over {STALE_AFTER} after its last heartbeat)"
            )

        def lost() -> None:
            scheduler.shutdown(wait=False)

        wire(scheduler, settings, holder, lost)
        log.info("scheduler started as %s", holder)
        scheduler.start(paused=paused)
        if blocking:
            _wait_while_running(scheduler)
    finally:
        if blocking:
            signal.signal(signal.SIGTERM, previous)
            if scheduler.running:
                scheduler.shutdown(wait=False)
            release_lock(factory, holder)  # removes our own row only, if we took it
            log.info("scheduler stopped; lock released")
    return scheduler


def _wait_while_running(scheduler: BaseScheduler) -> None:
    """Sleep in the main thread until the scheduler stops (its lock lost) or a signal comes.

    Ctrl-C and SIGTERM raise in the main thread wherever it is: here, never inside APScheduler,
    which swallows any exception raised while it submits a job (so a SIGTERM sent as the
    catch-up jobs started was lost, and the process never stopped).
    """
    while scheduler.running:
        time.sleep(0.5)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(0)
