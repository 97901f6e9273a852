"""Lenders' hidden true behaviour: deterministic, rule-respecting, learnable but not trivially."""

from __future__ import annotations

import math

import numpy as np

from loanmatch.domain.rules import FAIL
from loanmatch.simulator import SIGMA_PAIR, SIGMA_SOFT, Population, SimulatedMarket
from loanmatch.simulator.lender_behaviour import pair_noise


def test_pair_noise_is_deterministic_and_standard_normal() -> None:
    keys = np.arange(20_000, dtype=np.uint64) * np.uint64(7919)
    a = pair_noise(keys, 5, salt=7)
    np.testing.assert_array_equal(a, pair_noise(keys, 5, salt=7))
    assert abs(float(a.mean())) < 0.02
    assert abs(float(a.std()) - 1.0) < 0.02
    assert not np.array_equal(a, pair_noise(keys, 5, salt=8))
    assert abs(np.corrcoef(a[:, 0], a[:, 1])[0, 1]) < 0.03


def test_unobserved_part_is_a_modest_share_of_the_score() -> None:
    assert 0.3 <= math.hypot(SIGMA_SOFT, SIGMA_PAIR) <= 0.5


def test_oracle_is_deterministic_for_the_same_applicants(small_market: SimulatedMarket) -> None:
    people = small_market.sample(300, seed=1)
    again = small_market.sample(300, seed=1)
    np.testing.assert_array_equal(small_market.oracle(people), small_market.oracle(again))
    assert not np.array_equal(
        small_market.oracle(people), small_market.oracle(small_market.sample(300, seed=2))
    )


def test_oracle_never_approves_when_a_published_rule_fails(small_market: SimulatedMarket) -> None:
    people = small_market.sample(500, seed=3)
    status = small_market.market.eligibility(people.complete).status
    assert not small_market.oracle(people)[status == FAIL].any()


def test_gender_never_changes_a_decision(small_market: SimulatedMarket) -> None:
    people = small_market.sample(500, seed=4)
    flipped_values = dict(people.complete)
    flipped_values["owner_gender"] = 1.0 - people.complete["owner_gender"]
    flipped = Population(
        ids=people.ids,
        values=people.values,
        complete=flipped_values,
        quality=people.quality,
        soft=people.soft,
        keys=people.keys,
    )
    np.testing.assert_array_equal(small_market.oracle(people), small_market.oracle(flipped))


def test_a_perfect_model_reaches_95_percent_approval_while_covering_80_percent(
    small_market: SimulatedMarket,
) -> None:
    """With every visible feature known, P(approve) recommended at >= 0.8 is approved at least
    95% of the time and reaches at least 80% of the applicants some product would approve."""
    people = small_market.sample(3_000, seed=5)
    truth = small_market.oracle(people)
    recommended = small_market.true_probability(people) >= 0.8
    approvable = truth.any(axis=1)
    assert truth[recommended].mean() >= 0.95
    assert (recommended.any(axis=1) & approvable).sum() / approvable.sum() >= 0.8


def test_true_probability_is_calibrated(small_market: SimulatedMarket) -> None:
    people = small_market.sample(3_000, seed=6)
    truth = small_market.oracle(people)
    p = small_market.true_probability(people)
    middle = (p > 0.2) & (p < 0.8)
    assert abs(float(truth[middle].mean()) - float(p[middle].mean())) < 0.03
