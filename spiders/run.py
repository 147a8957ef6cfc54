"""Run one crawl in a child process (Twisted's reactor cannot restart) and return its summary.

`run_crawl()` is what the CLI and the scheduler call: each crawl runs in a fresh child forked
from a fork server that has Scrapy and billwatch imported already (so a crawl starts in tens of
milliseconds, not seconds), writes its crawl-run row and sends its summary back through a pipe.
`python -m spiders.run SOURCE ...` runs one crawl in the current process, by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import us

from billwatch.redact import redact
from billwatch.settings import Settings, get_settings
from spiders.registry import UnknownSpider, source_names, spider_class, spider_classes

DUMMY_KEY = "replay-dummy-key"


class CrawlError(RuntimeError):
    """A crawl that could not start or did not finish; the message says why."""


def is_local(url: str | None) -> bool:
    """Whether `url` points at this machine (a replay server), where no real key is needed."""
    host = urlsplit(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def settings_field(variable: str) -> str:
    """The Settings attribute read from environment variable `variable` (its alias)."""
    for name, info in Settings.model_fields.items():
        if info.alias == variable:
            return name
    raise LookupError(f"no setting reads {variable}")


def resolve_key(source: str, base_url: str | None) -> str:
    """The API key of `source` from settings, a dummy one for a local server, else CrawlError."""
    spider = spider_class(source)
    if spider.api_key_env is None:
        return ""
    secret = getattr(get_settings(), settings_field(spider.api_key_env))
    if secret is not None and secret.get_secret_value():
        return str(secret.get_secret_value())
    if is_local(base_url):
        return DUMMY_KEY
    raise CrawlError(
        f"{spider.api_key_env} is not set: the {source} API needs a key"
        f" (get one at {spider.api_key_url}), or point --base-url at a local replay server"
    )


def default_states(source: str) -> list[str]:
    """States a crawl covers when none are given: settings.states, else every state and DC."""
    fixed = spider_class(source).fixed_states
    if fixed:
        return list(fixed)
    configured = [s.upper() for s in get_settings().states]
    return configured or [s.abbr for s in us.STATES] + ["DC"]


def check_source(source: str) -> None:
    """CrawlError unless `source` names a spider."""
    try:
        spider_class(source)
    except UnknownSpider as exc:
        raise CrawlError(str(exc)) from None


# Modules a crawl child needs, imported once by the fork server instead of by every child.
# None of them installs a Twisted reactor, so each child still installs its own.
PRELOAD = [
    "scrapy.crawler",
    "scrapy.core.downloader.handlers.http11",
    "sqlalchemy.orm",
    "billwatch.db.models",
    "billwatch.db.session",
    "billwatch.text",
    "spiders.monitor",
    "spiders.registry",
]
_context: Any = None


def _fork_context() -> Any:
    """A forkserver context: each crawl is a fresh child forked from a clean, preloaded server."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(
            [*PRELOAD, *(c.__module__ for c in spider_classes().values())]
        )
    return _context


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Hide the caller's __main__ while a child starts, so the child does not re-run it.

    multiprocessing re-imports the parent's main script in every child; a crawl needs nothing
    from it, and a script without a `__name__` guard (or code read from stdin) would break.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _child(argv: list[str], environ: dict[str, str], conn: Any) -> None:
    """The crawl child: the caller's environment, one crawl, its summary sent back."""
    os.environ.clear()
    os.environ.update(environ)
    get_settings.cache_clear()
    from spiders import monitor

    monitor.PROGRESS_SINK = conn.send
    try:
        conn.send(("summary", crawl_here(_arguments(argv))))
    except Exception as exc:  # reported to the parent, which raises CrawlError
        conn.send(("error", redact(str(exc))))
    finally:
        conn.close()


