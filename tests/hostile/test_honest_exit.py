"""`run --once` whose crawl got an HTML page instead of JSON says so and exits 1 (#11 §7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.settings import get_settings
from tests.hostile.conftest import Host, serve

PAGE = b"<html><head><title>Down [/] for maintenance</title></head><body>sorry</body></html>"


@pytest.fixture
def html_instead_of_json() -> Host:
    """congress.gov answering every request with an HTML error page."""
    yield from serve(Host(lambda path: (200, {"Content-Type": "text/html"}, PAGE)))


def test_run_once_with_a_crawl_that_got_html_exits_1_and_prints_why(
    sqlite_url: str, html_instead_of_json: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLWATCH_SMTP_URL", f"file://{tmp_path / 'mail'}")
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app,
        ["run", "--once", "--no-send", "--source", f"congress={html_instead_of_json.root}"],
        catch_exceptions=False,
    )
    get_settings.cache_clear()
    assert html_instead_of_json.seen  # the crawl really ran against the server
    assert result.exit_code == 1, result.output
    assert "{}" not in result.output
    assert "expected JSON, got an HTML page ('Down [/] for maintenance')" in result.output
    assert "some steps failed" in result.output
