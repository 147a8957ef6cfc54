"""The pipeline's registered components: the rule matcher and the linear tag scorer."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from classifier.features import N_FEATURES, SPANS_KEY, featurize
from classifier.gap_matcher import GapMatcher
from classifier.linear import sigmoid
from classifier.patterns import PATTERNS_DIR, load_patterns
from classifier.taxonomy import TAGS


class TaxonomyRules:
    """Marks pattern matches (tags and cues) as spans in `doc.spans["taxonomy"]`."""

    def __init__(self, nlp: Language, name: str, patterns_dir: str) -> None:
        self.name = name
        directory = Path(patterns_dir) if patterns_dir else PATTERNS_DIR
        self.patterns = load_patterns(nlp, directory)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.by_key: dict[int, tuple[str, str]] = {}
        for pattern in self.patterns:
            if pattern.phrase is not None:
                key_id = nlp.vocab.strings.add(pattern.key)
                self.by_key[key_id] = (pattern.label, pattern.key)
                self.phrases.add(pattern.key, [nlp.make_doc(pattern.phrase)])
        self.gapped = GapMatcher([p for p in self.patterns if p.phrase is None])

    @property
    def labels(self) -> tuple[str, ...]:
        """The tags and cues the patterns mark."""
        return tuple(sorted({p.label for p in self.patterns}))

    def __call__(self, doc: Doc) -> Doc:
        """Add the matches of every pattern to `doc.spans`."""
        spans = []
        for key_id, start, end in self.phrases(doc):
            label, key = self.by_key[key_id]
            spans.append(Span(doc, start, end, label=label, kb_id=key))
        for pattern, start, end in self.gapped(doc):
            spans.append(Span(doc, start, end, label=pattern.label, kb_id=pattern.key))
        doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=spans)
        return doc


@Language.factory("taxonomy_rules", default_config={"patterns_dir": ""})
def make_taxonomy_rules(nlp: Language, name: str, patterns_dir: str) -> TaxonomyRules:
    """The rule component; patterns come from the package's `patterns/` files."""
    return TaxonomyRules(nlp, name, patterns_dir)


class TaxonomyScorer:
    """Scores every tag for a section from its features; writes `doc.cats`."""

    def __init__(self, name: str, labels: Iterable[str]) -> None:
        self.name = name
        self.labels = list(labels)
        self.weights = np.zeros((N_FEATURES, len(self.labels)), dtype=np.float32)
        self.bias = np.zeros(len(self.labels), dtype=np.float32)
        self.thresholds = dict.fromkeys(self.labels, 0.5)

    def set_model(
        self, weights: np.ndarray, bias: np.ndarray, thresholds: dict[str, float] | None = None
    ) -> None:
        """Install trained weights (and thresholds, when chosen)."""
        self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)
        if thresholds:
            self.thresholds = {t: float(thresholds[t]) for t in self.labels}

    def score_features(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Probabilities of every label for one feature vector."""
        return sigmoid(val @ self.weights[idx] + self.bias)

    def __call__(self, doc: Doc) -> Doc:
        """Score the section."""
        idx, val = featurize(doc)
        doc.cats = dict(zip(self.labels, self.score_features(idx, val).tolist(), strict=True))
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save weights sparsely (rows that are all zero are not stored) and the thresholds."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(np.abs(self.weights).max(axis=1) > 1e-5)
        np.savez_compressed(
            path / "weights.npz",
            rows=rows.astype(np.int32),
            values=self.weights[rows].astype(np.float16),
            bias=self.bias,
        )
        (path / "labels.json").write_text(
            json.dumps({"labels": self.labels, "thresholds": self.thresholds}, indent=1) + "\n"
        )

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TaxonomyScorer:
        """Load what `to_disk` saved."""
        path = Path(path)
        meta = json.loads((path / "labels.json").read_text())
        self.labels = meta["labels"]
        self.thresholds = meta["thresholds"]
        saved = np.load(path / "weights.npz")
        self.weights = np.zeros((N_FEATURES, len(self.labels)), dtype=np.float32)
        self.weights[saved["rows"]] = saved["values"].astype(np.float32)
        self.bias = saved["bias"].astype(np.float32)
        return self


@Language.factory("taxonomy_scorer", default_config={"labels": list(TAGS)})
def make_taxonomy_scorer(nlp: Language, name: str, labels: list[str]) -> TaxonomyScorer:
    """The trained scorer: one logistic output per tag over words and rule matches."""
    return TaxonomyScorer(name, labels)
