"""Learn-then-Test threshold choice: exact binomial tails and fixed-sequence testing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from loanmatch.domain.policy import binomial_sf, choose_threshold


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(95, 100, 0.9), (950, 1000, 0.95), (9600, 10000, 0.95), (3, 5, 0.5), (1, 1, 0.3), (0, 4, 0.2)],
)
def test_binomial_tail_matches_scipy(k: int, n: int, p: float) -> None:
    assert binomial_sf(k, n, p) == pytest.approx(binom.sf(k - 1, n, p), rel=1e-9, abs=1e-15)


def test_binomial_tail_is_zero_above_n() -> None:
    assert binomial_sf(6, 5, 0.5) == 0.0


def calibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return p, (rng.random(n) < p).astype(float)


def test_certified_threshold_reaches_the_target_on_held_out_pairs() -> None:
    p, y = calibrated(20_000, seed=1)
    choice = choose_threshold(p, y, target=0.9, confidence=0.9)
    assert choice.certified
    assert choice.approval >= 0.9
    assert choice.p_value <= 0.1
    assert choice.n_pairs == int((p >= choice.threshold).sum())
    # calibrated and uniform: true approval above t is (1 + t) / 2, so t near 0.8 is the limit
    assert 0.75 <= choice.threshold <= 0.85


def test_true_approval_reaches_the_target_in_at_least_the_stated_share_of_draws() -> None:
    misses = 0
    draws = 200
    for seed in range(draws):
        p, y = calibrated(2000, seed=seed)
        t = choose_threshold(p, y, target=0.9, confidence=0.9).threshold
        if math.isfinite(t) and (1 + t) / 2 < 0.9:
            misses += 1
    assert misses / draws <= 0.1 + 0.05


def test_nothing_is_certified_when_no_score_is_high_enough() -> None:
    p, y = calibrated(5000, seed=2)
    choice = choose_threshold(p * 0.5, y * 0 + (p > 2), target=0.9)
    assert not choice.certified
    assert math.isinf(choice.threshold)


def test_testing_stops_at_the_first_threshold_it_cannot_certify() -> None:
    # the highest scores are all declines, lower ones all approvals: fixed-sequence testing must
    # stop at the top instead of hunting for a lower threshold that happens to pass
    p = np.concatenate([np.full(50, 0.99), np.full(500, 0.9)])
    y = np.concatenate([np.zeros(50), np.ones(500)])
    choice = choose_threshold(p, y, target=0.8)
    assert not choice.certified
    assert choice.tested == 1


def test_thresholds_with_too_few_pairs_are_skipped_not_failed() -> None:
    p = np.concatenate([np.full(5, 0.999), np.full(500, 0.95)])
    y = np.concatenate([np.zeros(5), np.ones(500)])
    assert choose_threshold(p, y, target=0.8, min_pairs=20).threshold == pytest.approx(0.95)


def test_unknown_scores_are_ignored() -> None:
    p = np.concatenate([np.full(500, 0.95), [np.nan] * 10])
    y = np.concatenate([np.ones(500), np.zeros(10)])
    assert choose_threshold(p, y, target=0.8).n_pairs == 500


@pytest.mark.parametrize(("target", "confidence"), [(1.0, 0.9), (0.9, 1.0), (0.0, 0.5)])
def test_target_and_confidence_must_be_proper_fractions(target: float, confidence: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        choose_threshold([0.5], [1], target=target, confidence=confidence)
