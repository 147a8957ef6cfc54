"""The taxonomy classifier: a spaCy pipeline that tags bill sections with evidence.

`load()` returns a cached `Tagger` built from the pipeline shipped in `classifier/pipeline/`;
`CLASSIFIER_VERSION` names the patterns and weights it uses, so stored tags say which
classifier made them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.tagger import Tagger

PACKAGE_DIR = Path(__file__).parent
PIPELINE_DIR = PACKAGE_DIR / "pipeline"
PATTERNS_DIR = PACKAGE_DIR / "patterns"


class ClassifierMissing(RuntimeError):
    """The trained pipeline is not in the package."""


def compute_version(pipeline_dir: Path = PIPELINE_DIR, patterns_dir: Path = PATTERNS_DIR) -> str:
    """A short hash of every pattern file and every file of the trained pipeline."""
    digest = hashlib.sha256()
    files = [("patterns", patterns_dir, p) for p in sorted(patterns_dir.glob("*.jsonl"))]
    files += [
        ("pipeline", pipeline_dir, p)
        for p in sorted(pipeline_dir.rglob("*"))
        if p.is_file() and p.name != "meta.json"
    ]
    for prefix, base, path in files:
        digest.update(f"{prefix}/{path.relative_to(base).as_posix()}".encode())
        digest.update(path.read_bytes())
    return "taxonomy-" + digest.hexdigest()[:16]


CLASSIFIER_VERSION: str = compute_version()


def load(pipeline_dir: str | None = None) -> Tagger:
    """The tagger over the shipped pipeline, or the one in `pipeline_dir` (loaded once;
    nothing is downloaded)."""
    path = Path(pipeline_dir).resolve() if pipeline_dir else PIPELINE_DIR.resolve()
    return _load(str(path))


@lru_cache(maxsize=1)
def _load(path: str) -> Tagger:
    import spacy

    import classifier.components  # noqa: F401 - registers the factories before loading
    from classifier.tagger import Tagger

    if not (Path(path) / "config.cfg").exists():
        raise ClassifierMissing(f"{path}: no trained pipeline here; run `billwatch train`")
    return Tagger(spacy.load(path))
