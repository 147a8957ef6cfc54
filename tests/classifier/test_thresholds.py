"""Threshold choices on out-of-fold scores: plain best F1 and its bagged, steadier form."""

import numpy as np

from classifier.stacking import DenseParams, fit_dense
from classifier.thresholds import fbeta_curves, steady_threshold

GRID = np.round(np.arange(0.10, 0.91, 0.025), 3)


def _overlapping_scores(n: int = 160, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    scores = np.clip(np.where(y, rng.normal(0.6, 0.15, n), rng.normal(0.4, 0.15, n)), 0, 1)
    return scores, y


def test_f_curve_counts_each_resampled_example_as_often_as_drawn():
    scores = np.array([0.9, 0.8, 0.2])
    y = np.array([1, 0, 1])
    grid = np.array([0.5])
    assert fbeta_curves(scores, y, grid, np.ones((1, 3)))[0, 0] == 2 * 1 / (2 + 2)
    # the first positive drawn twice, the false alarm never: tp 2, predicted 2, positives 3
    assert fbeta_curves(scores, y, grid, np.array([[2.0, 0.0, 1.0]]))[0, 0] == 2 * 2 / (3 + 2)


def test_plain_threshold_is_the_middle_of_the_best_ties():
    scores = np.array([0.95, 0.05])
    y = np.array([1, 0])
    # every threshold from 0.1 to 0.9 separates the two: the middle one is chosen
    assert steady_threshold(scores, y, GRID) == float(GRID[len(GRID) // 2])


def test_bagged_threshold_lies_within_the_grid_and_is_reproducible():
    scores, y = _overlapping_scores()
    first = steady_threshold(scores, y, GRID, bootstraps=50)
    assert GRID[0] <= first <= GRID[-1]
    assert steady_threshold(scores, y, GRID, bootstraps=50) == first


def test_bagged_threshold_moves_less_across_subsamples_of_the_data():
    scores, y = _overlapping_scores()
    rng = np.random.default_rng(11)
    plain, bagged = [], []
    for _ in range(30):  # retraining sees slightly different data each time
        keep = rng.random(len(y)) < 0.9
        plain.append(steady_threshold(scores[keep], y[keep], GRID))
        bagged.append(steady_threshold(scores[keep], y[keep], GRID, bootstraps=100))
    assert np.std(bagged) < np.std(plain)


def test_bagged_hidden_models_score_the_mean_of_their_logits():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    y = (vectors[:, :2] > 0).astype(np.float32)
    weight = np.ones_like(y)
    params = DenseParams(hidden=4, hidden_epochs=20, seed=3, dense_bags=3)
    hidden, w, b = fit_dense(vectors, y, weight, params, 1.0)
    assert hidden is not None and hidden.weights.shape == (8, 12) and w.shape == (12, 2)
    singles = []
    for i in range(3):
        one = DenseParams(hidden=4, hidden_epochs=20, seed=3 + i)
        h, wi, bi = fit_dense(vectors, y, weight, one, 1.0)
        assert h is not None
        singles.append(h(vectors) @ wi + bi)
    assert np.allclose(hidden(vectors) @ w + b, np.mean(singles, axis=0), atol=1e-4)


def test_f_beta_weighs_recall_beta_squared_times_precision():
    scores = np.array([0.9, 0.8, 0.2])
    y = np.array([1, 0, 1])
    grid = np.array([0.5])
    # tp 1, predicted 2, positives 2: F2 = 5 tp / (4 positives + predicted)
    assert fbeta_curves(scores, y, grid, np.ones((1, 3)), beta=2.0)[0, 0] == 5 * 1 / (4 * 2 + 2)
    assert fbeta_curves(scores, y, grid, np.ones((1, 3)), beta=1.0)[0, 0] == 2 * 1 / (2 + 2)


def test_a_recall_weighted_threshold_lies_below_the_f1_one():
    scores, y = _overlapping_scores()
    f1 = steady_threshold(scores, y, GRID, bootstraps=50)
    f2 = steady_threshold(scores, y, GRID, bootstraps=50, beta=2.0)
    assert f2 < f1
    # found positives count more than false alarms, so more of the positives are kept
    assert (scores[y] >= f2).mean() > (scores[y] >= f1).mean()
