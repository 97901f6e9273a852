"""A batch's threshold is certified on held-out decisions reweighted to the batch's own mix."""

from __future__ import annotations

import math

import numpy as np

from loanmatch.domain.mix_certificate import MIN_BAND_PAIRS, certify_mix, mix_estimate


def calibrated(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(4, 1.5, n)
    return p, (rng.random(n) < p).astype(float)


def test_the_estimate_follows_the_batch_mix_not_the_held_out_one() -> None:
    p, y = calibrated(20_000)
    batch = np.random.default_rng(1).uniform(0.9, 1.0, 5_000)  # a batch of high pairs only
    approval, effective = mix_estimate(p, y, batch, 0.5)
    assert abs(approval - batch.mean()) < 0.02
    assert y[p >= 0.5].mean() < approval - 0.05  # the held-out mix above 0.5 is lower
    assert 0 < effective < (p >= 0.5).sum()


def test_the_bands_are_as_fine_at_a_high_threshold_as_at_a_low_one() -> None:
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(0.3, 0.9, 20_000), rng.uniform(0.9, 1.0, 2_000)])
    y = (rng.random(p.size) < p).astype(float)
    batch = rng.uniform(0.985, 1.0, 3_000)  # the batch sits at the very top
    approval, _ = mix_estimate(p, y, batch, 0.9)
    assert abs(approval - batch.mean()) < 0.015  # not the 0.95 of all pairs above 0.9
    assert y[p >= 0.9].mean() < batch.mean() - 0.03


def test_too_few_held_out_pairs_give_no_estimate() -> None:
    p, y = calibrated(MIN_BAND_PAIRS - 1)
    approval, effective = mix_estimate(p, y, np.array([0.9]), 0.0)
    assert math.isnan(approval)
    assert effective == 0.0


def test_a_calibrated_model_is_certified_below_the_pooled_threshold_for_a_high_mix() -> None:
    p, y = calibrated(8_000)
    groups = np.arange(p.size)
    rng = np.random.default_rng(2)
    batch = np.clip(rng.beta(12, 1.2, 4_000), 0, 1)

    def batch_at(t: float) -> np.ndarray:
        return batch[batch >= t]

    grid = [float(t) for t in np.round(np.linspace(0.99, 0.5, 50), 3)]
    choice = certify_mix(p, y, groups, grid, batch_at, 0.9, 0.9)
    assert choice.certified
    assert batch_at(choice.threshold).mean() >= 0.9 - 0.01
    pooled_at = float(p[p >= choice.threshold].mean())
    assert pooled_at < 0.9  # the held-out mix alone would not have certified it


def test_an_over_confident_model_is_not_certified() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.5, 1.0, 8_000)
    y = (rng.random(p.size) < p - 0.15).astype(float)  # 15 points below what it says
    grid = [float(t) for t in np.round(np.linspace(0.99, 0.5, 50), 3)]
    choice = certify_mix(p, y, np.arange(p.size), grid, lambda t: p[p >= t], 0.9, 0.9)
    assert not choice.certified


def test_a_threshold_whose_true_batch_approval_is_below_the_target_is_rarely_certified() -> None:
    """Validity, by repetition: the held-out decisions are 3 points below the model's
    probabilities; over 100 independent markets the certified threshold's true batch approval
    falls below the target in at most about delta = 10% of them."""
    target, wrong, grid = 0.9, 0, [float(t) for t in np.round(np.linspace(0.99, 0.6, 40), 3)]
    batch = np.random.default_rng(99).uniform(0.6, 1.0, 3_000)
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p = rng.uniform(0.6, 1.0, 3_000)
        y = (rng.random(p.size) < p - 0.03).astype(float)
        choice = certify_mix(
            p, y, np.arange(p.size), grid, lambda t: batch[batch >= t], target, 0.9, seed
        )
        if choice.certified and batch[batch >= choice.threshold].mean() - 0.03 < target:
            wrong += 1
    assert wrong <= 15
