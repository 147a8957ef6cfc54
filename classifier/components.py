"""The pipeline's registered components: the rule matcher and the stacked tag scorer."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from classifier.bill_gate import BillGate
from classifier.embeddings import DIM, sentence_ids, shared_vectors
from classifier.features import (
    N_FEATURES,
    SPANS_KEY,
    doc_text,
    embedding_mask,
    featurize,
    register_rule_names,
    rule_flags,
)
from classifier.gap_matcher import GapMatcher
from classifier.patterns import PATTERNS_DIR, load_patterns
from classifier.sentences import sentences
from classifier.stacking import (
    LOGIT_CLIP,
    META_FEATURES,
    N_META,
    AlertHead,
    Hidden,
    activate,
    alert_decision,
    apply_meta,
    meta_matrix,
)
from classifier.taxonomy import ALERT_TAGS, TAGS


@dataclass
class StackedModel:
    """Trained weights: sparse linear, embedding logistic, and the per-tag meta model."""

    weights: np.ndarray
    bias: np.ndarray
    embed_weights: np.ndarray
    embed_bias: np.ndarray
    meta_weights: np.ndarray
    meta_bias: np.ndarray
    alert: AlertHead | None = None
    hidden: Hidden | None = None  # the embedding model's hidden layer, when it has one


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
        register_rule_names((p.label for p in self.patterns), (p.key for p in self.patterns))

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
    """Scores every tag for a section by stacking: the sparse linear model (words, rule
    matches), the embedding model (a hidden layer, a logistic layer) over WordLlama vectors of
    the section and of its best sentence, and rule support, combined per tag by a meta model;
    writes `doc.cats`."""

    def __init__(self, name: str, labels: Iterable[str]) -> None:
        self.name = name
        self.labels = list(labels)
        k = len(self.labels)
        self.weights = np.zeros((N_FEATURES, k), dtype=np.float32)
        self.bias = np.zeros(k, dtype=np.float32)
        self.embed_weights = np.zeros((DIM, k), dtype=np.float32)
        self.embed_bias = np.zeros(k, dtype=np.float32)
        self.hidden: Hidden | None = None
        # Until trained, the stack passes the sparse model's score through unchanged.
        self.meta_weights = np.zeros((k, N_META), dtype=np.float32)
        self.meta_weights[:, 0] = LOGIT_CLIP
        self.meta_bias = np.zeros(k, dtype=np.float32)
        self.thresholds = dict.fromkeys(self.labels, 0.5)
        self._label_set = frozenset(self.labels)
        self.alert = AlertHead.untrained(DIM)
        self.bill_gate = BillGate()  # untrained: a bill carries every tag a section raises
        self._join_embed()

    def _join_embed(self) -> None:
        # One (DIM or hidden units, tags + 1) array, the ALERT head's column last: a
        # section's words (or units) are projected once for every tag and the head.
        self.embed_all = np.hstack([self.embed_weights, self.alert.embed_weights[:, None]])
        self.embed_all_bias = np.append(self.embed_bias, self.alert.embed_bias).astype(np.float32)
        self.meta_all = np.vstack([self.meta_weights, self.alert.meta_weights[None]])
        self.meta_all_bias = np.append(self.meta_bias, self.alert.meta_bias).astype(np.float32)
        self.alert_cols = np.array([t in ALERT_TAGS for t in self.labels])

    def set_model(self, model: StackedModel, thresholds: dict[str, float] | None = None) -> None:
        """Install trained weights (and thresholds, when chosen)."""
        self.weights, self.bias = model.weights.astype(np.float32), model.bias.astype(np.float32)
        self.embed_weights = model.embed_weights.astype(np.float32)
        self.embed_bias = model.embed_bias.astype(np.float32)
        self.meta_weights = model.meta_weights.astype(np.float32)
        self.meta_bias = model.meta_bias.astype(np.float32)
        self.hidden = model.hidden
        if thresholds:
            self.thresholds = {t: float(thresholds[t]) for t in self.labels}
        self.alert = model.alert or AlertHead.untrained(self.embed_weights.shape[0])
        self._join_embed()

    def decide(
        self, scores: np.ndarray, pooled: float, support: np.ndarray | None = None
    ) -> np.ndarray:
        """Booleans per label: thresholds for TRACK tags, the ALERT head for ALERT ones (which
        forces in only a tag a live rule match `support`s)."""
        th = np.array([self.thresholds[t] for t in self.labels], dtype=np.float32)
        backed = None if support is None else support[None]
        tags, _ = alert_decision(
            scores[None], np.array([pooled], np.float32), th, self.alert_cols, self.alert, backed
        )
        return tags[0]

    def base_scores(self, doc: Doc) -> np.ndarray:
        """(tags + 1, N_META) meta features of the section: the base models' logits and
        support, for every tag and the ALERT head (last)."""
        idx, val = featurize(doc)
        sparse = val @ self.weights[idx] + self.bias
        vectors = shared_vectors()
        words = vectors.doc_rows(doc, embedding_mask(doc))
        # The first layer is linear: the section's and each sentence's input is the mean of
        # their words' projected rows (the output layer's, or the hidden layer's).
        first = self.embed_all if self.hidden is None else self.hidden.weights
        proj = vectors.projected(first)[words.rows]
        counts = vectors.counts[words.rows]
        embedding = self._embed_output(proj.sum(axis=0)[None] / max(float(counts.sum()), 1.0))[0]
        spans = sentences(doc_text(doc))
        seg = sentence_ids(doc, words.tokens, spans)
        per_sentence = np.tile(self.embed_all_bias, (len(spans), 1))  # a sentence of no words
        best = embedding
        ok = seg >= 0
        if len(spans) and ok.any():
            # Words come in order, so each sentence's words are one run: sums by reduceat.
            seg_ok = seg[ok]
            starts = np.flatnonzero(np.r_[True, seg_ok[1:] != seg_ok[:-1]])
            filled = seg_ok[starts]
            sums = np.add.reduceat(proj[ok], starts, axis=0)
            n = np.add.reduceat(counts[ok], starts)
            has = n > 0
            if has.any():
                filled = filled[has]
                per_sentence[filled] = self._embed_output(sums[has] / n[has][:, None])
                best = per_sentence[filled].max(axis=0)
        sup, blocked = rule_flags(doc, self.labels)
        alert = self.alert_cols
        sparse = np.append(sparse, sparse[alert].max())
        sup = np.append(sup, sup[alert].max())
        blocked = np.append(blocked, 0.0)
        feats = meta_matrix(sparse[None], embedding[None], best[None], sup[None], blocked[None])[0]
        doc.user_data["bw_sentences"] = spans
        doc.user_data["bw_sentence_logits"] = per_sentence  # (sentences, tags + 1)
        doc.user_data["bw_support"] = sup[:-1].tolist()
        return feats

    def _embed_output(self, means: np.ndarray) -> np.ndarray:
        """(n, tags + 1) embedding logits from (n, first layer) means of projected rows."""
        if self.hidden is None:
            return means + self.embed_all_bias
        return activate(means, self.hidden.bias) @ self.embed_all + self.embed_all_bias

    def __call__(self, doc: Doc) -> Doc:
        """Score the section."""
        probs = apply_meta(self.base_scores(doc), self.meta_all, self.meta_all_bias)
        doc.cats = dict(zip(self.labels, probs[:-1].tolist(), strict=True))
        doc.user_data["bw_alert_pooled"] = float(probs[-1])
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save weights sparsely (rows that are all zero are not stored) and the thresholds."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(np.abs(self.weights).max(axis=1) > 1e-5)
        arrays: dict[str, np.ndarray] = {
            "rows": rows.astype(np.int32),
            "values": self.weights[rows].astype(np.float16),
            "bias": self.bias,
            "embed_weights": self.embed_weights,
            "embed_bias": self.embed_bias,
            "meta_weights": self.meta_weights,
            "meta_bias": self.meta_bias,
            "alert_embed": self.alert.embed_weights,
            "alert_meta": self.alert.meta_weights,
            "alert_head": self.alert.head_weights,
        }
        if self.hidden is not None:
            arrays |= {"hidden_weights": self.hidden.weights, "hidden_bias": self.hidden.bias}
        # numpy's stub reads a dict of arrays as if it could fill `allow_pickle`
        np.savez_compressed(path / "weights.npz", **arrays)  # type: ignore[arg-type]
        meta = {
            "labels": self.labels,
            "thresholds": self.thresholds,
            "meta": META_FEATURES,
            "alert_head": {
                "embed_bias": self.alert.embed_bias,
                "meta_bias": self.alert.meta_bias,
                "head_bias": self.alert.head_bias,
                "threshold": self.alert.threshold,
                "trained": self.alert.trained,
            },
            "bill_gate": self.bill_gate.to_json(),
        }
        (path / "labels.json").write_text(json.dumps(meta, indent=1) + "\n")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TaxonomyScorer:
        """Load what `to_disk` saved."""
        path = Path(path)
        meta = json.loads((path / "labels.json").read_text())
        self.labels = meta["labels"]
        self._label_set = frozenset(self.labels)
        self.thresholds = meta["thresholds"]
        saved = np.load(path / "weights.npz")
        self.weights = np.zeros((N_FEATURES, len(self.labels)), dtype=np.float32)
        self.weights[saved["rows"]] = saved["values"].astype(np.float32)
        self.bias = saved["bias"].astype(np.float32)
        if "meta_weights" in saved:
            self.embed_weights = saved["embed_weights"].astype(np.float32)
            self.embed_bias = saved["embed_bias"].astype(np.float32)
            self.meta_weights = saved["meta_weights"].astype(np.float32)
            self.meta_bias = saved["meta_bias"].astype(np.float32)
        self.hidden = None
        if "hidden_weights" in saved:
            weights, bias = saved["hidden_weights"], saved["hidden_bias"]
            self.hidden = Hidden(weights.astype(np.float32), bias.astype(np.float32))
        self.alert = AlertHead.untrained(self.embed_weights.shape[0])
        if "alert_head" in saved and "alert_head" in meta:
            biases = meta["alert_head"]
            self.alert = AlertHead(
                saved["alert_embed"].astype(np.float32),
                float(biases["embed_bias"]),
                saved["alert_meta"].astype(np.float32),
                float(biases["meta_bias"]),
                saved["alert_head"].astype(np.float32),
                float(biases["head_bias"]),
                float(biases["threshold"]),
                bool(biases.get("trained", True)),
            )
        self.bill_gate = BillGate.from_json(meta.get("bill_gate"))
        self._join_embed()
        return self


@Language.factory("taxonomy_scorer", default_config={"labels": list(TAGS)})
def make_taxonomy_scorer(nlp: Language, name: str, labels: list[str]) -> TaxonomyScorer:
    """The trained scorer: one logistic output per tag over words and rule matches."""
    return TaxonomyScorer(name, labels)
