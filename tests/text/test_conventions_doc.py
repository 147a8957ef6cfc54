"""The drafting-conventions page lists every row of conventions.yaml with the same marks."""

from __future__ import annotations

import re

from billwatch.text.conventions import MARKS, table
from tests.conftest import ROOT


def test_every_jurisdiction_is_documented_with_its_marks() -> None:
    doc = (ROOT / "docs" / "drafting-conventions.md").read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| ([A-Z]{2}) \|.*$", doc, re.M)}
    assert len(table()) == 52  # 50 states, DC and Congress
    for code, row in table().items():
        assert code in rows, code
        pdf = row.formats["pdf"]
        cell = ", ".join(sorted(pdf.inserted)) + " / " + ", ".join(sorted(pdf.struck))
        assert f"| {cell} |" in rows[code], (code, cell)


def test_every_mark_is_explained() -> None:
    doc = (ROOT / "docs" / "drafting-conventions.md").read_text()
    assert [m for m in sorted(MARKS) if f"| `{m}` |" not in doc] == []
