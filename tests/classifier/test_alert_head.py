"""The ALERT head: one pooled decision whether a section carries any ALERT tag."""

from __future__ import annotations

import numpy as np

from classifier.components import TaxonomyScorer
from classifier.stacking import (
    N_HEAD,
    AlertHead,
    alert_decision,
    fit_head,
    head_inputs,
    head_threshold,
)
from classifier.taxonomy import ALERT_TAGS, TAGS

ALERT = np.array([t in ALERT_TAGS for t in TAGS])
TH = np.full(len(TAGS), 0.5, dtype=np.float32)


def _head(threshold: float = 0.5) -> AlertHead:
    head = AlertHead.untrained(8)
    head.trained = True
    head.head_weights = np.array([1.0, 0.0, 0.0], dtype=np.float32)  # the pooled model alone
    head.threshold = threshold
    return head


def test_fired_head_gives_the_best_alert_tag_relative_to_its_threshold() -> None:
    probs = np.full((1, len(TAGS)), 0.1, dtype=np.float32)
    a, b = np.flatnonzero(ALERT)[:2]
    th = TH.copy()
    probs[0, a], probs[0, b] = 0.40, 0.30
    th[b] = 0.32  # b is closer to its own threshold than a is
    tags, prob = alert_decision(probs, np.array([0.9], np.float32), th, ALERT, _head())
    assert prob[0] > 0.5
    assert np.flatnonzero(tags[0]).tolist() == [b]


def test_fired_head_forces_in_only_a_tag_a_live_rule_match_supports() -> None:
    probs = np.full((1, len(TAGS)), 0.1, dtype=np.float32)
    a, b = np.flatnonzero(ALERT)[:2]
    probs[0, a], probs[0, b] = 0.45, 0.30
    support = np.zeros((1, len(TAGS)), dtype=np.float32)
    pooled = np.array([0.9], np.float32)
    tags, _ = alert_decision(probs, pooled, TH, ALERT, _head(), support)
    assert not tags.any()  # words alone: nothing is forced in
    support[0, b] = 1.0
    tags, _ = alert_decision(probs, pooled, TH, ALERT, _head(), support)
    assert np.flatnonzero(tags[0]).tolist() == [b]  # the supported one, though a scores higher


def test_silent_head_drops_alert_tags_and_keeps_track_tags() -> None:
    probs = np.full((1, len(TAGS)), 0.9, dtype=np.float32)
    tags, _ = alert_decision(probs, np.array([0.05], np.float32), TH, ALERT, _head())
    assert not tags[0, ALERT].any()
    assert tags[0, ~ALERT].all()


def test_a_tag_set_aside_everywhere_is_not_given() -> None:
    probs = np.zeros((1, len(TAGS)), dtype=np.float32)
    tags, _ = alert_decision(probs, np.array([0.99], np.float32), TH, ALERT, _head())
    assert not tags.any()


def test_untrained_head_leaves_the_thresholds_alone() -> None:
    rng = np.random.default_rng(3)
    probs = rng.random((20, len(TAGS))).astype(np.float32)
    tags, _ = alert_decision(probs, np.zeros(20, np.float32), TH, ALERT, AlertHead.untrained(8))
    assert (tags == (probs >= TH)).all()


def test_second_level_learns_from_the_pooled_model() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.5).astype(np.float32)
    pooled = np.clip(0.5 + (y - 0.5) * 0.8 + rng.normal(0, 0.05, 300), 0.01, 0.99)
    noise = rng.random((300, 2)).astype(np.float32)
    z = head_inputs(pooled.astype(np.float32), noise, noise)
    w, _ = fit_head(z, y, np.ones(300, np.float32))
    assert w.shape == (N_HEAD,)
    assert (w >= 0).all()
    assert w[0] > 2 * max(w[1], w[2])


def test_scorer_saves_and_loads_its_head(tmp_path) -> None:
    scorer = TaxonomyScorer("taxonomy_scorer", TAGS)
    head = AlertHead.untrained(scorer.embed_weights.shape[0])
    head.trained = True
    head.embed_weights = np.linspace(-1, 1, len(head.embed_weights)).astype(np.float32)
    head.head_weights = np.array([2.0, 1.0, 0.5], np.float32)
    head.head_bias, head.threshold = -0.25, 0.37
    scorer.alert = head
    scorer.to_disk(tmp_path)
    loaded = TaxonomyScorer("taxonomy_scorer", TAGS).from_disk(tmp_path)
    assert loaded.alert.trained
    assert loaded.alert.threshold == 0.37
    assert np.allclose(loaded.alert.head_weights, head.head_weights)
    assert np.allclose(loaded.embed_all[:, -1], head.embed_weights)


def test_a_recall_weighted_head_threshold_fires_on_more_alert_passages():
    rng = np.random.default_rng(7)
    y = rng.random(400) < 0.3
    prob = np.clip(np.where(y, rng.normal(0.6, 0.2, 400), rng.normal(0.35, 0.2, 400)), 0, 1)
    f1, f2 = head_threshold(prob, y, 50), head_threshold(prob, y, 50, beta=2.0)
    assert f2 < f1
    assert (prob[y] >= f2).sum() > (prob[y] >= f1).sum()