def run_crawl(
    source: str,
    *,
    states: list[str] | None = None,
    since: dt.date | None = None,
    base_url: str | None = None,
    database_url: str | None = None,
    settings: dict[str, Any] | None = None,
    sessions: list[str] | None = None,
    on_progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, Any]:
    """Run one crawl in a child process; returns the crawl-run summary (id, status, counts)."""
    check_source(source)
    resolve_key(source, base_url)  # fail before starting anything
    with tempfile.TemporaryDirectory(prefix="billwatch-crawl-") as tmp:
        log_path = Path(tmp) / "crawl.log"
        argv = [source, "--settings", json.dumps({"LOG_FILE": str(log_path), **(settings or {})})]
        for state in states or []:
            argv += ["--state", state]
        for session in sessions or []:
            argv += ["--session", session]
        if since:
            argv += ["--since", since.isoformat()]
        if base_url:
            argv += ["--base-url", base_url]
        if database_url:
            argv += ["--database-url", database_url]
        if on_progress:
            argv += ["--progress"]
        context = _fork_context()
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_child, args=(argv, dict(os.environ), send), name=f"crawl-{source}"
        )
        with _without_main():
            child.start()
        send.close()
        summary, error, run_id = None, None, None
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError:
                break
            if kind == "run":
                run_id = payload["id"]
            elif kind == "progress" and on_progress:
                on_progress(payload)
            elif kind == "summary":
                summary = payload
            elif kind == "error":
                error = payload
        receive.close()
        child.join()
        if summary is None:
            reason = error or f"the crawl process exited with code {child.exitcode}"
            if run_id is not None:
                mark_failed(run_id, reason, database_url)
            tail = []
            if log_path.exists():
                tail = log_path.read_text("utf-8", "replace").strip().splitlines()[-10:]
            # The log tail and the child's error may quote a request URL with its key.
            raise CrawlError(
                redact(
                    f"the {source} crawl failed: {reason}"
                    + ("\n" + "\n".join(tail) if tail else "")
                )
            )
        merge_people_after(database_url)
        return summary


def merge_people_after(database_url: str | None) -> None:
    """One person per legislator after each crawl, as after each bulk ingest."""
    from billwatch.db.people import merge_after_load
    from billwatch.db.session import get_sessionmaker

    merge_after_load(get_sessionmaker(database_url))


def mark_failed(run_id: int, reason: str, database_url: str | None) -> None:
    """Close the crawl-run row of a child that died before it could."""
    from billwatch.db.models import CrawlRun, utcnow
    from billwatch.db.session import session_scope

    with session_scope(database_url) as session:
        run = session.get(CrawlRun, run_id)
        if run is not None and run.status == "running":
            run.status, run.health_reason, run.finished_at = "failed", redact(reason), utcnow()


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description=__doc__)
    parser.add_argument("source", choices=source_names())
    parser.add_argument("--state", action="append", default=[])
    parser.add_argument("--session", action="append", default=[])
    parser.add_argument("--since", type=dt.date.fromisoformat)
    parser.add_argument("--base-url")
    parser.add_argument("--database-url")
    parser.add_argument("--settings", default="{}", help="Scrapy setting overrides as JSON")
    parser.add_argument("--summary-file", type=Path)
    parser.add_argument("--progress", action="store_true")
    return parser.parse_args(argv)


def crawl_here(args: argparse.Namespace) -> dict[str, Any]:
    """Run the crawl in this process (once: the reactor cannot restart); returns the summary."""
    from scrapy.crawler import CrawlerProcess

    from billwatch.db.session import check_schema
    from spiders.base import hide_keys_in_logs
    from spiders.settings import build_settings

    database_url = args.database_url or get_settings().database_url
    check_schema(database_url)  # the schema is migrated by `billwatch db upgrade`, never here
    key = resolve_key(args.source, args.base_url)
    # A replay server on this machine needs no politeness delays; given settings still win.
    local = (
        {"AUTOTHROTTLE_START_DELAY": 0.05, "DOWNLOAD_DELAY": 0} if is_local(args.base_url) else {}
    )
    overrides = {**local, **json.loads(args.settings)}
    if args.progress:
        overrides["BILLWATCH_PROGRESS"] = True
    process = CrawlerProcess(build_settings(overrides))
    hide_keys_in_logs(key)
    spider = spider_class(args.source)
    crawler = process.create_crawler(spider)
    # Single-jurisdiction sources ignore the states asked for (a scheduler passes its list).
    states = list(spider.fixed_states) or args.state or default_states(args.source)
    process.crawl(
        crawler,
        base_url=args.base_url,
        states=states,
        sessions=args.session,
        since=args.since,
        api_key=key,
        database_url=database_url,
    )
    process.start()
    summary = getattr(crawler, "billwatch_summary", None)
    if summary is None:
        raise CrawlError("the crawl stopped before it could record its run")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child process."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        summary = crawl_here(args)
    except Exception as exc:  # reported to the parent through stderr and the exit code
        sys.stderr.write(f"error: {redact(str(exc))}\n")
        return 2
    if args.summary_file:
        args.summary_file.write_text(json.dumps(summary))
    else:
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
