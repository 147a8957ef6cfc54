"""The main flows in Debian's headless Chromium via Playwright, screenshotted at two widths."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from billwatch.web.app import create_app
from tests.conftest import missing
from tests.web.conftest import PASSWORDS, SECRET

CHROMIUM = os.environ.get("BILLWATCH_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.chromium


@pytest.fixture
def server(shared_db) -> Iterator[str]:
    """The workbench on the shared database, under uvicorn on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(shared_db[0], SECRET, secure_cookies=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    """Headless Chromium from the system (no downloaded browser build)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing(f"no chromium at {CHROMIUM}: install Debian's chromium for browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def check(page, folder: Path, name: str) -> None:
    """Screenshots at 1280 and 390 px: something is drawn, nothing overflows sideways."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        shot = folder / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5000, f"{shot} looks blank"
        assert page.evaluate("document.body.innerText.trim().length") > 50
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} overflows by {overflow} px at {width}"


def test_main_flows(server, browser, ro, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/search")
    page.fill("input[name=email]", "reviewer@example.org")
    page.fill("input[name=password]", PASSWORDS["reviewer"])
    page.click("button[type=submit]")
    page.wait_for_url("**/search")
    check(page, tmp_path, "search")
    page.click("aside a:text-is('CA')")
    assert page.inner_text("#total") == "1"
    assert "state=CA" in page.url
    page.click("a.ident")
    assert "AB 1" in page.inner_text("h1")
    check(page, tmp_path, "bill")
    page.click("form.compare button")
    assert page.locator("#diff").count() == 1
    assert page.locator(".billtext del").count() >= 1
    check(page, tmp_path, "diff")
    page.goto(f"{server}/dashboard")
    check(page, tmp_path, "dashboard")
    page.goto(f"{server}/review")
    check(page, tmp_path, "review")
    first = page.get_attribute(".card", "data-tag")
    with page.expect_navigation():
        page.keyboard.press("c")  # confirm the focused (least certain) tag by keyboard
    assert page.get_attribute(".card", "data-tag") != first
    assert errors == []  # the CSP blocked nothing the pages need
