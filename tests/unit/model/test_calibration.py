"""Calibration maps raw scores to probabilities that match observed approval rates."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.domain.metrics import ece
from loanmatch.model.calibration import Calibrator, GroupShift, fit_calibrator, fit_group_shift


def distorted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random(n)
    y = (rng.random(n) < truth).astype(float)
    raw = truth**3  # an over-confident-in-declines, monotone distortion of the truth
    return raw, y, truth


def test_isotonic_calibration_repairs_a_monotone_distortion() -> None:
    raw, y, _ = distorted(20_000, seed=1)
    calibrator = fit_calibrator(raw, y, method="isotonic")
    fresh_raw, fresh_y, _ = distorted(20_000, seed=2)
    assert ece(fresh_raw, fresh_y) > 0.1
    assert ece(calibrator(fresh_raw), fresh_y) < 0.02


def test_platt_scaling_repairs_a_logistic_distortion() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=20_000)
    y = (rng.random(z.size) < 1 / (1 + np.exp(-z))).astype(float)
    raw = 1 / (1 + np.exp(-3 * z + 1))
    calibrator = fit_calibrator(raw, y, method="platt")
    assert calibrator.a == pytest.approx(1 / 3, abs=0.05)
    assert ece(calibrator(raw), y) < 0.02


def test_small_calibration_sets_use_platt() -> None:
    raw, y, _ = distorted(500, seed=4)
    assert fit_calibrator(raw, y).method == "platt"


def test_large_calibration_sets_pick_the_method_with_the_better_held_out_brier() -> None:
    rng = np.random.default_rng(5)
    truth = rng.random(20_000)
    y = (rng.random(truth.size) < truth).astype(float)
    raw = np.where(truth < 0.5, truth / 5, 0.1 + (truth - 0.5) * 1.8)  # not logistic in shape
    assert fit_calibrator(raw, y).method == "isotonic"


def test_calibration_never_reverses_the_order_of_scores() -> None:
    raw, y, _ = distorted(5000, seed=6)
    grid = np.linspace(0, 1, 101)
    for method in ("isotonic", "platt"):
        assert np.all(np.diff(fit_calibrator(raw, y, method=method)(grid)) >= 0)


def test_a_calibrator_round_trips_through_plain_numbers() -> None:
    raw, y, _ = distorted(3000, seed=7)
    calibrator = fit_calibrator(raw, y, method="isotonic")
    again = Calibrator.from_dict(calibrator.to_dict())
    assert np.array_equal(again(raw), calibrator(raw))


def test_a_corrupt_calibration_is_refused() -> None:
    with pytest.raises(ValueError, match="knots"):
        Calibrator.from_dict({"method": "isotonic", "x": [0.1], "y": []})
    with pytest.raises(ValueError, match="unknown calibration method"):
        Calibrator.from_dict({"method": "magic"})


def test_calibration_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both approvals and declines"):
        fit_calibrator([0.2, 0.4], [1, 1])


def test_a_lender_that_approves_less_than_the_pool_gets_a_negative_shift() -> None:

    rng = np.random.default_rng(3)
    n = 6000
    q = rng.uniform(0.5, 0.99, n)
    lender = rng.integers(0, 3, n)
    product = lender * 2 + rng.integers(0, 2, n)
    truth = np.where(lender == 2, q - 0.3, q)  # lender 2 declines far more than predicted
    y = (rng.random(n) < truth).astype(float)
    shift = fit_group_shift(q, y, lender, product, 3, 6)
    assert shift.lender[2] < -0.8
    assert abs(shift.lender[0]) < 0.3
    assert abs(shift.lender[1]) < 0.3
    corrected = shift.apply(q, lender, product)
    mine = lender == 2
    assert abs(corrected[mine].mean() - y[mine].mean()) < 0.03


def test_a_group_without_data_keeps_the_pooled_map() -> None:

    q = np.full(100, 0.9)
    y = np.ones(100)
    shift = fit_group_shift(q, y, np.zeros(100, np.int64), np.zeros(100, np.int64), 2, 2)
    assert shift.lender[1] == 0.0
    assert shift.product[1] == 0.0
    again = GroupShift.from_dict(shift.to_dict())
    assert again == shift
