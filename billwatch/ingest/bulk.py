"""What every source's bulk ingest shares: reading its paths, attaching a text to a stored bill."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from billwatch.ingest.inputs import Input, collect
from billwatch.ingest.runner import Ingester
from billwatch.records import VersionRecord

Total = Callable[[int], None]  # told the number of inputs once a source has listed them


def attach_version(ing: Ingester, bill_id: int, version: VersionRecord, path: str) -> None:
    """Add a version's text to a stored bill, filling the placeholder its link left."""
    ing.text(bill_id, version, path)


def collect_all(ing: Ingester, paths: Sequence[Path], suffixes: list[str]) -> list[Input]:
    """The inputs of every path; a path that cannot be read at all is reported and skipped."""
    inputs: list[Input] = []
    for path in paths:
        with ing.guard(str(path)):
            inputs.extend(collect(Path(path), suffixes, ing.resources))
    return inputs
