"""Train the stacked scorer from the corpus, our own examples and reviewed tags; choose the meta
model and per-tag thresholds on out-of-fold scores of the training examples only."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import load_config, load_model_from_config

import classifier.components  # noqa: F401 - registers the factories
from classifier.bill_gate import FEATURES as BILL_FEATURES
from classifier.bill_gate import BillGate, candidate_features, fit_gate
from classifier.components import StackedModel, TaxonomyScorer
from classifier.data import GROUP_BY, BillRow, Example
from classifier.embeddings import WordVectors, sentence_ids, shared_vectors
from classifier.features import (
    N_FEATURES,
    N_WORD_BUCKETS,
    RULE_NAMES,
    amended_sections,
    doc_text,
    embedding_mask,
    featurize,
    labels_of,
    rule_flags,
)
from classifier.linear import SparseRows, TrainParams, train
from classifier.linenumbers import blank_line_numbers
from classifier.markup import clip, infer_spans
from classifier.sections import split_sections
from classifier.sentences import sentences
from classifier.stacking import (
    META_FEATURES,
    N_META,
    AlertHead,
    DenseParams,
    Hidden,
    alert_decision,
    apply_meta,
    fit_dense,
    fit_head,
    fit_meta,
    head_inputs,
    head_threshold,
    meta_matrix,
)
from classifier.tagger import FLIP_SCORE, Tagger, read_bill, struck_flips
from classifier.taxonomy import ALERT_TAGS, TAGS
from classifier.thresholds import steady_threshold

# Columns of the ALERT tags; the embedding and meta models carry one more column after the
# tags: the pooled "any ALERT tag" label of the ALERT head.
ALERT_COLS = np.array([t in ALERT_TAGS for t in TAGS])
POOLED = len(TAGS)
SUPPORT = META_FEATURES.index("rule_support")  # the meta feature: a live rule match of the tag

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
class PreparedSection:
    """What the models read of one section: sparse features, vectors, rule support."""

    sparse: tuple[np.ndarray, np.ndarray]
    vector: np.ndarray  # mean WordLlama vector of the enacted words
    sentence_vectors: np.ndarray  # (sentences, DIM); (0, DIM) when none
    support: np.ndarray  # (tags,) 0/1: a live pattern of the tag matched
    blocked: np.ndarray  # (tags,) 0/1: patterns of the tag matched, none live


@dataclass
class Prepared:
    """An example turned into features: the whole text (to train), its sections (to score)."""

    example: Example
    whole: PreparedSection
    sections: list[PreparedSection]
    flips: set[str]


def _section_inputs(doc: Doc, vectors: WordVectors) -> PreparedSection:
    words = vectors.doc_rows(doc, embedding_mask(doc))
    spans = sentences(doc_text(doc))
    seg = sentence_ids(doc, words.tokens, spans)
    ok = seg >= 0
    sent = vectors.segment_means(words.rows[ok], seg[ok], len(spans))
    filled = np.bincount(seg[ok], minlength=len(spans)) > 0
    support, blocked = rule_flags(doc, TAGS)
    return PreparedSection(featurize(doc), vectors.mean(words.rows), sent[filled], support, blocked)


def prepare(tagger: Tagger, example: Example, vectors: WordVectors | None = None) -> Prepared:
    """Features of an example as one text (for training) and section by section (to score)."""
    vectors = vectors or shared_vectors()
    text = blank_line_numbers(example.text)  # as the tagger reads it
    ins, stk = example.inserted, example.struck
    if not ins and not stk:
        ins, stk = infer_spans(text)
    amended = amended_sections(text)
    whole = _section_inputs(tagger.process(text, ins, stk, amended, score=False), vectors)
    sections, flips = [], set()
    for sec in split_sections(text):
        doc = tagger.process(
            text[sec.start : sec.end],
            clip(ins, sec.start, sec.end),
            clip(stk, sec.start, sec.end),
            amended,
            score=False,
        )
        sections.append(_section_inputs(doc, vectors))
        flipped = set(struck_flips(doc))
        flips |= flipped
    return Prepared(example, whole, sections or [whole], flips)


def pooled_labels(y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y, weight) with the pooled ALERT column appended (known only where every ALERT tag
    is known)."""
    ya = y[:, ALERT_COLS].max(axis=1, keepdims=True)
    wa = weight[:, ALERT_COLS].min(axis=1, keepdims=True)
    return np.concatenate([y, ya], axis=1), np.concatenate([weight, wa], axis=1)


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


