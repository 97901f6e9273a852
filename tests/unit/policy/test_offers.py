"""Offer selection: eligibility first, threshold, at most K per applicant, ranked by benefit."""

from __future__ import annotations

import numpy as np

from loanmatch.domain.offer_selection import product_order, select_offers

NAN = np.nan


def test_offers_rank_by_probability_then_lower_rate_then_larger_amount() -> None:
    ties = product_order([0.05, 0.04, 0.04, NAN], [1e6, 1e5, 5e5, 1e7])
    assert ties.tolist() == [2, 1, 0, 3]
    p = np.array([[0.9, 0.9, 0.9, 0.95]])
    rank = select_offers(p, 0.8, 4, ties)
    assert rank.tolist() == [[4, 3, 2, 1]]


def test_at_most_max_offers_per_applicant() -> None:
    p = np.array([[0.91, 0.92, 0.93, 0.94, 0.95], [0.99, NAN, NAN, NAN, NAN]])
    rank = select_offers(p, 0.8, 3, np.arange(5))
    assert rank.tolist() == [[0, 0, 3, 2, 1], [1, 0, 0, 0, 0]]


def test_products_whose_rules_do_not_pass_are_never_offered() -> None:
    rank = select_offers(np.array([[NAN, 0.5]]), 0.0, 3, np.arange(2))
    assert rank.tolist() == [[0, 1]]


def test_probability_below_the_threshold_is_not_offered_and_equal_is() -> None:
    rank = select_offers(np.array([[0.79, 0.8]]), 0.8, 3, np.arange(2))
    assert rank.tolist() == [[0, 1]]


def test_an_infinite_threshold_offers_nothing() -> None:
    rank = select_offers(np.array([[1.0, 0.99]]), float("inf"), 3, np.arange(2))
    assert not rank.any()


def test_no_applicants_gives_an_empty_matrix() -> None:
    assert select_offers(np.empty((0, 3)), 0.8, 3, np.arange(3)).shape == (0, 3)
