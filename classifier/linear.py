"""A multi-label logistic model over sparse features, trained with numpy (full batch, Adam)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass
class SparseRows:
    """Rows of a sparse matrix in CSR form."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[tuple[np.ndarray, np.ndarray]]) -> SparseRows:
        """Stack (indices, values) rows."""
        lengths = np.array([len(i) for i, _ in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
        return cls(indptr, indices.astype(np.int64), data.astype(np.float32))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @cached_property
    def rows(self) -> np.ndarray:
        """The row of each stored value."""
        return np.repeat(np.arange(len(self)), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """self @ weights for weights of shape (n_features, n_outputs)."""
        # One bincount per output column: far faster than summing (values, outputs) rows.
        by_column = np.ascontiguousarray(weights.T)
        columns = [
            np.bincount(self.rows, weights=col[self.indices] * self.data, minlength=len(self))
            for col in by_column
        ]
        return np.stack(columns, axis=1).astype(np.float32).reshape(len(self), weights.shape[1])

    def t_dot(self, g: np.ndarray, n_features: int) -> np.ndarray:
        """self.T @ g for g of shape (rows, n_outputs): (n_features, n_outputs)."""
        columns = [
            np.bincount(self.indices, weights=col[self.rows] * self.data, minlength=n_features)
            for col in np.ascontiguousarray(g.T)
        ]
        return np.stack(columns, axis=1).astype(np.float32).reshape(n_features, g.shape[1])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large magnitudes."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


@dataclass
class TrainParams:
    """Optimisation settings (read from the [training] block of the config)."""

    epochs: int = 250
    learn_rate: float = 0.05
    l2_words: float = 3e-4
    l2_rules: float = 3e-5
    pos_weight: float = 2.0


def train(
    x: SparseRows,
    y: np.ndarray,
    n_features: int,
    n_word: int,
    params: TrainParams,
    sample_weight: np.ndarray | None = None,
    allowed: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features, n_labels) and bias fitting y; sample_weight per row or per cell."""
    n, k = y.shape
    sw = np.ones((n, k), dtype=np.float32) if sample_weight is None else sample_weight
    if sw.ndim == 1:
        sw = sw[:, None] * np.ones((1, k), dtype=np.float32)
    used = np.unique(x.indices)  # only features that occur get gradients (and Adam state)
    remap = np.zeros(n_features, dtype=np.int64)
    remap[used] = np.arange(len(used))
    local = SparseRows(x.indptr, remap[x.indices], x.data)
    w = np.zeros((len(used), k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    l2 = np.where(used < n_word, params.l2_words, params.l2_rules).astype(np.float32)[:, None]
    # Which (feature, label) weights may be non-zero; the rest stay at zero.
    keep = np.ones((len(used), k), dtype=np.float32) if allowed is None else allowed(used)
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    cw = np.where(y > 0, params.pos_weight, 1.0).astype(np.float32) * sw
    norm = float(cw.sum() / k)
    for step in range(1, params.epochs + 1):
        p = sigmoid(local.dot(w) + b)
        g = (p - y) * cw / norm
        grad_w = (local.t_dot(g, len(used)) + l2 * w) * keep
        grad_b = g.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1**step)
            v_hat = v / (1 - beta2**step)
            param -= params.learn_rate * m_hat / (np.sqrt(v_hat) + eps)
    full = np.zeros((n_features, k), dtype=np.float32)
    full[used] = w
    return full, b
