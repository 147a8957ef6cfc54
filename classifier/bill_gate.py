"""The bill gate: whether a tag some sections raise is the bill's, learned from whole bills.

A long bill has many sections, and each has a small chance of a false tag, so the union of
section tags over-calls bills. Per candidate tag the gate reads how the sections raised it
(how far the best score clears the tag's threshold, how many sections and how much of the bill
raise it, how many sections the bill has) and a logistic model learned on
labelled whole bills says whether the bill carries it. The gate only removes tags; a tag no
section raises stays off.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from classifier.linear import sigmoid

FEATURES = (
    "score_margin",  # the best raising section's log-odds less the threshold's
    "raising_sections",  # log(1 + sections raising the tag)
    "raising_share",  # share of the bill's text in those sections
    "sections",  # log of the bill's number of sections: more sections, more chances of a slip
)
THRESHOLD_GRID = np.round(np.arange(0.10, 0.71, 0.025), 3)
# Folds of whole bills for the out-of-fold scores the threshold is chosen on: a few hundred
# candidates are too few for folds of whole jurisdictions (one state can be half of them).
GATE_FOLDS = 5
GATE_SEED = 1042
# The threshold is the one with the best mean F1 over this many splits into folds: with a few
# hundred candidates the F1 curve is flat, and one split's best threshold swung from 0.10 to
# 0.40 with its seed.
GATE_REPEATS = 20
# Within the noise of the best F1, the lowest threshold: on the curve's flat top a higher one
# only trades bills found for false alarms, and a missed bill costs survivors more than a false
# alarm costs trust. The noise is the standard error of the best F1 over this many bootstrap
# samples of the bills (0: the best threshold itself).
GATE_BOOTSTRAPS = 200
BOOTSTRAP_SEED = 2026


class Section(Protocol):
    """What the gate reads of a tagged section."""

    start: int
    end: int
    tags: list[str]
    scores: dict[str, float]


def candidate_features(sections: Sequence[Section], tag: str, threshold: float) -> np.ndarray:
    """The gate's features for a tag that at least one section raises."""
    raising = [s for s in sections if tag in s.tags]
    if not raising:
        raise ValueError(f"no section raises {tag}")
    total = sum(s.end - s.start for s in sections) or 1
    best = max(s.scores.get(tag, 0.0) for s in raising)
    # a tag forced in below its threshold (the ALERT head, struck text) has a negative margin
    return np.array(
        [
            _logit(best) - _logit(threshold),
            np.log1p(len(raising)),
            sum(s.end - s.start for s in raising) / total,
            np.log(len(sections)),
        ],
        dtype=np.float64,
    )


def _logit(p: float) -> float:
    """Log-odds, bounded so that a score of 0 or 1 stays finite."""
    q = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(q / (1 - q)))


