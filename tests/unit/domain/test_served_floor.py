"""A lender's floor in serving (domain/served_floor.py): raised to the lowest value at which its
latest offers reach the goal, left alone while they do or while they are few, never lowered;
and the calibration gap a lender's decisions show with evidence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.domain.served_floor import (
    CALIBRATION_DECISIONS,
    MIN_OFFERS,
    NO_OFFERS,
    calibration_gap,
    raised_floor,
)


def test_offers_whose_mean_reaches_the_goal_leave_the_floor_where_it_is() -> None:
    offers = np.full(50, 0.93)
    assert raised_floor(offers, -np.inf, 0.9) == -np.inf
    assert raised_floor(offers, 0.85, 0.9) == 0.85


def test_offers_below_the_goal_raise_the_floor_to_where_the_ones_kept_reach_it() -> None:
    offers = np.concatenate([np.linspace(0.80, 0.84, 40), np.full(40, 0.97)])  # mean 0.895
    floor = raised_floor(offers, -np.inf, 0.9)
    assert 0.80 < floor < 0.84
    assert offers[offers >= floor].mean() >= 0.9
    assert offers[offers >= floor].size > 60, "the lowest floor that reaches the goal"


def test_offers_tied_at_the_line_are_kept_or_left_out_together() -> None:
    offers = np.concatenate([np.full(40, 0.82), np.full(40, 0.97)])  # mean 0.895
    assert raised_floor(offers, -np.inf, 0.9) == 0.97


def test_too_few_offers_change_nothing() -> None:
    assert raised_floor(np.full(MIN_OFFERS - 1, 0.5), 0.8, 0.9) == 0.8


def test_a_lender_whose_best_offer_misses_the_goal_gets_no_offers() -> None:
    assert raised_floor(np.full(30, 0.7), 0.6, 0.9) == NO_OFFERS


def test_offers_below_the_floor_were_made_under_an_older_floor_and_are_not_counted() -> None:
    offers = np.concatenate([np.full(100, 0.5), np.full(30, 0.95)])
    assert raised_floor(offers, 0.9, 0.92) == 0.9


@given(
    st.lists(st.floats(0.0, 1.0), min_size=0, max_size=200),
    st.floats(0.0, 1.0),
    st.floats(0.5, 0.99),
)
def test_the_floor_never_falls_and_where_it_rises_the_offers_kept_reach_the_goal(
    offers: list[float], current: float, goal: float
) -> None:
    p = np.asarray(offers, dtype=np.float64)
    floor = raised_floor(p, current, goal)
    assert floor >= current
    if current < floor < NO_OFFERS:
        assert p[p >= floor].mean() >= goal - 1e-12


def test_a_lender_approving_less_than_predicted_with_evidence_has_a_gap_and_others_none() -> None:
    assert calibration_gap(500, 440, 0.93 * 500) == pytest.approx(0.93 - 0.88)
    assert calibration_gap(500, 470, 0.93 * 500) == 0.0, "above its predictions"
    assert calibration_gap(40, 36, 0.93 * 40) == 0.0, "3 points short on 40: no evidence"
    assert calibration_gap(CALIBRATION_DECISIONS - 1, 0, 0.9 * 29) == 0.0, "too few"
