"""Data printed by show, search, export, crawl and status is literal: no markup, no escapes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from billwatch.cli import app, export_cmds
from billwatch.cli.crawl_cmds import run_row, summary_table
from billwatch.cli.crawl_cmds import table as make_table
from billwatch.db.models import CrawlRun
from billwatch.db.store import upsert_bill
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord

runner = CliRunner()
TITLE = "Trafficking act [/] closing [bold]x[/bold] \x1b[2J\x1b]8;;http://evil.example\x07link"
CLEAR, OSC8 = "\x1b[2J", "\x1b]8;;"


def hostile_bill() -> BillRecord:
    return BillRecord(
        jurisdiction="CA",
        session="2025-2026",
        identifier="AB 7",
        title=TITLE,
        versions=[
            VersionRecord(
                note="Intro [/]", date=dt.date(2025, 2, 1), text="trafficking [/] text here"
            )
        ],
        actions=[
            ActionRecord(
                date=dt.date(2025, 2, 1),
                description="Read [red]first[/] time \x1b[31m",
                organization="lower [/]",
            )
        ],
        sponsors=[SponsorRecord(name="Zed [/] x")],
    )


@pytest.fixture
def stored(Session):
    with Session.begin() as session:
        upsert_bill(session, hostile_bill())
    return Session


def test_show_prints_a_title_with_markup_literally(stored) -> None:
    result = runner.invoke(app, ["show", "AB 7", "--state", "CA"])
    assert result.exit_code == 0, result.output
    assert "Trafficking act [/] closing [bold]x[/bold]" in result.output
    assert "Zed [/] x" in result.output and "Read [red]first[/] time" in result.output
    assert CLEAR not in result.output and OSC8 not in result.output
    assert "\x1b[31m" not in result.output


def test_search_prints_titles_and_passages_literally(stored) -> None:
    result = runner.invoke(app, ["search", "trafficking"])
    assert result.exit_code == 0, result.output
    assert "Trafficking act [/] closing" in result.output
    assert CLEAR not in result.output and OSC8 not in result.output


def test_a_missing_bill_named_with_markup_is_an_error_not_a_crash(stored) -> None:
    result = runner.invoke(app, ["show", "[/] \x1b[2J"])
    assert result.exit_code == 1 and "no bill '[/] " in result.output
    assert CLEAR not in result.output


def test_export_to_a_terminal_strips_control_sequences(stored, monkeypatch) -> None:
    monkeypatch.setattr(export_cmds, "terminal_filter", lambda: export_cmds.strip_control)
    result = runner.invoke(app, ["export", "--format", "csv"])
    assert result.exit_code == 0 and "Trafficking act [/] closing" in result.output
    assert "\x1b" not in result.output


def test_export_to_a_file_keeps_the_data_whole(stored) -> None:
    result = runner.invoke(app, ["export"])  # CliRunner's output is not a terminal
    assert json.loads(result.output.splitlines()[0])["title"] == TITLE


def _printed(renderable) -> str:
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_a_crawl_summary_quoting_an_error_page_title_prints(monkeypatch) -> None:
    monkeypatch.setenv("LEGISCAN_API_KEY", "secret-legiscan-key-1")
    summary = {
        "id": 3,
        "source": "legiscan",
        "status": "unhealthy",
        "health_reason": "error ratio 1.00 [/]",
        "states": ["CA"],
        "requests": 2,
        "items": {},
        "errors": 1,
        "error_samples": [
            {
                "url": "http://x/?key=secret-legiscan-key-1",
                "reason": "expected JSON, got an HTML page ('Down [/] \x1b[2J for [b]maintenance')",
            }
        ],
    }
    text = _printed(summary_table(summary))
    assert "('Down [/]  for [b]maintenance')" in text and "error ratio 1.00 [/]" in text
    assert "secret-legiscan-key-1" not in text


def test_a_status_row_quoting_an_error_prints() -> None:
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    latest = CrawlRun(source="legiscan", status="failed", health_reason="HTML [/] page")
    good = CrawlRun(
        source="legiscan", status="ok", started_at=now, finished_at=now, requests=1, errors=0
    )
    row = run_row("legiscan", latest, good, now)
    text = _printed(make_table("t", tuple(str(i) for i in range(len(row))), [row]))
    assert "latest failed: HTML [/] page" in text


def test_a_ten_thousand_word_query_is_refused_clearly(stored) -> None:
    result = runner.invoke(app, ["search", " ".join(["trafficking"] * 10_000)])
    assert result.exit_code == 2
    assert "too long" in result.output and "at most 500 characters and 32 words" in result.output


def test_a_query_of_many_short_words_is_refused_too(stored) -> None:
    result = runner.invoke(app, ["search", " ".join("a" * 40)])
    assert result.exit_code == 2 and "40 words" in result.output