@dataclass
class BillGate:
    """A logistic model over standardised candidate features and the probability it needs;
    untrained, it keeps every tag a section raises."""

    weights: np.ndarray | None = None
    bias: float = 0.0
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    threshold: float = 0.5
    bills: list[str] = field(default_factory=list)  # ids of the bills it learned from

    @property
    def trained(self) -> bool:
        """Whether the gate was learned (else it keeps everything)."""
        return self.weights is not None

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(the bill carries the tag) for (n, FEATURES) or (FEATURES,) features."""
        if self.weights is None or self.mean is None or self.scale is None:
            return np.ones(np.asarray(features).shape[:-1])
        return sigmoid(((features - self.mean) / self.scale) @ self.weights + self.bias)

    def keeps(self, features: np.ndarray) -> bool:
        """Whether a candidate with these features is the bill's tag."""
        return bool(self.probability(features) >= self.threshold)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (the pipeline's labels.json keeps it)."""
        if not self.trained:
            return {"trained": False}
        assert self.weights is not None and self.mean is not None and self.scale is not None
        return {
            "trained": True,
            "features": list(FEATURES),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "threshold": self.threshold,
            "bills": self.bills,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> BillGate:
        """Read what `to_json` wrote; a gate of other features than these is not used."""
        if not data or not data.get("trained") or data.get("features") != list(FEATURES):
            return cls()
        return cls(
            np.array(data["weights"], dtype=np.float64),
            float(data["bias"]),
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            float(data["threshold"]),
            [str(b) for b in data.get("bills", [])],
        )


def _fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Weights and bias over standardised x that minimise the mean log-loss plus l2/2 |w|^2,
    by Newton steps (a few features, so each step is a small linear solve and a dozen steps
    reach the optimum), and the standardising mean and scale."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    theta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = sigmoid(z @ theta)
        grad = z.T @ (p - y) / len(y) + penalty * theta
        if np.abs(grad).max() < 1e-9:
            break
        hessian = (z * (p * (1 - p))[:, None]).T @ z / len(y) + np.diag(penalty)
        theta -= np.linalg.solve(hessian + 1e-9 * np.eye(len(theta)), grad)
    return theta[:-1], float(theta[-1]), mean, scale


def _f1(keep: np.ndarray, y: np.ndarray, unreached: float) -> float:
    """F1 of the kept candidates, counting gold tags no section raised as misses."""
    tp = float((keep & y).sum())
    gold = float(y.sum()) + unreached
    if not tp:
        return 0.0
    return 2 * tp / (float(keep.sum()) + gold)


def fit_gate(
    features: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[str],
    bills: Sequence[str],
    unreached: int = 0,
) -> BillGate:
    """Learn the gate from candidates (rows of `features`, whether each is the bill's tag in
    `labels`); the probability it needs is chosen on the mean F1 of out-of-fold scores (folds
    of whole `groups`, each bill's candidates scored by a model fitted without them) over
    `GATE_REPEATS` splits into folds, so it is neither chosen in-sample nor by the luck of one
    split: the lowest threshold whose F1 is within one bootstrap standard error of the best.
    `unreached`: gold tags of the bills that no section raised (misses the gate cannot mend)."""
    y = labels.astype(bool)
    if len(y) < 10 or y.all() or not y.any():
        raise ValueError("the bill gate needs at least 10 candidates, some right and some wrong")
    x = features.astype(np.float64)
    f1s = np.zeros(len(THRESHOLD_GRID))
    helds = []
    for repeat in range(GATE_REPEATS):
        helds.append(_held_out(x, y, groups, GATE_SEED + repeat))
        f1s += [_f1(helds[-1] >= t, y, unreached) for t in THRESHOLD_GRID]
    f1s /= GATE_REPEATS
    top = int(np.argmax(f1s))
    noise = _best_f1_error(np.mean(helds, axis=0), y, groups, unreached, THRESHOLD_GRID[top])
    # the lowest threshold within noise of the best (ties included)
    best = THRESHOLD_GRID[int(np.flatnonzero(f1s >= f1s[top] - noise)[0])]
    w, b, mean, scale = _fit_logistic(x, y.astype(np.float64))
    return BillGate(w, b, mean, scale, float(best), sorted(set(bills)))


def _best_f1_error(
    held: np.ndarray, y: np.ndarray, groups: Sequence[str], unreached: int, threshold: float
) -> float:
    """The standard error of F1 at `threshold`, over bootstrap samples of whole bills
    (`groups`), each counting the unreached tags in proportion to the gold tags it draws."""
    if GATE_BOOTSTRAPS < 2:
        return 0.0
    keys = sorted(set(groups))
    rows: dict[str, list[int]] = {key: [] for key in keys}
    for i, key in enumerate(groups):
        rows[key].append(i)
    share = unreached / max(int(y.sum()), 1)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    f1s = []
    for _ in range(GATE_BOOTSTRAPS):
        drawn = np.concatenate([rows[keys[k]] for k in rng.integers(0, len(keys), len(keys))])
        f1s.append(_f1(held[drawn] >= threshold, y[drawn], share * float(y[drawn].sum())))
    return float(np.std(f1s))


def _held_out(x: np.ndarray, y: np.ndarray, groups: Sequence[str], seed: int) -> np.ndarray:
    """Each candidate's probability from a model fitted on the other folds of whole groups."""
    keys = sorted(set(groups))
    random.Random(seed).shuffle(keys)
    fold_of = {key: n % GATE_FOLDS for n, key in enumerate(keys)}
    folds = np.array([fold_of[g] for g in groups])
    held = np.zeros(len(y))
    for f in range(GATE_FOLDS):
        test = folds == f
        if (~test).sum() == 0 or y[~test].all() or not y[~test].any():
            held[test] = 1.0  # no model without this group: keep its candidates
            continue
        w, b, mean, scale = _fit_logistic(x[~test], y[~test].astype(np.float64))
        held[test] = sigmoid(((x[test] - mean) / scale) @ w + b)
    return held
