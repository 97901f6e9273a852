"""Off-policy estimates on a synthetic log whose truth is known exactly (domain/off_policy.py)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from loanmatch.domain.off_policy import (
    PolicyTerms,
    estimate_approval,
    policy_terms,
    ratio_difference,
    ratio_interval,
)

SHARES = (0.35, 0.30, 0.20, 0.15)


class World:
    """``n`` applicants x ``k`` products with true probabilities, a candidate that recommends
    the pairs its (noisy) model puts at 0.7 or more, and a k-draw logging policy."""

    def __init__(self, seed: int, n: int = 3_000, k: int = 12) -> None:
        rng = np.random.default_rng(seed)
        self.p = 1.0 / (1.0 + np.exp(-(rng.normal(0.5, 1.5, (n, 1)) + rng.normal(0, 1, (1, k)))))
        logit = np.log(self.p / (1 - self.p)) + rng.normal(0, 0.8, (n, k))
        self.model = 1.0 / (1.0 + np.exp(-logit))
        self.offered = self.model >= 0.7
        weights = rng.uniform(0.2, 1.0, k)
        self.q = np.broadcast_to(weights / weights.sum(), (n, k))
        self.mu = np.zeros((n, k))
        for j, share in enumerate(SHARES):
            self.mu += share * (1 - (1 - self.q) ** (j + 1))

    @property
    def truth(self) -> float:
        return float(self.p[self.offered].mean())

    def log(
        self, seed: int
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """Logged rows (applicant, product, decision) under the k-draw policy."""
        rng = np.random.default_rng([seed, 1])
        n, k = self.p.shape
        draws = np.asarray(rng.choice(np.arange(1, 5), size=n, p=np.asarray(SHARES)))
        sent = np.zeros((n, k), dtype=bool)
        for d in range(4):
            picks = np.asarray(rng.choice(k, size=n, p=self.q[0]))
            who = np.flatnonzero(draws > d)
            sent[who, picks[who]] = True
        rows, cols = np.nonzero(sent)
        y = (rng.random(rows.size) < self.p[rows, cols]).astype(np.float64)
        return rows, cols, y

    def terms(
        self, seed: int, propensity_scale: float = 1.0, offered: npt.NDArray[np.bool_] | None = None
    ) -> PolicyTerms:
        chosen = self.offered if offered is None else offered
        rows, cols, y = self.log(seed)
        return policy_terms(
            self.p.shape[0],
            rows,
            y,
            np.minimum(self.mu[rows, cols] * propensity_scale, 1.0),
            chosen[rows, cols].astype(np.float64),
            chosen.sum(axis=1).astype(np.float64),
            self.model[rows, cols],
            np.where(chosen, self.model, 0.0).sum(axis=1),
        )


def test_both_intervals_hold_the_truth_in_about_nine_logs_of_ten() -> None:
    world = World(seed=3)
    runs = 200
    held_dr = held_snips = refused = 0
    for seed in range(runs):
        estimate = estimate_approval(world.terms(seed), confidence=0.9)
        refused += estimate.refused is not None
        held_dr += estimate.dr.contains(world.truth)
        held_snips += estimate.snips.contains(world.truth)
    # binomial(200, 0.9): 99% of runs fall in 170..188
    assert refused <= 2  # the weight check refuses a correct log about 1 time in 1,000
    assert 168 <= held_dr <= 194
    assert 168 <= held_snips <= 194


def test_the_model_alone_is_over_confident_where_it_recommends_and_dr_corrects_it() -> None:
    world = World(seed=5)
    naive = float(world.model[world.offered].mean())
    estimate = estimate_approval(world.terms(0))
    assert naive - world.truth > 0.02  # the winner's curse of a noisy model
    assert abs(estimate.dr.estimate - world.truth) < naive - world.truth


def test_a_log_that_never_sent_what_the_candidate_recommends_is_refused() -> None:
    world = World(seed=7)
    # the candidate recommends product 0 to everyone, and the log (as the terms see it) never
    # contains product 0: a deterministic logging policy elsewhere
    terms = world.terms(0)
    rows, cols, y = world.log(0)
    elsewhere = cols != 0
    only_zero = np.zeros_like(world.offered)
    only_zero[:, 0] = True
    blind = policy_terms(
        world.p.shape[0], rows[elsewhere], y[elsewhere], world.mu[rows[elsewhere], cols[elsewhere]],
        only_zero[rows[elsewhere], cols[elsewhere]].astype(np.float64),
        only_zero.sum(axis=1).astype(np.float64),
    )  # fmt: skip
    estimate = estimate_approval(blind)
    assert estimate.refused is not None
    assert math.isnan(estimate.dr.estimate)
    assert math.isnan(estimate.snips.estimate)
    assert estimate_approval(terms).refused is None


def test_propensities_recorded_at_half_their_value_are_refused_by_the_weight_check() -> None:
    estimate = estimate_approval(World(seed=9).terms(0, propensity_scale=0.5))
    assert estimate.refused is not None
    assert "propensities" in estimate.refused
    assert estimate.weight_check.estimate == pytest.approx(2.0, abs=0.2)


def test_a_missing_propensity_is_refused_with_the_count() -> None:
    world = World(seed=11)
    rows, cols, y = world.log(0)
    mu = world.mu[rows, cols].copy()
    mu[:3] = np.nan
    terms = policy_terms(
        world.p.shape[0], rows, y, mu, world.offered[rows, cols].astype(np.float64),
        world.offered.sum(axis=1).astype(np.float64),
    )  # fmt: skip
    estimate = estimate_approval(terms)
    assert estimate.refused is not None
    assert estimate.refused.startswith("3 logged rows")


def test_a_candidate_that_recommends_almost_nothing_is_refused_for_too_few_rows() -> None:
    world = World(seed=13, n=400)
    tiny = np.zeros_like(world.offered)
    tiny[:5, 0] = True
    estimate = estimate_approval(world.terms(0, offered=tiny))
    assert estimate.refused is not None
    assert "effective" in estimate.refused or "nothing" in estimate.refused


def test_the_difference_of_a_ratio_with_itself_is_exactly_zero() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.random(500), rng.random(500) + 0.5
    difference = ratio_difference((a, b), (a, b), 0.9)
    assert difference.estimate == 0.0
    assert difference.low == 0.0
    assert difference.high == 0.0
    single = ratio_interval(a, b, 0.9)
    assert single.low < single.estimate < single.high


def test_the_paired_difference_is_narrower_than_two_independent_intervals() -> None:
    rng = np.random.default_rng(1)
    b = np.ones(2_000)
    a1 = rng.random(2_000)
    a2 = a1 + rng.normal(0.01, 0.02, 2_000)
    difference = ratio_difference((a1, b), (a2, b), 0.9)
    one, two = ratio_interval(a1, b, 0.9), ratio_interval(a2, b, 0.9)
    assert difference.high - difference.low < (one.high - one.low) / 5
    assert difference.low > 0.0 > one.low - two.high
