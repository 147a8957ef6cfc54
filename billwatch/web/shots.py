"""Render workbench pages to PNG with headless Chromium (for `make demo`)."""

from __future__ import annotations

import secrets
import shutil
import socket
import threading
import time
from pathlib import Path

import uvicorn
from sqlalchemy import select, text

from billwatch.db.models import User
from billwatch.db.session import get_sessionmaker
from billwatch.web.app import create_app
from billwatch.web.security import create_user

CHROMIUM = "/usr/bin/chromium"


def render_pages(url: str, out: Path, chromium: str = CHROMIUM) -> list[Path]:
    """The dashboard and the first ALERT bill (else any bill) of the database at `url` as PNGs."""
    if not Path(chromium).exists() and not shutil.which("chromium"):
        raise FileNotFoundError(f"no chromium at {chromium}")
    from playwright.sync_api import sync_playwright

    factory = get_sessionmaker(url)
    password = secrets.token_urlsafe(16)
    with factory.begin() as session:
        user = session.scalar(select(User).where(User.email == "demo-viewer@example.org"))
        if user is not None:
            session.delete(user)
            session.flush()
        create_user(session, "demo-viewer@example.org", password, "viewer", "demo")
        bill_id = session.execute(
            text(
                "SELECT bill_id FROM bill_overview ORDER BY stance IN ('ALERT', 'mixed') DESC,"
                " bill_id LIMIT 1"
            )
        ).scalar()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(factory, secrets.token_urlsafe(32), secure_cookies=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    base, shots = f"http://127.0.0.1:{port}", []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login?next=%2Fdashboard")
            page.fill("input[name=email]", "demo-viewer@example.org")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url("**/dashboard")
            targets = [("dashboard", "/dashboard")]
            if bill_id is not None:
                targets.append(("bill", f"/bills/{bill_id}"))
            for name, path in targets:
                page.goto(base + path)
                shot = out / f"workbench-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                shots.append(shot)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
        with factory.begin() as session:
            user = session.scalar(select(User).where(User.email == "demo-viewer@example.org"))
            if user is not None:
                session.delete(user)
    return shots
