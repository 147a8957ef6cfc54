"""Stacking: per tag, a small logistic model over the base models' scores and the rule support.

The base models are the sparse linear scorer (words and rule matches) and the embedding model
over WordLlama section vectors: a logistic layer, over a hidden layer of ReLU units when the
config asks for one (shared by every tag, so rare tags learn from what the others need). Their
out-of-fold logits, the best single sentence's embedding logit and whether a live pattern of
the tag matched are the meta features; the meta model learns per tag how far to trust each
(non-negative weights: every base score is evidence for the tag), in place of hand-set gates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from classifier.linear import sigmoid
from classifier.thresholds import steady_threshold

META_FEATURES = ("sparse", "embedding", "best_sentence", "rule_support", "blocked_match")
# Every feature but the last is evidence for the tag (its weight may not go negative); a
# pattern of the tag whose every match the scope rules set aside (struck, in a definition, a
# civil penalty, a repeal) is evidence against it.
NONNEGATIVE = np.array([True, True, True, True, False])
N_META = len(META_FEATURES)
LOGIT_CLIP = 12.0


@dataclass
class DenseParams:
    """Settings of the embedding model and the meta model (the config's [scorer_training])."""

    embed_epochs: int = 300
    embed_learn_rate: float = 0.05
    embed_l2: float = 1e-3
    meta_epochs: int = 600
    meta_learn_rate: float = 0.3
    meta_l2: float = 1e-4
    hidden: int = 0  # ReLU units of the embedding model; 0: logistic over the vectors
    hidden_epochs: int = 300
    hidden_learn_rate: float = 0.003
    hidden_l2: float = 1e-3
    hidden_dropout: float = 0.3
    # hidden-layer models of different seeds averaged (their units side by side, their output
    # weights shared out): one model's dropout and start decide less of what a section scores
    dense_bags: int = 1
    seed: int = 0


@dataclass
class Hidden:
    """The embedding model's hidden layer over raw WordLlama vectors (standardising folded in).

    Its first step is linear, so a section's input is still a sum over its words' projected
    rows (`WordVectors.projected`) before the ReLU.
    """

    weights: np.ndarray  # (DIM, units)
    bias: np.ndarray  # (units,)

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        """The units' activations for (n, DIM) vectors."""
        return activate(vectors @ self.weights, self.bias)


def activate(projected: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ReLU of projected vectors plus the hidden layer's bias."""
    return np.maximum(projected + bias, 0.0).astype(np.float32)


def _adam(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    epochs: int,
    learn_rate: float,
    l2: float,
    nonneg: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-output logistic regression on dense x (n, d) by full-batch Adam."""
    n, d = x.shape
    k = y.shape[1]
    w = np.zeros((d, k), dtype=np.float64)
    b = np.zeros(k, dtype=np.float64)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    norm = max(float(weight.sum()) / k, 1e-9)
    for step in range(1, epochs + 1):
        p = sigmoid(x @ w + b)
        g = (p - y) * weight / norm
        _adam_update(w, x.T @ g + l2 * w, m_w, v_w, learn_rate, step)
        _adam_update(b, g.sum(axis=0), m_b, v_b, learn_rate, step)
        if nonneg is not None:
            w[nonneg] = np.maximum(w[nonneg], 0.0)
    return w.astype(np.float32), b.astype(np.float32)


def _adam_update(
    param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, learn_rate: float, step: int
) -> None:
    """One Adam step on `param` in place (moments `m` and `v` updated in place too)."""
    m *= 0.9
    m += 0.1 * grad
    v *= 0.999
    v += 0.001 * grad * grad
    param -= learn_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)


def fit_embedding(
    vectors: np.ndarray, y: np.ndarray, weight: np.ndarray, params: DenseParams, pos_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """(DIM, tags) weights and bias of the logistic model over section vectors.

    Trained on standardised dimensions, then folded back into weights over raw vectors, so
    that a section's score stays a sum over its words (see `WordVectors.projected`).
    """
    mu = vectors.mean(axis=0)
    sd = vectors.std(axis=0) + 1e-6
    cw = np.where(y > 0, pos_weight, 1.0) * weight
    w, b = _adam(
        (vectors - mu) / sd,
        y,
        cw,
        params.embed_epochs,
        params.embed_learn_rate,
        params.embed_l2,
    )
    raw_w = w / sd[:, None]
    return raw_w.astype(np.float32), (b - mu @ raw_w).astype(np.float32)


def fit_dense(
    vectors: np.ndarray, y: np.ndarray, weight: np.ndarray, params: DenseParams, pos_weight: float
) -> tuple[Hidden | None, np.ndarray, np.ndarray]:
    """The embedding model: (hidden layer or None, output weights, output bias)."""
    if params.hidden <= 0:
        return None, *fit_embedding(vectors, y, weight, params, pos_weight)
    bags = [
        _fit_hidden(vectors, y, weight, replace(params, seed=params.seed + i), pos_weight)
        for i in range(max(params.dense_bags, 1))
    ]
    if len(bags) == 1:
        return bags[0]
    # The mean of the bags' logits is one wider model: units side by side, output rows scaled
    # by 1/bags.
    units = Hidden(
        np.hstack([h.weights for h, _, _ in bags]), np.concatenate([h.bias for h, _, _ in bags])
    )
    out = np.vstack([w for _, w, _ in bags]) / len(bags)
    return units, out.astype(np.float32), np.mean([b for _, _, b in bags], axis=0)


def _fit_hidden(
    vectors: np.ndarray, y: np.ndarray, weight: np.ndarray, params: DenseParams, pos_weight: float
) -> tuple[Hidden, np.ndarray, np.ndarray]:
    """One hidden-layer model over standardised vectors, standardising folded into its first
    layer."""
    mu = vectors.mean(axis=0)
    sd = vectors.std(axis=0) + 1e-6
    cw = np.where(y > 0, pos_weight, 1.0) * weight
    w1, b1, w2, b2 = _adam_mlp((vectors - mu) / sd, y, cw, params)
    raw_w1 = w1 / sd[:, None]
    hidden = Hidden(raw_w1.astype(np.float32), (b1 - mu @ raw_w1).astype(np.float32))
    return hidden, w2.astype(np.float32), b2.astype(np.float32)


def _adam_mlp(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, params: DenseParams
) -> list[np.ndarray]:
    """One hidden layer of ReLU units, multi-output logistic on top, by full-batch Adam with
    dropout on the units (a few thousand passages: without it the layer learns them by heart)."""
    rng = np.random.default_rng(params.seed)
    d = x.shape[1]
    k, units, drop = y.shape[1], params.hidden, params.hidden_dropout
    x = x.astype(np.float64)
    w1, b1 = rng.normal(0.0, np.sqrt(2.0 / d), (d, units)), np.zeros(units)
    w2, b2 = rng.normal(0.0, 0.01, (units, k)), np.zeros(k)
    weights = [w1, b1, w2, b2]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in weights]
    norm = max(float(weight.sum()) / k, 1e-9)
    for step in range(1, params.hidden_epochs + 1):
        pre = x @ w1 + b1
        keep = (rng.random(pre.shape) >= drop) / (1.0 - drop)
        h = np.maximum(pre, 0.0) * keep
        g = (sigmoid(h @ w2 + b2) - y) * weight / norm
        back = (g @ w2.T) * keep * (pre > 0)
        grads = [
            x.T @ back + params.hidden_l2 * w1,
            back.sum(axis=0),
            h.T @ g + params.hidden_l2 * w2,
            g.sum(axis=0),
        ]
        for param, grad, (m, v) in zip(weights, grads, moments, strict=True):
            _adam_update(param, grad, m, v, params.hidden_learn_rate, step)
    return weights


def meta_matrix(
    sparse: np.ndarray,
    embedding: np.ndarray,
    best: np.ndarray,
    support: np.ndarray,
    blocked: np.ndarray | None = None,
) -> np.ndarray:
    """(n, tags, N_META) meta features from (n, tags) logits and 0/1 support and blocked."""
    logits = [np.clip(a, -LOGIT_CLIP, LOGIT_CLIP) / LOGIT_CLIP for a in (sparse, embedding, best)]
    flags = [support, np.zeros_like(support) if blocked is None else blocked]
    return np.stack([*logits, *flags], axis=-1).astype(np.float32)


def fit_meta(
    features: np.ndarray, y: np.ndarray, weight: np.ndarray, params: DenseParams
) -> tuple[np.ndarray, np.ndarray]:
    """(tags, N_META) non-negative weights and (tags,) bias: one meta model per tag."""
    k = y.shape[1]
    w = np.zeros((k, N_META), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    for j in range(k):
        wj, bj = _adam(
            features[:, j, :],
            y[:, j : j + 1],
            weight[:, j : j + 1],
            params.meta_epochs,
            params.meta_learn_rate,
            params.meta_l2,
            nonneg=NONNEGATIVE,
        )
        w[j], b[j] = wj[:, 0], bj[0]
    return w, b


def apply_meta(features: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Probabilities (..., tags) from meta features (..., tags, N_META)."""
    return np.asarray(sigmoid((features * w).sum(axis=-1) + b), dtype=np.float32)


# The ALERT head ------------------------------------------------------------------------------
# Whether a section carries any ALERT tag is decided once, by a model trained on every ALERT
# passage pooled (more data than any one tag has), not by six small per-tag models each getting
# its threshold right. Its base inputs are those of a tag: the highest ALERT sparse logit, a
# logistic model over the section vectors fitted on the pooled label, the best sentence's logit
# and whether any ALERT pattern matched live; a second level combines its probability with the
# best two ALERT tag probabilities (logits), fitted on out-of-fold scores like the meta model.

N_HEAD = 3


@dataclass
class AlertHead:
    """Weights of the ALERT head: embedding column, meta row, second level and threshold."""

    embed_weights: np.ndarray  # (DIM,)
    embed_bias: float
    meta_weights: np.ndarray  # (N_META,)
    meta_bias: float
    head_weights: np.ndarray  # (N_HEAD,)
    head_bias: float
    threshold: float
    trained: bool = True

    @classmethod
    def untrained(cls, dim: int) -> AlertHead:
        """No head (a pipeline saved without one): the per-tag thresholds decide alone."""
        head = np.zeros(N_HEAD, dtype=np.float32)
        head[1] = 1.0
        return cls(
            np.zeros(dim, np.float32), 0.0, np.zeros(N_META, np.float32), 0.0, head, 0.0, 0.5
        )


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def head_inputs(pooled: np.ndarray, alert_probs: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """(n, N_HEAD) second-level inputs: the pooled model's probability and the best two ALERT
    tags' probabilities (ranked by probability over threshold), as logits."""
    order = np.argsort(-relative, axis=1)
    top = np.take_along_axis(alert_probs, order, axis=1)
    second = top[:, 1] if top.shape[1] > 1 else np.zeros(len(top), np.float32)
    return np.stack([_logit(pooled), _logit(top[:, 0]), _logit(second)], axis=1)


def fit_head(z: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Second-level logistic weights over `head_inputs` (non-negative: each is evidence)."""
    w, b = _adam(z, y[:, None], weight[:, None], 500, 0.1, 1e-3, nonneg=np.ones(N_HEAD, dtype=bool))
    return w[:, 0], float(b[0])


def head_threshold(
    prob: np.ndarray, y: np.ndarray, bootstraps: int = 0, beta: float = 1.0
) -> float:
    """The head threshold maximising F-beta (F1 by default) on out-of-fold probabilities
    (ties: the middle one), bagged over that many bootstrap resamples when asked."""
    grid = np.round(np.arange(0.10, 0.905, 0.01), 3)
    return steady_threshold(prob, y, grid, bootstraps=bootstraps, beta=beta)


def alert_decision(
    probs: np.ndarray,
    pooled: np.ndarray,
    thresholds: np.ndarray,
    alert: np.ndarray,
    head: AlertHead,
    support: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(tags, head probability) of (n, tags) probabilities: per-tag thresholds decide TRACK
    tags; the head decides whether any ALERT tag holds, and when it does, the ALERT tags over
    their thresholds hold, or else the one highest over its threshold among those a live rule
    match supports (`support`, (n, tags) 0/1): a tag is never forced in on words alone."""
    if not head.trained:
        return probs >= thresholds, probs[:, alert].max(axis=1)
    relative = probs[:, alert] / thresholds[alert]
    z = head_inputs(pooled, probs[:, alert], relative)
    prob = np.asarray(sigmoid(z @ head.head_weights + head.head_bias), dtype=np.float32)
    tags = probs >= thresholds
    fire = prob >= head.threshold
    tags[:, alert] &= fire[:, None]
    cols = np.flatnonzero(alert)
    backed = np.ones_like(relative, dtype=bool) if support is None else support[:, alert] > 0
    backed &= probs[:, alert] > 0  # a tag every match of which is set aside stays off
    for r in np.flatnonzero(fire & ~tags[:, alert].any(axis=1) & backed.any(axis=1)):
        tags[r, cols[int(np.argmax(np.where(backed[r], relative[r], -np.inf)))]] = True
    return tags, prob