@dataclass
class Base:
    """The base models: sparse weights and bias; the embedding model's hidden layer (or None)
    and output weights and bias, with the ALERT head's pooled column last."""

    weights: np.ndarray
    bias: np.ndarray
    embed_weights: np.ndarray
    embed_bias: np.ndarray
    hidden: Hidden | None = None

    def embed_inputs(self, vectors: np.ndarray) -> np.ndarray:
        """What the embedding model's output layer reads of (n, DIM) vectors."""
        return vectors if self.hidden is None else self.hidden(vectors)


def fit_base(
    items: list[Prepared], params: TrainParams, dense: DenseParams, restrict: bool = True
) -> Base:
    """The base models on whole-text features."""
    x = SparseRows.from_rows([p.whole.sparse for p in items])
    y, mask = label_matrix([p.example for p in items])
    sw = mask * np.array([p.example.weight for p in items], dtype=np.float32)[:, None]
    weights, bias = train(
        x, y, N_FEATURES, N_WORD_BUCKETS, params, sw, allowed_weights if restrict else None
    )
    vectors = np.stack([p.whole.vector for p in items])
    hidden, embed_w, embed_b = fit_dense(vectors, *pooled_labels(y, sw), dense, params.pos_weight)
    return Base(weights, bias, embed_w, embed_b, hidden)


def section_features(item: Prepared, base: Base) -> np.ndarray:
    """(sections, tags + 1, N_META) meta features of an example's sections under base models
    (the last column is the ALERT head's: best ALERT sparse logit, any live ALERT pattern)."""
    embed_w, embed_b = base.embed_weights, base.embed_bias
    rows = SparseRows.from_rows([s.sparse for s in item.sections])
    sparse = rows.dot(base.weights) + base.bias
    embedding = base.embed_inputs(np.stack([s.vector for s in item.sections])) @ embed_w + embed_b
    best = np.stack(
        [
            (base.embed_inputs(s.sentence_vectors) @ embed_w).max(axis=0) + embed_b
            if len(s.sentence_vectors)
            else e
            for s, e in zip(item.sections, embedding, strict=True)
        ]
    )
    support = np.stack([s.support for s in item.sections])
    blocked = np.stack([s.blocked for s in item.sections])
    return meta_matrix(*pool_alert(sparse, support, blocked, embedding, best))


