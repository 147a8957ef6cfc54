"""Docs are tested: every table, view, tag and CLI command is documented."""

from __future__ import annotations

import re

import typer.main

from billwatch.cli import app
from billwatch.db.models import Base
from billwatch.taxonomy import TAGS
from tests.conftest import ROOT


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_command(group)
    names = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        names.append(f"{prefix}{name}")
        for sub in getattr(command, "commands", {}):
            names.append(f"{prefix}{name} {sub}")
    return names


def test_every_table_and_view_is_documented():
    doc = (ROOT / "docs" / "data-model.md").read_text()
    documented = set(re.findall(r"^### `(\w+)`", doc, re.M))
    assert set(Base.metadata.tables) <= documented
    assert {"bill_overview", "tag_evidence"} <= documented


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _commands(app) if f"billwatch {c}" not in readme]
    assert missing == []


def test_every_tag_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert [t for t in TAGS if f"`{t}`" not in readme] == []
