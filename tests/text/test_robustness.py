"""Cut and damaged documents give valid spans or a DocumentError, never another exception."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from billwatch.text import DocumentError, extract_document
from tests.text.spans import check_spans

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


@pytest.mark.parametrize("name", sorted(p.name for p in FILES.iterdir()))
def test_truncations_and_damage(name: str) -> None:
    data = (FILES / name).read_bytes()
    rng = random.Random(name)  # deterministic per file
    samples = [data[:cut] for cut in sorted(rng.sample(range(len(data)), 12))]
    for _ in range(8):
        damaged = bytearray(data)
        for _ in range(5):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        samples.append(bytes(damaged))
    for sample in samples:
        try:
            result = extract_document(sample, filename=name)
        except DocumentError as exc:
            assert str(exc)
        else:
            check_spans(result)
            assert result.text.strip()
