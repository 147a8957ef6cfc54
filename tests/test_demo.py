"""`make demo`: the main job on the replayed sample bundle, and its date shifting."""

from __future__ import annotations

import email
import subprocess
import sys
from email import policy
from pathlib import Path

from billwatch.demo.__main__ import shift_dates


def test_shift_dates_moves_iso_dates_only(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "bill.json").write_text(
        '{"date": "2026-11-30", "when": "2026-12-08T11:00", "session": "2025-2026",'
        ' "id": "12026-11-300", "bad": "2026-02-30"}'
    )
    (source / "doc.html").write_text("2026-11-30")
    shift_dates(source, tmp_path / "out", 14)
    assert (tmp_path / "out" / "bill.json").read_text() == (
        '{"date": "2026-12-14", "when": "2026-12-22T11:00", "session": "2025-2026",'
        ' "id": "12026-11-300", "bad": "2026-02-30"}'
    )
    assert (tmp_path / "out" / "doc.html").read_text() == "2026-11-30"


def test_make_demo_runs_the_main_job(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "billwatch.demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in (tmp_path / "demo-out" / "outbox").rglob("*.eml")
    ]
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert any(s.startswith("ACTION NEEDED: OH HB 611") for s in subjects), subjects
    assert any("daily digest" in s for s in subjects), subjects
    assert len(list((tmp_path / "demo-out" / "preview").glob("*.html"))) == len(messages)
    # The workbench's pages as PNG (headless Chromium) and the command that serves it.
    if Path("/usr/bin/chromium").exists():
        for name in ("dashboard", "bill"):
            assert (tmp_path / "demo-out" / f"workbench-{name}.png").stat().st_size > 10_000
    assert "billwatch serve" in result.stdout
