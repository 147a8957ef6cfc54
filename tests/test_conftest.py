"""Tests that need ../shared skip on a laptop without it, but fail in CI (CI=true)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
from tests.conftest import shared_path

def test_needs_shared():
    shared_path("no-such-folder-here")
"""


def _pytest(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    """Run a probe test that needs a missing ../shared path, with CI set to `ci`."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
        cwd=ROOT,  # so that `tests.conftest` is importable
        env={**os.environ, "CI": ci},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_shared_folder_skips_outside_ci(tmp_path):
    result = _pytest(tmp_path, "")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_a_missing_shared_folder_fails_in_ci(tmp_path):
    result = _pytest(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout and "CI=true: required" in result.stdout
