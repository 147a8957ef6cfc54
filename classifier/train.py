"""Train the scorer from the corpus, our own examples and reviewed tags; choose thresholds by CV."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.util import load_config, load_model_from_config

import classifier.components  # noqa: F401 - registers the factories
from classifier.components import TaxonomyScorer
from classifier.data import Example
from classifier.features import (
    N_FEATURES,
    N_WORD_BUCKETS,
    RULE_NAMES,
    amended_sections,
    featurize,
    labels_of,
    supported_tags,
)
from classifier.linear import SparseRows, TrainParams, sigmoid, train
from classifier.markup import clip, infer_spans
from classifier.sections import split_sections
from classifier.tagger import FLIP_SCORE, Tagger, gate, struck_flips
from classifier.taxonomy import ALERT_TAGS, TAGS

log = logging.getLogger(__name__)
CONFIG_PATH = Path(__file__).parent / "configs" / "pipeline.cfg"
PIPELINE_DIR = Path(__file__).parent / "pipeline"
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.025), 3)


def build_nlp(config_path: Path = CONFIG_PATH) -> Language:
    """A fresh, untrained pipeline from the config."""
    return load_model_from_config(load_config(config_path), auto_fill=True)


def training_settings(nlp: Language) -> dict:
    """The [scorer_training] block of the pipeline's config."""
    return dict(nlp.config.interpolate().get("scorer_training", {}))


def params_from(settings: dict) -> TrainParams:
    """Optimiser settings from the config block."""
    fields = TrainParams.__dataclass_fields__
    return TrainParams(
        **{k: type(getattr(TrainParams(), k))(v) for k, v in settings.items() if k in fields}
    )


@dataclass
class Prepared:
    """An example turned into features: the whole text, and each section with its flips."""

    example: Example
    whole: tuple[np.ndarray, np.ndarray]
    sections: list[tuple[np.ndarray, np.ndarray]]
    flips: set[str]
    support: list[set[str]]


def prepare(tagger: Tagger, example: Example) -> Prepared:
    """Features of an example as one text (for training) and section by section (to score)."""
    ins, stk = example.inserted, example.struck
    if not ins and not stk:
        ins, stk = infer_spans(example.text)
    amended = amended_sections(example.text)
    whole = featurize(tagger.process(example.text, ins, stk, amended))
    sections, flips, support = [], set(), []
    for sec in split_sections(example.text):
        doc = tagger.process(
            example.text[sec.start : sec.end],
            clip(ins, sec.start, sec.end),
            clip(stk, sec.start, sec.end),
            amended,
        )
        sections.append(featurize(doc))
        flipped = set(struck_flips(doc))
        flips |= flipped
        support.append(supported_tags(doc, frozenset(TAGS)) | flipped)
    if not sections:
        sections, support = [whole], [set(TAGS)]
    return Prepared(example, whole, sections, flips, support)


