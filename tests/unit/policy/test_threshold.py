"""Certification of a target approval rate: exact binomial tails, Learn-then-Test with a power
ordering, what an uncertifiable target reports, and the per-lender guard."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from loanmatch.domain.binomial import binomial_sf
from loanmatch.domain.certification import (
    choose_threshold,
    critical_count,
    diagnose,
    feasible_pairs,
    guard_groups,
)


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(95, 100, 0.9), (950, 1000, 0.95), (9600, 10000, 0.95), (3, 5, 0.5), (1, 1, 0.3), (0, 4, 0.2)],
)
def test_binomial_tail_matches_scipy(k: int, n: int, p: float) -> None:
    assert binomial_sf(k, n, p) == pytest.approx(binom.sf(k - 1, n, p), rel=1e-9, abs=1e-15)


def test_binomial_tail_is_zero_above_n() -> None:
    assert binomial_sf(6, 5, 0.5) == 0.0


def test_the_critical_count_is_the_fewest_approvals_that_reject() -> None:
    for n in (45, 100, 1000):
        k = critical_count(n, 0.95, 0.1)
        assert binomial_sf(k, n, 0.95) <= 0.1 < binomial_sf(k - 1, n, 0.95)


def test_fewer_pairs_than_the_feasible_count_cannot_reject_even_all_approved() -> None:
    n = feasible_pairs(0.95, 0.1)
    assert n == 45
    assert binomial_sf(n, n, 0.95) <= 0.1 < binomial_sf(n - 1, n - 1, 0.95)


def calibrated(n: int, seed: int, low: float = 0.0, high: float = 1.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    p = low + (high - low) * rng.random(n)
    return p, (rng.random(n) < p).astype(float)


def test_certified_threshold_reaches_the_target_on_held_out_pairs() -> None:
    p, y = calibrated(20_000, seed=1)
    choice = choose_threshold(p, y, target=0.9, confidence=0.9)
    assert choice.certified
    assert choice.approval >= 0.9
    assert choice.p_value <= 0.1
    # calibrated and uniform: true approval above t is (1 + t) / 2, so t near 0.8 is the limit
    assert 0.78 <= choice.threshold <= 0.86


def test_true_approval_reaches_the_target_in_at_least_the_stated_share_of_draws() -> None:
    misses, certified = 0, 0
    draws = 200
    for seed in range(draws):
        p, y = calibrated(2000, seed=seed)
        t = choose_threshold(p, y, target=0.9, confidence=0.9).threshold
        certified += math.isfinite(t)
        if math.isfinite(t) and (1 + t) / 2 < 0.9:
            misses += 1
    assert misses / draws <= 0.1 + 0.05
    assert certified / draws >= 0.8


def test_scores_that_never_saturate_are_still_certified() -> None:
    # true approval never exceeds 0.97: the top 20 pairs alone can never reject 0.95 or 0.9
    # (p-values 0.36 and 0.12 with all of them approved); the test must start lower
    p, y = calibrated(20_000, seed=3, low=0.6, high=0.97)
    choice = choose_threshold(p, y, target=0.9, confidence=0.9)
    assert choice.certified
    assert choice.start < float(np.max(p)) - 0.01
    assert (choice.threshold + 0.97) / 2 >= 0.9  # the true approval above it
    assert choice.threshold <= 0.86


def test_a_bad_top_does_not_block_a_lower_threshold_that_meets_the_target() -> None:
    p = np.concatenate([np.full(50, 0.99), np.full(1500, 0.9)])
    y = np.concatenate([np.zeros(50), np.ones(1500)])
    choice = choose_threshold(p, y, target=0.8)
    assert choice.threshold == pytest.approx(0.9)


def test_testing_stops_at_the_first_threshold_it_cannot_certify() -> None:
    # approvals above 0.9, declines from 0.8 down: below 0.9 the pooled approval collapses
    p = np.concatenate([np.full(1000, 0.95), np.full(3000, 0.8), np.full(3000, 0.7)])
    y = np.concatenate([np.ones(1000), np.zeros(3000), np.ones(3000)])
    choice = choose_threshold(p, y, target=0.8)
    assert choice.threshold == pytest.approx(0.95)


def test_nothing_is_certified_when_no_score_is_high_enough() -> None:
    p, y = calibrated(5000, seed=2)
    choice = choose_threshold(p * 0.5, y * 0, target=0.9)
    assert not choice.certified
    assert math.isinf(choice.threshold)


def test_an_uncertifiable_target_reports_the_highest_that_is_and_the_data_it_needs() -> None:
    p, y = calibrated(3000, seed=4, low=0.6, high=0.97)
    choice = diagnose(choose_threshold(p, y, target=0.96), p, y)
    assert not choice.certified
    assert choice.highest_certifiable is not None
    assert 0.85 <= choice.highest_certifiable < 0.96
    assert choice.pairs_needed is None or choice.pairs_needed > 0


def test_more_data_is_said_to_help_only_when_the_observed_approval_clears_the_target() -> None:
    p, y = calibrated(400, seed=5, low=0.9, high=0.999)
    hopeful = diagnose(choose_threshold(p, y, target=0.94), p, y)
    hopeless = diagnose(choose_threshold(p, y * 0, target=0.94), p, y * 0)
    if not hopeful.certified:
        assert hopeful.pairs_needed is not None
        assert hopeful.pairs_needed > 100
    assert hopeless.pairs_needed is None
    assert hopeless.highest_certifiable is None


def test_a_lender_below_the_target_gets_its_own_higher_threshold_or_none() -> None:
    rng = np.random.default_rng(6)
    p = rng.uniform(0.85, 1.0, 6000)
    lender = np.repeat([0, 1, 2], 2000)
    truth = np.where(lender == 2, p - 0.25, p)  # lender 2 approves far less than predicted
    y = (rng.random(p.size) < truth).astype(float)
    choice = guard_groups(choose_threshold(p, y, target=0.85), p, y, lender)
    assert choice.certified
    assert set(choice.group_thresholds) == {2}
    assert choice.threshold_for(2) > choice.threshold
    assert choice.threshold_for(0) == choice.threshold


def test_unknown_scores_are_ignored() -> None:
    p = np.concatenate([np.full(500, 0.95), [np.nan] * 10])
    y = np.concatenate([np.ones(500), np.zeros(10)])
    assert choose_threshold(p, y, target=0.8).approval == 1.0


@pytest.mark.parametrize(("target", "confidence"), [(1.0, 0.9), (0.9, 1.0), (0.0, 0.5)])
def test_target_and_confidence_must_be_proper_fractions(target: float, confidence: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        choose_threshold([0.5], [1], target=target, confidence=confidence)
