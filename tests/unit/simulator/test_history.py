"""The naive logging policy: exact propensities, capacity respected, labels from the oracle."""

from __future__ import annotations

from collections import Counter

import numpy as np

from loanmatch.simulator import SimulatedMarket
from loanmatch.simulator.history import choose_products, propensities, schedule


def test_propensity_equals_the_frequency_of_being_sent() -> None:
    rng = np.random.default_rng(0)
    q = np.tile(np.asarray([[0.5, 0.3, 0.15, 0.05]]), (100_000, 1))
    chosen = choose_products(q, rng)
    frequency = np.bincount(chosen.product, minlength=4) / len(q)
    np.testing.assert_allclose(frequency, propensities(q)[0], atol=0.005)


def test_each_applicant_applies_to_one_to_four_distinct_products() -> None:
    rng = np.random.default_rng(1)
    q = rng.dirichlet(np.ones(10), size=2_000)
    chosen = choose_products(q, rng)
    per_applicant = np.bincount(chosen.applicant, minlength=2_000)
    assert per_applicant.min() >= 1
    assert per_applicant.max() <= 4
    pairs = chosen.applicant * 10 + chosen.product
    assert len(np.unique(pairs)) == len(pairs)


def test_schedule_never_exceeds_a_daily_quota_and_keeps_arrival_order() -> None:
    arrival = np.repeat(np.arange(5), 7).astype(np.int64)  # 7 arrivals a day for 5 days
    product = np.tile(np.asarray([0, 1, 1, 1, 1, 2, 2]), 5).astype(np.intp)
    day = schedule(arrival, product, [None, 3, 10])
    for j in range(3):
        _, counts = np.unique(day[product == j], return_counts=True)
        assert counts.max() <= (3 if j == 1 else 7)
    assert np.all(day >= arrival)
    assert np.all(day[product != 1] == arrival[product != 1])
    assert np.all(np.diff(day[product == 1]) >= 0)


def test_history_respects_every_products_capacity(small_market: SimulatedMarket) -> None:
    history = small_market.history
    assert history.product_ids is not None
    assert history.decided_at is not None
    capacity = {p.id: p.capacity_per_day for p in small_market.market.products}
    per_day = Counter(zip(history.product_ids, history.decided_at, strict=True))
    for (pid, date), count in per_day.items():
        assert len(date) == 10
        assert date.startswith("2025-")
        assert count <= (capacity[pid] or count)


def test_history_has_exactly_the_rows_asked_for(small_market: SimulatedMarket) -> None:
    assert len(small_market.history) == 8_000


def test_propensities_are_probabilities(small_market: SimulatedMarket) -> None:
    propensity = small_market.history.propensity
    assert propensity is not None
    assert np.all((propensity > 0) & (propensity <= 1))


def test_oracle_agrees_with_every_history_label(small_market: SimulatedMarket) -> None:
    history = small_market.history
    assert history.product_ids is not None
    assert history.approved is not None
    decisions = small_market.oracle(small_market.history_population)
    product = np.asarray([small_market.market.index_of(p) for p in history.product_ids])
    np.testing.assert_array_equal(
        decisions[small_market.history_applicant, product], history.approved.astype(bool)
    )
    assert np.array_equal(
        small_market.history_population.ids[small_market.history_applicant], history.ids
    )


def test_fresh_applicants_are_not_in_history(small_market: SimulatedMarket) -> None:
    assert not set(small_market.applicants.ids) & set(small_market.history.ids)


def test_same_seed_gives_the_same_history(small_market: SimulatedMarket) -> None:
    from loanmatch.simulator import simulate_market

    again = simulate_market(7, history_rows=8_000, n_applicants=500)
    np.testing.assert_array_equal(again.history.ids, small_market.history.ids)
    np.testing.assert_array_equal(again.history.approved, small_market.history.approved)
    np.testing.assert_array_equal(again.history.propensity, small_market.history.propensity)
    for name, column in small_market.applicants.values.items():
        np.testing.assert_array_equal(again.applicants.values[name], column)
