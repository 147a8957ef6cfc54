"""Per-tag Cohen's kappa between the corpus labels and a blind second pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.agreement import AgreementError, agreement, cohen_kappa, read_labels


def test_kappa_of_perfect_and_chance_agreement() -> None:
    assert cohen_kappa(both=5, first_only=0, second_only=0, neither=5) == pytest.approx(1.0)
    # Each pass gives the tag to half the items, independently: kappa 0.
    assert cohen_kappa(both=25, first_only=25, second_only=25, neither=25) == pytest.approx(0.0)
    assert cohen_kappa(both=0, first_only=0, second_only=0, neither=9) is None


def test_kappa_matches_a_worked_example() -> None:
    # 20 both, 5 first only, 10 second only, 15 neither: po 0.70, pe 0.50, kappa 0.40.
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.40)


def test_agreement_counts_each_tag_over_shared_ids() -> None:
    first = {"a": {"penalty_increase"}, "b": set(), "c": {"record_relief"}}
    second = {"a": {"penalty_increase"}, "b": {"record_relief"}}
    rows, unknown = agreement(first, second)
    by_tag = {row.tag: row for row in rows}
    assert unknown == []
    assert by_tag["penalty_increase"].both == 1 and by_tag["penalty_increase"].neither == 1
    assert by_tag["record_relief"].second_only == 1 and by_tag["record_relief"].kappa == 0.0


def test_read_labels_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "second.jsonl"
    path.write_text(
        json.dumps({"id": "x", "labels": []}) + "\n" + json.dumps({"id": "y", "labels": ["nope"]})
    )
    with pytest.raises(AgreementError, match=r"second.jsonl:2: unknown tags nope"):
        read_labels(path)
