"""Inter-annotator agreement: per-tag Cohen's kappa between the corpus labels and a blind pass."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from billwatch.taxonomy import TAGS

MAX_LINE_CHARS = 100_000  # a label line is an id and a few tags


class AgreementError(ValueError):
    """A second-pass file that cannot be read: the message names the file and line."""


@dataclass(frozen=True)
class TagAgreement:
    """Agreement on one tag over the passages both passes labelled."""

    tag: str
    both: int  # passages both passes gave the tag
    first_only: int
    second_only: int
    neither: int
    kappa: float | None  # None when both passes never (or always) give the tag

    @property
    def observed(self) -> float:
        """Share of passages where the two passes agree on this tag."""
        n = self.both + self.first_only + self.second_only + self.neither
        return (self.both + self.neither) / n if n else 0.0


def cohen_kappa(both: int, first_only: int, second_only: int, neither: int) -> float | None:
    """Cohen's kappa of a 2x2 agreement table; None when chance agreement is total."""
    n = both + first_only + second_only + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    p_first = (both + first_only) / n
    p_second = (both + second_only) / n
    chance = p_first * p_second + (1 - p_first) * (1 - p_second)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def read_labels(path: Path) -> dict[str, set[str]]:
    """{id: labels} from a JSONL file of {"id", "labels"} objects, every tag checked."""
    labels: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            where = f"{path}:{number}"
            if len(line) > MAX_LINE_CHARS:
                raise AgreementError(f"{where}: line longer than {MAX_LINE_CHARS} characters")
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AgreementError(f"{where}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                raise AgreementError(f"{where}: expected an object with a string 'id'")
            tags = row.get("labels")
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise AgreementError(f"{where}: 'labels' must be a list of tag names")
            unknown = sorted(set(tags) - set(TAGS))
            if unknown:
                raise AgreementError(f"{where}: unknown tags {', '.join(unknown)}")
            if row["id"] in labels:
                raise AgreementError(f"{where}: id {row['id']} appears twice")
            labels[row["id"]] = set(tags)
    return labels


def agreement(
    first: Mapping[str, set[str]], second: Mapping[str, set[str]]
) -> tuple[list[TagAgreement], list[str]]:
    """Per-tag agreement over the ids both passes labelled, and the second-pass ids unknown."""
    shared = sorted(set(first) & set(second))
    unknown = sorted(set(second) - set(first))
    rows = []
    for tag in TAGS:
        cells = [0, 0, 0, 0]
        for key in shared:
            a, b = tag in first[key], tag in second[key]
            cells[0 if a and b else 1 if a else 2 if b else 3] += 1
        both, first_only, second_only, neither = cells
        kappa = cohen_kappa(both, first_only, second_only, neither)
        rows.append(TagAgreement(tag, both, first_only, second_only, neither, kappa))
    return rows, unknown