def label_matrix(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    """(y, mask) arrays: mask is 0 where a tag's label is unknown (partial reviews)."""
    y = np.zeros((len(examples), len(TAGS)), dtype=np.float32)
    mask = np.ones_like(y)
    for i, ex in enumerate(examples):
        for j, tag in enumerate(TAGS):
            y[i, j] = tag in ex.labels
            if ex.known is not None and tag not in ex.known:
                mask[i, j] = 0.0
    return y, mask


# Tags whose rule matches may speak for or against each other: they read the same words
# opposite ways. Other tags' matches get no weight on a tag, so that a passage carrying one
# tag does not learn to suppress another (most labelled passages carry a single tag).
SIBLINGS: dict[str, set[str]] = {
    "penalty_increase": {
        "sex_work_criminalization",
        "non_criminalization",
        "worker_protections",
        "immigration_enforcement",
    },
    "sex_work_criminalization": {"penalty_increase", "non_criminalization"},
    "diversion_court": {"arrest_to_services", "non_criminalization"},
    "arrest_to_services": {"diversion_court", "survivor_services", "non_criminalization"},
    "mandated_cooperation": {"survivor_services", "immigration_relief", "non_criminalization"},
    "carceral_funding": {"survivor_services", "immigration_enforcement"},
    "detention_forced_labor": {"worker_protections"},
    "immigration_enforcement": {"immigration_relief", "penalty_increase", "carceral_funding"},
    "record_relief": {"non_criminalization"},
    "non_criminalization": {"sex_work_criminalization", "penalty_increase", "record_relief"},
    "survivor_services": {"mandated_cooperation", "arrest_to_services", "prevention"},
    "immigration_relief": {"immigration_enforcement", "mandated_cooperation"},
    "worker_protections": {"detention_forced_labor", "penalty_increase"},
    "prevention": {"survivor_services"},
    "civil_remedies": {"penalty_increase"},
}


def allowed_weights(used: np.ndarray) -> np.ndarray:
    """(len(used), tags) 0/1: rule features of unrelated tags get no weight on a tag."""
    keep = np.ones((len(used), len(TAGS)), dtype=np.float32)
    for row, index in enumerate(used.tolist()):
        if index < N_WORD_BUCKETS:
            continue
        spoken = {lab for name in RULE_NAMES.get(index, ()) for lab in labels_of(name)}
        tags = spoken & set(TAGS)
        if not tags:
            continue  # cues and context words inform every tag
        for j, tag in enumerate(TAGS):
            if not tags & ({tag} | SIBLINGS[tag]):
                keep[row, j] = 0.0
    return keep


def fit(
    items: list[Prepared], params: TrainParams, restrict: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Train weights and bias on prepared examples (whole-text features)."""
    x = SparseRows.from_rows([p.whole for p in items])
    y, mask = label_matrix([p.example for p in items])
    weights = np.array([p.example.weight for p in items], dtype=np.float32)
    return train(
        x,
        y,
        N_FEATURES,
        N_WORD_BUCKETS,
        params,
        mask * weights[:, None],
        allowed_weights if restrict else None,
    )


def predict(items: list[Prepared], weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Scores (n, tags): the best section of each example, struck-text flips included."""
    out = np.zeros((len(items), len(TAGS)), dtype=np.float32)
    for i, item in enumerate(items):
        x = SparseRows.from_rows(item.sections)
        raw = sigmoid(x.dot(weights) + bias)
        out[i] = np.stack([gate(r, sup) for r, sup in zip(raw, item.support, strict=True)]).max(
            axis=0
        )
        for tag in item.flips:
            out[i, TAGS.index(tag)] = max(out[i, TAGS.index(tag)], FLIP_SCORE)
    return out


ALERT_BETA = 1.0  # below 1, ALERT thresholds weigh precision more (the config can set it)


def choose_thresholds(
    scores: np.ndarray,
    y: np.ndarray,
    lo: float = 0.2,
    hi: float = 0.8,
    alert_beta: float = ALERT_BETA,
) -> dict[str, float]:
    """Per tag, the threshold maximising F-beta on out-of-fold scores (ties: the middle one).

    beta is 1 for TRACK tags and `alert_beta` (< 1 favours precision) for ALERT tags.
    """
    out = {}
    for j, tag in enumerate(TAGS):
        grid = THRESHOLD_GRID[(THRESHOLD_GRID >= lo) & (THRESHOLD_GRID <= hi)]
        b2 = (alert_beta if tag in ALERT_TAGS else 1.0) ** 2
        f1s = []
        for t in grid:
            pred = scores[:, j] >= t
            tp = float((pred & (y[:, j] > 0)).sum())
            denominator = b2 * (y[:, j] > 0).sum() + pred.sum()
            f1s.append((1 + b2) * tp / max(denominator, 1))
        best = max(f1s)
        ties = [t for t, f in zip(grid, f1s, strict=True) if f >= best - 1e-9]
        out[tag] = float(ties[len(ties) // 2])
    return out


def fold_of(examples: list[Example], k: int, seed: int) -> list[int]:
    """A reproducible fold number for each example."""
    order = sorted(range(len(examples)), key=lambda i: examples[i].id)
    random.Random(seed).shuffle(order)
    folds = [0] * len(examples)
    for rank, i in enumerate(order):
        folds[i] = rank % k
    return folds


@dataclass
class CVResult:
    """Out-of-fold scores and predictions of the corpus, and thresholds from all folds."""

    scores: np.ndarray
    predictions: np.ndarray
    labels: np.ndarray
    thresholds: dict[str, float]


def cross_validate(
    corpus: list[Prepared],
    extra: list[Prepared],
    k: int,
    params: TrainParams,
    seed: int,
    lo: float = 0.2,
    hi: float = 0.8,
    progress: Callable[[str], None] | None = None,
) -> CVResult:
    """k-fold CV: train on `extra` plus k-1 corpus folds, score the held-out fold.

    Each fold's thresholds are chosen on the other folds' out-of-fold scores, so no passage
    helps choose the threshold that judges it.
    """
    folds = fold_of([p.example for p in corpus], k, seed)
    scores = np.zeros((len(corpus), len(TAGS)), dtype=np.float32)
    for f in range(k):
        train_items = extra + [p for p, g in zip(corpus, folds, strict=True) if g != f]
        test_idx = [i for i, g in enumerate(folds) if g == f]
        weights, bias = fit(train_items, params)
        scores[test_idx] = predict([corpus[i] for i in test_idx], weights, bias)
        if progress:
            progress(f"fold {f + 1}/{k} done")
    y, _ = label_matrix([p.example for p in corpus])
    predictions = np.zeros_like(scores, dtype=bool)
    for f in range(k):
        others = np.array([g != f for g in folds])
        th = choose_thresholds(scores[others], y[others], lo, hi)
        mine = ~others
        predictions[mine] = scores[mine] >= np.array([th[t] for t in TAGS])
    return CVResult(scores, predictions, y, choose_thresholds(scores, y, lo, hi))


def train_pipeline(
    corpus: list[Example],
    extra: list[Example],
    output: Path = PIPELINE_DIR,
    config_path: Path = CONFIG_PATH,
    folds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CVResult | None:
    """Train on everything, choose thresholds by CV over the corpus, write the pipeline."""
    nlp = build_nlp(config_path)
    settings = training_settings(nlp)
    seed = int(settings.get("seed", 1042))
    random.seed(seed)
    np.random.seed(seed)
    params = params_from(settings)
    tagger = Tagger(nlp)
    prepared_corpus = [prepare(tagger, ex) for ex in corpus]
    prepared_extra = [prepare(tagger, ex) for ex in extra]
    k = folds if folds is not None else int(settings.get("folds", 5))
    lo, hi = float(settings.get("min_threshold", 0.2)), float(settings.get("max_threshold", 0.8))
    result = None
    thresholds = dict.fromkeys(TAGS, 0.5)
    if k > 1 and len(prepared_corpus) >= k:
        result = cross_validate(prepared_corpus, prepared_extra, k, params, seed, lo, hi, progress)
        thresholds = result.thresholds
    weights, bias = fit(prepared_extra + prepared_corpus, params)
    # A fresh pipeline to save: the one used for training holds every word of the training
    # texts in its string store, which the shipped pipeline does not need.
    fresh = build_nlp(config_path)
    scorer = fresh.get_pipe("taxonomy_scorer")
    assert isinstance(scorer, TaxonomyScorer)  # the config names our own factory
    scorer.set_model(weights, bias, thresholds)
    output.mkdir(parents=True, exist_ok=True)
    fresh.to_disk(output)
    return result
