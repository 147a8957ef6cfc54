"""API keys never leave in a redirect, an error sample, a summary or a log (#11 §1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from billwatch.db.models import CrawlRun
from billwatch.db.session import get_sessionmaker
from billwatch.settings import get_settings
from spiders.base import BillwatchSpider
from spiders.middlewares import RefusedRedirect, SafeRedirectMiddleware
from spiders.run import run_crawl
from tests.hostile.conftest import Host, serve

KEY = "k3y-0f-the-congress-api-4242"
FAST = {"AUTOTHROTTLE_START_DELAY": 0.01, "DOWNLOAD_DELAY": 0, "RETRY_BACKOFF_BASE": 0.05}


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A real-looking congress.gov key in the settings."""
    monkeypatch.setenv("CONGRESS_API_KEY", KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def redirecting_to(target: Host) -> Host:
    """A host that sends every request on to `target`, with a key parameter in the URL."""
    return Host(lambda path: (302, {"Location": f"{target.root}{path}&key={KEY}"}, b""))


def test_a_keyed_api_request_redirected_to_another_host_is_refused(
    sqlite_url: str, other_host: Host, keyed: None, tmp_path: Path
) -> None:
    log = tmp_path / "crawl.log"
    for api in serve(redirecting_to(other_host)):
        summary = run_crawl(
            "congress",
            base_url=api.root,
            database_url=sqlite_url,
            settings={**FAST, "LOG_FILE": str(log), "LOG_LEVEL": "DEBUG"},
        )
        assert api.seen and api.seen[0][1].get("X-Api-Key") == KEY  # the API itself gets it
    assert other_host.seen == []  # the key never reached the other host
    reasons = [e["reason"] for e in summary["error_samples"]]
    assert reasons and all("refused a redirect" in r for r in reasons), reasons
    assert "127.0.0.1" in reasons[0]
    assert summary["status"] != "ok"
    assert KEY not in json.dumps(summary) and KEY not in log.read_text()
    with get_sessionmaker(sqlite_url)() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert KEY not in json.dumps(run.error_samples) + (run.health_reason or "")


def _redirect(request: Request, location: str) -> Request | Response:
    crawler = get_crawler(BillwatchSpider, {"LOG_LEVEL": "ERROR"})
    crawler.spider = BillwatchSpider.from_crawler(crawler, name="t")
    middleware = SafeRedirectMiddleware.from_crawler(crawler)
    response = Response(request.url, status=302, headers={"Location": location}, request=request)
    return middleware.process_response(request, response)


def test_a_site_request_redirected_to_another_host_loses_its_credentials() -> None:
    request = Request(
        "http://127.0.0.1:8001/doc?id=1&api_key=abc",
        headers={"X-Api-Key": "abc", "Authorization": "Bearer abc"},
    )
    redirected = _redirect(request, "http://127.0.0.1:8002/doc?id=1&key=abc&token=abc")
    assert isinstance(redirected, Request)
    assert redirected.url == "http://127.0.0.1:8002/doc?id=1"
    assert not any(redirected.headers.get(h) for h in ("X-Api-Key", "Authorization"))


def test_a_same_host_redirect_keeps_the_key() -> None:
    request = Request(
        "http://127.0.0.1:8001/v3/bill?key=abc",
        headers={"X-Api-Key": "abc"},
        meta={"api_request": True},
    )
    redirected = _redirect(request, "/v3/bill/?key=abc")
    assert isinstance(redirected, Request)
    assert redirected.url == "http://127.0.0.1:8001/v3/bill/?key=abc"
    assert redirected.headers.get("X-Api-Key") == b"abc"


@pytest.mark.parametrize("location", ["http://127.0.0.1:8002/", "https://127.0.0.1:8001/"])
def test_an_api_redirect_to_another_port_or_scheme_is_refused(location: str) -> None:
    request = Request(
        "http://127.0.0.1:8001/v3/bill", headers={"X-Api-Key": "abc"}, meta={"api_request": True}
    )
    with pytest.raises(RefusedRedirect, match="refused a redirect"):
        _redirect(request, location)


def test_a_timeout_reason_quoting_the_url_is_stored_without_the_key(keyed: None) -> None:
    crawler = get_crawler(BillwatchSpider, {"LOG_LEVEL": "ERROR"})
    spider = BillwatchSpider.from_crawler(crawler, name="t", api_key="another-key-77")
    url = f"http://127.0.0.1:1/?key={KEY}&op=getBill"
    spider.report_error(
        url, f"TimeoutError: Getting {url} took longer than 60.0 seconds (another-key-77)"
    )
    stored = json.dumps(spider.error_samples)
    assert KEY not in stored and "another-key-77" not in stored
    assert "[REDACTED]" in stored and "took longer than 60.0 seconds" in stored
