"""The promise's measures: expected approval, the oracle at the same approval, the worst lender."""

from __future__ import annotations

import math

import numpy as np
import pytest

from loanmatch.services.evaluation.promise import measure_promise, oracle_coverage


def test_the_oracle_covers_the_best_applicants_while_their_mean_reaches_the_target() -> None:
    true_p = np.array([[0.99, 0.2], [0.95, 0.1], [0.3, 0.91], [0.5, 0.6]])
    feasible = np.ones_like(true_p, dtype=bool)
    # best per applicant: 0.99, 0.95, 0.91, 0.6 -> running means 0.99, 0.97, 0.95, 0.86
    assert oracle_coverage(true_p, feasible, 0.95) == pytest.approx(0.75)
    assert oracle_coverage(true_p, feasible, 0.999) == 0.0


def test_the_oracle_may_offer_only_feasible_pairs() -> None:
    true_p = np.array([[0.99, 0.2], [0.2, 0.97]])
    feasible = np.array([[False, True], [True, True]])
    assert oracle_coverage(true_p, feasible, 0.95) == pytest.approx(0.5)


def test_measures_use_true_probabilities_and_find_the_worst_lender() -> None:
    n = 400
    true_p = np.tile([0.97, 0.85, 0.5], (n, 1))
    rank = np.zeros((n, 3), dtype=np.int64)
    rank[:, 0] = 1
    rank[:200, 1] = 2
    p_model = np.tile([0.96, 0.95, 0.4], (n, 1))
    feasible = np.ones((n, 3), dtype=bool)
    lender_of_product = np.array([0, 1, 1])
    m = measure_promise(true_p, rank, feasible, p_model, lender_of_product, ["a", "b"], 0.95)
    assert m.approval == pytest.approx((400 * 0.97 + 200 * 0.85) / 600)
    assert m.coverage == 1.0
    assert m.oracle_coverage == 1.0
    assert m.worst_lender == "b"
    assert m.worst_lender_approval == pytest.approx(0.85)
    assert m.worst_lender_pairs == 200
    assert m.worst_lender_overconfidence == pytest.approx(0.10)
    assert m.worst_product_overconfidence == pytest.approx(0.10)


def test_no_recommendation_gives_no_approval_and_no_worst_lender() -> None:
    true_p = np.full((10, 2), 0.9)
    rank = np.zeros((10, 2), dtype=np.int64)
    m = measure_promise(true_p, rank, np.ones((10, 2), bool), true_p, np.array([0, 0]), ["a"], 0.95)
    assert math.isnan(m.approval)
    assert m.coverage == 0.0
    assert m.worst_lender is None
    assert m.to_dict()["approval"] is None
