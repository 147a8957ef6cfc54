"""Templates: escaping, a call script per ALERT tag, and the HTML digest in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from alerts.compose import compose_digests
from alerts.render import TEMPLATES, environment, message_id
from classifier.taxonomy import ALERT_TAGS
from tests.alerts.conftest import NOW, advance_sb5, amend_hb10, build_world, settings_for, subscribe

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


def test_every_alert_tag_has_a_call_script():
    for tag in ALERT_TAGS:
        assert (TEMPLATES / "call_scripts" / f"{tag}.txt.j2").is_file(), tag


def test_html_templates_autoescape_and_text_ones_do_not():
    env = environment("UTC")
    assert env.autoescape("digest.html.j2") and not env.autoescape("digest.txt.j2")


def test_message_id_is_stable_per_key():
    a = message_id("digest:1:daily:2026-03-03", "x <a@coalition.example>")
    assert a == message_id("digest:1:daily:2026-03-03", "x <a@coalition.example>")
    assert a != message_id("digest:1:daily:2026-03-04", "x <a@coalition.example>")
    assert a.endswith("@coalition.example>")


@pytest.mark.chromium
def test_html_digest_renders_in_headless_chromium(sqlite_url, tmp_path: Path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: the rendering check needs /usr/bin/chromium")
    from billwatch.db.session import get_sessionmaker

    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    build_world(Session, title="Relating to <script>document.title='owned'</script> loitering")
    amend_hb10(Session)
    advance_sb5(Session)
    subscribe(Session, "a@freedom.example", name="Ana")
    with Session.begin() as s:
        done = compose_digests(s, "daily", NOW, settings_for(sqlite_url), preview=tmp_path)
    page = done.previews[0]
    shot = tmp_path / "digest.png"
    # A phone-sized window: the digest must lay out at 420 px.
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=420,1200",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
        text=True,
    ).stdout
    assert "owned" not in dom.split("<title>", 1)[1].split("</title>", 1)[0]  # never ran
    assert "&lt;script&gt;" in dom