def pool_alert(
    sparse: np.ndarray,
    support: np.ndarray,
    blocked: np.ndarray,
    embedding: np.ndarray,
    best: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Meta inputs with the ALERT head's column appended to the per-tag ones."""
    alert = ALERT_COLS

    def add(a: np.ndarray, col: np.ndarray) -> np.ndarray:
        return np.concatenate([a, col[..., None]], axis=-1)

    return (
        add(sparse, sparse[..., alert].max(axis=-1)),
        embedding,
        best,
        add(support, support[..., alert].max(axis=-1)),
        add(blocked, np.zeros(blocked.shape[:-1], dtype=blocked.dtype)),
    )


def base_of(model: StackedModel) -> Base:
    """The base models' weights, with the ALERT head's embedding column appended."""
    head = model.alert or AlertHead.untrained(model.embed_weights.shape[0])
    return Base(
        model.weights,
        model.bias,
        np.hstack([model.embed_weights, head.embed_weights[:, None]]),
        np.append(model.embed_bias, head.embed_bias).astype(np.float32),
        model.hidden,
    )


def all_meta(model: StackedModel) -> tuple[np.ndarray, np.ndarray]:
    """The meta weights of the tags and of the ALERT head's pooled model, stacked."""
    head = model.alert or AlertHead.untrained(model.embed_weights.shape[0])
    return (
        np.vstack([model.meta_weights, head.meta_weights[None]]),
        np.append(model.meta_bias, head.meta_bias).astype(np.float32),
    )


def stacked_scores(
    items: list[Prepared], features: list[np.ndarray], model: StackedModel
) -> np.ndarray:
    """(n, 2 * tags + 1) scores: the best section of each example, struck-text flips
    included; column `POOLED` is the ALERT head's pooled model, and the columns after it are 1
    where a live rule match supports the tag in some section."""
    meta_w, meta_b = all_meta(model)
    out = np.zeros((len(items), 2 * len(TAGS) + 1), dtype=np.float32)
    for i, (item, feats) in enumerate(zip(items, features, strict=True)):
        probs = apply_meta(feats, meta_w, meta_b)
        probs[feats[..., N_META - 1] > 0] = 0.0  # every match set aside: as the tagger reads it
        out[i, : POOLED + 1] = probs.max(axis=0)
        out[i, POOLED + 1 :] = (feats[:, :POOLED, SUPPORT] > 0).any(axis=0)
        for tag in item.flips:
            out[i, TAGS.index(tag)] = max(out[i, TAGS.index(tag)], FLIP_SCORE)
    return out


@dataclass
class Settings:
    """Everything training reads from the config."""

    params: TrainParams
    dense: DenseParams
    seed: int
    inner_folds: int
    lo: float
    hi: float
    group_by: str | None  # grouping of the inner folds that fit the meta model and thresholds
    # folds of the gate's whole bills, whose look-alikes' sections train the stack too (0:
    # passages alone); the bill gate reads each bill scored by a stack trained without its fold
    bill_folds: int = 0
    # bootstrap resamples over which each threshold choice is bagged (0: one choice)
    bootstraps: int = 0
    # the F-beta the ALERT tags' thresholds maximise (TRACK tags: F1), and the ALERT head's
    alert_tag_beta: float = 1.0
    alert_head_beta: float = 1.0


def fit_stack(
    items: list[Prepared], st: Settings, keep_scores: bool = False
) -> tuple[StackedModel, dict[str, float]]:
    """Base models on all items; the meta model and per-tag thresholds on their out-of-fold
    scores (inner folds over these items only: nothing outside them is seen)."""
    folds = fold_of([p.example for p in items], st.inner_folds, st.seed, st.group_by)
    oof: list[np.ndarray | None] = [None] * len(items)
    for f in range(st.inner_folds):
        train_items = [p for p, g in zip(items, folds, strict=True) if g != f]
        held = [i for i, g in enumerate(folds) if g == f]
        if not held or not train_items:
            continue
        base = fit_base(train_items, st.params, st.dense)
        for i in held:
            oof[i] = section_features(items[i], base)
    y, mask = label_matrix([p.example for p in items])
    sw = mask * np.array([p.example.weight for p in items], dtype=np.float32)[:, None]
    ya, swa = pooled_labels(y, sw)
    feats = [f if f is not None else np.zeros((1, POOLED + 1, N_META), np.float32) for f in oof]
    meta_w, meta_b = fit_meta(np.stack([f.max(axis=0) for f in feats]), ya, swa, st.dense)
    base = fit_base(items, st.params, st.dense)
    embed_w, embed_b = base.embed_weights, base.embed_bias
    model = StackedModel(
        base.weights,
        base.bias,
        embed_w[:, :POOLED],
        embed_b[:POOLED],
        meta_w[:POOLED],
        meta_b[:POOLED],
        hidden=base.hidden,
    )
    model.alert = AlertHead.untrained(embed_w.shape[0])
    model.alert.trained = True
    model.alert.embed_weights, model.alert.embed_bias = embed_w[:, POOLED], float(embed_b[POOLED])
    model.alert.meta_weights, model.alert.meta_bias = meta_w[POOLED], float(meta_b[POOLED])
    # Thresholds from the real passages' out-of-fold scores (our written examples are cleaner
    # than real bills and would pull thresholds off), all examples when there are none.
    real = [i for i, p in enumerate(items) if p.example.source != "own"] or list(range(len(items)))
    scores = stacked_scores([items[i] for i in real], [feats[i] for i in real], model)
    thresholds = choose_thresholds(
        scores[:, :POOLED], y[real], st.lo, st.hi, st.bootstraps, st.alert_tag_beta
    )
    # The ALERT head's second level and threshold, on the same out-of-fold scores.
    th = np.array([thresholds[t] for t in TAGS])
    z = head_inputs(
        scores[:, POOLED],
        scores[:, :POOLED][:, ALERT_COLS],
        scores[:, :POOLED][:, ALERT_COLS] / th[ALERT_COLS],
    )
    model.alert.head_weights, model.alert.head_bias = fit_head(
        z, ya[real, POOLED], swa[real, POOLED]
    )
    _, prob = alert_decision(
        scores[:, :POOLED], scores[:, POOLED], th, ALERT_COLS, model.alert, scores[:, POOLED + 1 :]
    )
    model.alert.threshold = head_threshold(
        prob, ya[real, POOLED], st.bootstraps, st.alert_head_beta
    )
    return model, thresholds


def decide(scores: np.ndarray, thresholds: dict[str, float], model: StackedModel) -> np.ndarray:
    """(n, tags) predictions from `stacked_scores`: per-tag thresholds, the ALERT head."""
    th = np.array([thresholds[t] for t in TAGS])
    if model.alert is None:
        return scores[:, :POOLED] >= th
    tags, _ = alert_decision(
        scores[:, :POOLED], scores[:, POOLED], th, ALERT_COLS, model.alert, scores[:, POOLED + 1 :]
    )
    return tags


def choose_thresholds(
    scores: np.ndarray,
    y: np.ndarray,
    lo: float = 0.2,
    hi: float = 0.8,
    bootstraps: int = 0,
    alert_tag_beta: float = 1.0,
) -> dict[str, float]:
    """Per tag, the threshold maximising F1 on out-of-fold scores (ties: the middle one), F-beta
    with `alert_tag_beta` for ALERT tags, bagged over that many bootstrap resamples when asked (see
    `classifier.thresholds`)."""
    grid = THRESHOLD_GRID[(THRESHOLD_GRID >= lo) & (THRESHOLD_GRID <= hi)]
    return {
        tag: steady_threshold(
            scores[:, j],
            y[:, j],
            grid,
            bootstraps=bootstraps,
            beta=alert_tag_beta if tag in ALERT_TAGS else 1.0,
        )
        for j, tag in enumerate(TAGS)
    }


def fold_of(examples: list[Example], k: int, seed: int, group_by: str | None = None) -> list[int]:
    """A reproducible fold number for each example; with `group_by`, every example of a group
    (a jurisdiction or a bill) falls in the same fold, and folds are balanced by size."""
    groups: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        groups.setdefault(ex.group(group_by), []).append(i)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(groups[g]))  # stable: equal sizes keep the shuffled order
    sizes = [0] * k
    folds = [0] * len(examples)
    for rank, key in enumerate(keys):
        # the smallest fold takes the next group; ties go round-robin
        f = min(range(k), key=lambda j: (sizes[j], (j - rank) % k))
        sizes[f] += len(groups[key])
        for i in groups[key]:
            folds[i] = f
    return folds


