"""Precision, recall and F1 per tag, micro and macro, and at the ALERT level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifier.taxonomy import ALERT_TAGS, TAGS


@dataclass(frozen=True)
class PRF:
    """Precision, recall, F1 and support."""

    p: float
    r: float
    f: float
    support: int


def prf(pred: np.ndarray, gold: np.ndarray) -> PRF:
    """P/R/F1 of boolean arrays of the same shape."""
    pred, gold = pred.astype(bool), gold.astype(bool)
    tp = float((pred & gold).sum())
    p = tp / pred.sum() if pred.sum() else (1.0 if not gold.sum() else 0.0)
    r = tp / gold.sum() if gold.sum() else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f, int(gold.sum()))


def alert_column(matrix: np.ndarray) -> np.ndarray:
    """Whether each row carries any ALERT tag."""
    cols = [i for i, t in enumerate(TAGS) if t in ALERT_TAGS]
    return np.asarray(matrix[:, cols].astype(bool).any(axis=1))


@dataclass
class Report:
    """All the numbers of one system on one labelled set."""

    per_tag: dict[str, PRF]
    micro: PRF
    macro_f1: float
    alert: PRF


def report(pred: np.ndarray, gold: np.ndarray, alert_pred: np.ndarray | None = None) -> Report:
    """Metrics of predictions (n, tags) against gold (n, tags)."""
    per_tag = {t: prf(pred[:, j], gold[:, j]) for j, t in enumerate(TAGS)}
    micro = prf(pred, gold)
    macro = float(np.mean([m.f for m in per_tag.values()]))
    ap = alert_column(pred) if alert_pred is None else alert_pred
    return Report(per_tag, micro, macro, prf(ap, alert_column(gold)))
