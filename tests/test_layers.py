"""The layers hold: the import contract is kept and covers every module of billwatch."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import billwatch
from tests.conftest import ROOT


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return contract["layers"]


def _modules(layer: str) -> set[str]:
    return {m.strip() for part in layer.split("|") for m in part.split(":")}


def test_the_import_contract_is_kept():
    # In a child process: the graph is built from the files, not from what tests imported.
    done = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache"],
        cwd=ROOT,  # import-linter reads pyproject.toml from the working directory
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_billwatch_module_is_in_a_layer():
    # A new billwatch/<module> outside the contract would be free to import anything.
    placed = set().union(*map(_modules, _layers()))
    found = {f"billwatch.{m.name}" for m in pkgutil.iter_modules(billwatch.__path__)}
    assert found - placed == set()
    assert {"spiders", "classifier", "alerts"} <= placed


def test_the_middle_layer_is_independent_and_the_core_at_the_bottom():
    top, middle, core = _layers()
    assert middle.replace(" ", "") == "spiders|classifier|alerts"
    assert {"billwatch.db", "billwatch.ingest", "billwatch.taxonomy"} <= _modules(core)
    assert {"billwatch.cli", "billwatch.jobs", "billwatch.scheduler"} <= _modules(top)