@dataclass
class CVResult:
    """Out-of-fold scores and predictions of the corpus, and thresholds from all folds."""

    scores: np.ndarray
    predictions: np.ndarray
    labels: np.ndarray
    folds: list[int]


def cross_validate(
    corpus: list[Prepared],
    extra: list[Prepared],
    k: int,
    st: Settings,
    group_by: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> CVResult:
    """k-fold CV (grouped by jurisdiction or bill when asked): each fold trains the whole stack,
    thresholds included, on `extra` plus the other folds, and scores the held-out fold."""
    folds = fold_of([p.example for p in corpus], k, st.seed, group_by)
    inner = Settings(**{**st.__dict__, "group_by": group_by or st.group_by})
    scores = np.zeros((len(corpus), len(TAGS)), dtype=np.float32)
    predictions = np.zeros_like(scores, dtype=bool)
    for f in range(k):
        test_idx = [i for i, g in enumerate(folds) if g == f]
        if not test_idx:
            continue
        train_items = extra + [p for p, g in zip(corpus, folds, strict=True) if g != f]
        model, thresholds = fit_stack(train_items, inner)
        test = [corpus[i] for i in test_idx]
        base = base_of(model)
        full = stacked_scores(test, [section_features(p, base) for p in test], model)
        scores[test_idx] = full[:, :POOLED]
        predictions[test_idx] = decide(full, thresholds, model)
        if progress:
            progress(f"fold {f + 1}/{k} done")
    y, _ = label_matrix([p.example for p in corpus])
    return CVResult(scores, predictions, y, folds)


def settings_from(nlp: Language) -> Settings:
    """Training settings from the pipeline config's [scorer_training] block."""
    raw = training_settings(nlp)
    dense_fields = DenseParams.__dataclass_fields__
    dense = DenseParams(
        **{k: type(getattr(DenseParams(), k))(v) for k, v in raw.items() if k in dense_fields}
    )
    group_by = str(raw.get("inner_group_by", "bill")) or None
    return Settings(
        params_from(raw),
        dense,
        int(raw.get("seed", 1042)),
        int(raw.get("inner_folds", 4)),
        float(raw.get("min_threshold", 0.2)),
        float(raw.get("max_threshold", 0.8)),
        group_by if group_by in GROUP_BY else None,
        int(raw.get("bill_folds", 0)),
        int(raw.get("threshold_bootstraps", 0)),
        float(raw.get("alert_tag_beta", 1.0)),
        float(raw.get("alert_head_beta", 1.0)),
    )


@dataclass
class TrainResult:
    """What training chose: per-tag thresholds and the meta model's weights."""

    thresholds: dict[str, float]
    meta_weights: np.ndarray
    bill_gate: BillGate = field(default_factory=BillGate)


def gate_candidates(
    tagger: Tagger, bills: list[BillRow]
) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Tag each bill; per tag some section raises, the gate's features and whether the bill
    carries it, the bill (its group for folds); and how many labelled tags no section raised."""
    rows, right, groups, unreached = [], [], [], 0
    for bill in bills:
        result = tagger.tag(bill.text, bill.inserted, bill.struck)
        raised = {t for s in result.sections for t in s.tags}
        unreached += len(bill.labels - raised)
        for tag in TAGS:
            if tag in raised:
                rows.append(candidate_features(result.sections, tag, tagger.thresholds[tag]))
                right.append(tag in bill.labels)
                groups.append(bill.group("bill"))
    features = np.array(rows).reshape(len(rows), len(BILL_FEATURES))
    return features, np.array(right, dtype=bool), groups, unreached


def gate_bills(bills: list[BillRow], examples: list[Example]) -> list[BillRow]:
    """The bills the gate may learn from: the train split, less any bill that lent passages
    to the stack (its sections would score as seen text, not as a new bill's)."""
    lent = {ex.group("bill") for ex in examples}
    return [b for b in bills if b.split == "train" and b.group("bill") not in lent]


def look_alike_sections(bills: list[BillRow]) -> list[Example]:
    """Each section of the look-alike bills (whole bills labelled with no tag) as an example
    with no tag, read as the tagger reads it: real bill sections of the kinds that raise false
    alarms (other offenses, appropriations, studies), which passages alone show too few of."""
    out = []
    for bill in bills:
        if bill.labels:
            continue
        text, ins, stk, parts = read_bill(bill.text, bill.inserted, bill.struck)
        for sec in parts:
            if not text[sec.start : sec.end].strip():
                continue
            out.append(
                Example(
                    f"{bill.id}#{sec.index}",
                    text[sec.start : sec.end],
                    set(),
                    inserted=clip(ins, sec.start, sec.end),
                    struck=clip(stk, sec.start, sec.end),
                    source="look-alike bill",
                    jurisdiction=bill.jurisdiction,
                    bill=bill.bill,
                )
            )
    return out


def bill_folds(bills: list[BillRow], k: int, seed: int) -> list[list[BillRow]]:
    """The bills in k folds of whole bills (none when k < 2 or too few of them)."""
    shuffled = sorted(bills, key=lambda b: b.id)
    if k < 2 or len(shuffled) < k:
        return []
    random.Random(seed).shuffle(shuffled)
    return [shuffled[f::k] for f in range(k)]


def fit_bill_gate(
    scored: list[tuple[Tagger, list[BillRow]]], progress: Callable[[str], None] | None = None
) -> BillGate:
    """Learn the bill gate from whole bills, each tagged by a pipeline that did not learn from
    it (`scored`: pipelines and the bills each tags); with too few of them to learn from, an
    untrained gate (a bill carries every tag a section raises)."""
    parts = [gate_candidates(tagger, bills) for tagger, bills in scored]
    bills = [b for _, group in scored for b in group]
    features = np.vstack([p[0] for p in parts]).reshape(-1, len(BILL_FEATURES))
    right = np.concatenate([p[1] for p in parts]).astype(bool)
    groups = [g for p in parts for g in p[2]]
    unreached = sum(p[3] for p in parts)
    try:
        gate = fit_gate(features, right, groups, [b.id for b in bills], unreached)
    except ValueError as exc:
        if progress:
            progress(f"bill gate not learned: {exc}")
        return BillGate()
    if progress:
        progress(
            f"bill gate: {len(bills)} bills, {len(right)} raised tags ({int(right.sum())} right),"
            f" keeps p >= {gate.threshold:.3f}"
        )
    return gate


def _reader(model: StackedModel, thresholds: dict[str, float], config_path: Path) -> Tagger:
    """A tagger over a fresh pipeline holding this stack."""
    reader = build_nlp(config_path)
    scorer = reader.get_pipe("taxonomy_scorer")
    assert isinstance(scorer, TaxonomyScorer)  # the config names our own factory
    scorer.set_model(model, thresholds)
    return Tagger(reader)


def train_pipeline(
    corpus: list[Example],
    extra: list[Example],
    output: Path = PIPELINE_DIR,
    config_path: Path = CONFIG_PATH,
    folds: int | None = None,
    progress: Callable[[str], None] | None = None,
    bills: list[BillRow] | None = None,
    seed: int | None = None,
) -> TrainResult:
    """Train the stack on everything (meta model and thresholds from inner folds), write it;
    `seed` in place of the config's retrains with other folds and starts (to see how much the
    figures move with them)."""
    nlp = build_nlp(config_path)
    st = settings_from(nlp)
    if folds is not None:
        st.inner_folds = folds
    if seed is not None:
        st.seed = st.dense.seed = seed
    random.seed(st.seed)
    np.random.seed(st.seed)
    tagger = Tagger(nlp)
    items = [prepare(tagger, ex) for ex in extra + corpus]
    if progress:
        progress(f"prepared {len(items)} examples")
    if st.inner_folds < 2 or len(items) < st.inner_folds:
        raise ValueError(f"need at least {max(st.inner_folds, 2)} examples and 2 folds to train")
    learn_from = gate_bills(bills or [], extra + corpus)
    of_bills = bill_folds(learn_from, st.bill_folds, st.seed)
    lent = [[prepare(tagger, ex) for ex in look_alike_sections(fold)] for fold in of_bills]
    if progress and lent:
        progress(f"{sum(map(len, lent))} sections of look-alike bills as examples")
    model, thresholds = fit_stack(items + [p for fold in lent for p in fold], st)
    # A fresh pipeline to save: the one used for training holds every word of the training
    # texts in its string store, which the shipped pipeline does not need.
    saved = _reader(model, thresholds, config_path)
    scorer = saved.scorer
    if learn_from:
        # The bills are tagged by copies, so the saved pipeline's string store gains no word of
        # them; a bill of a fold is tagged by a stack trained without that fold, so the gate
        # sees each one as a new bill.
        scored = []
        for f, fold in enumerate(of_bills):
            rest = [p for g, other in enumerate(lent) if g != f for p in other]
            scored.append((_reader(*fit_stack(items + rest, st), config_path), fold))
            if progress:
                progress(f"bill fold {f + 1}/{len(of_bills)} scored")
        if not of_bills:
            scored = [(_reader(model, thresholds, config_path), learn_from)]
        scorer.bill_gate = fit_bill_gate(scored, progress)
    output.mkdir(parents=True, exist_ok=True)
    saved.nlp.to_disk(output)
    return TrainResult(thresholds, model.meta_weights, scorer.bill_gate)
