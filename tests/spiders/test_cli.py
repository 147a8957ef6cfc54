"""`billwatch crawl` and `billwatch status`."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import CrawlRun
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import upsert_bill
from billwatch.demo.replay import ReplayServer
from billwatch.records import ActionRecord, BillRecord
from billwatch.settings import get_settings
from tests.spiders.conftest import legiscan_data


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_crawl_prints_a_summary_table(
    server: ReplayServer, sqlite_url: str, runner: CliRunner
) -> None:
    server.data = legiscan_data()
    result = runner.invoke(
        app, ["crawl", "legiscan", "--state", "ar", "--base-url", server.base_urls["legiscan"]]
    )
    assert result.exit_code == 0, result.output
    assert "crawl run 1: legiscan" in result.output
    assert "items: bill" in result.output and "ok" in result.output
    assert server.log.count("/legiscan/", op="getSessionList", state="AR") == 1
    result = runner.invoke(
        app, ["crawl", "legiscan", "--state", "WY", "--base-url", server.base_urls["legiscan"]]
    )
    assert result.exit_code == 1  # an unhealthy run
    assert "no items: the listings returned nothing" in result.output


def test_crawl_without_a_key_or_with_a_bad_source_fails_clearly(
    sqlite_url: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONGRESS_API_KEY", raising=False)
    get_settings.cache_clear()
    result = runner.invoke(app, ["crawl", "congress"])
    assert result.exit_code == 2
    assert "CONGRESS_API_KEY is not set" in result.output
    result = runner.invoke(app, ["crawl", "ohio"])
    assert result.exit_code == 2 and "unknown source 'ohio'" in result.output
    result = runner.invoke(app, ["crawl", "people", "--since", "yesterday"])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_status_shows_last_good_runs_and_freshness(sqlite_url: str, runner: CliRunner) -> None:
    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    with Session() as session:
        upsert_bill(
            session,
            BillRecord(
                "OH",
                "2025-2026",
                "HB 12",
                title="A bill",
                actions=[ActionRecord(dt.date(2026, 11, 1), "Introduced")],
            ),
        )
        session.add(
            CrawlRun(
                source="legiscan",
                status="ok",
                items={"bill": 12},
                requests=40,
                started_at=dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC),
                finished_at=dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC),
            )
        )
        session.add(
            CrawlRun(
                source="legiscan",
                status="unhealthy",
                health_reason="no items",
                started_at=dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC),
                finished_at=dt.datetime(2026, 11, 26, 5, 1, tzinfo=dt.UTC),
            )
        )
        session.commit()
    with time_machine.travel(dt.datetime(2026, 11, 26, 6, 0, tzinfo=dt.UTC), tick=False):
        result = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    legiscan = next(line for line in lines if "legiscan" in line)
    assert "2026-11-25 06:00" in legiscan and "24 h" in legiscan
    assert "latest unhealthy: no items" in legiscan
    assert "never run" in next(line for line in lines if "congress" in line)
    ohio = next(line for line in lines if "│ OH" in line)
    assert "2026-11-01" in ohio and "25 d" in ohio
