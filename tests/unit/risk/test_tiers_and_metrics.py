"""Tiers A-E from PD and the PD measures (KS, calibration table)."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.risk.metrics import calibration_table, ks, risk_metrics
from loanmatch.risk.tiers import DEFAULT_CUTS, assign_tiers, is_monotone, tier_of, tier_table


def test_each_pd_falls_in_the_tier_its_documented_cut_offs_give() -> None:
    assert DEFAULT_CUTS == (0.01, 0.02, 0.04, 0.08)
    assert [tier_of(p) for p in (0.0, 0.0099, 0.01, 0.03, 0.079, 0.08, 1.0)] == [
        "A", "A", "B", "C", "D", "E", "E",
    ]  # fmt: skip


def test_an_unknown_pd_gets_no_tier() -> None:
    assert assign_tiers([np.nan, 0.5]).tolist() == [None, "E"]


def test_cut_offs_must_increase() -> None:
    with pytest.raises(ValueError, match="increasing"):
        assign_tiers([0.1], cuts=(0.02, 0.01, 0.04, 0.08))


def test_the_tier_table_reports_realised_default_rates_and_monotonicity() -> None:
    pd_ = [0.005, 0.005, 0.015, 0.03, 0.03, 0.06, 0.2, 0.2]
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    rows = tier_table(pd_, y)
    assert [r.count for r in rows] == [2, 1, 2, 1, 2]
    assert [r.default_rate for r in rows] == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert is_monotone(rows)
    assert not is_monotone(tier_table([0.005, 0.03], [1, 0]))


def test_ks_is_one_for_a_perfect_ranking_and_zero_for_none() -> None:
    assert ks([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert ks([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == pytest.approx(0.0)


def test_ks_matches_the_two_sample_statistic_of_scipy() -> None:
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(5)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    expected = ks_2samp(p[y == 1], p[y == 0]).statistic
    assert ks(p, y) == pytest.approx(expected)


def test_the_calibration_table_puts_each_pd_in_its_tenth() -> None:
    bins = calibration_table([0.05, 0.07, 0.95], [0, 1, 1])
    assert [(b.low, b.count) for b in bins] == [(0.0, 2), (0.9, 1)]
    assert bins[0].mean_pd == pytest.approx(0.06)
    assert bins[0].default_rate == 0.5


def test_risk_metrics_gathers_auc_ks_brier_and_ece() -> None:
    metrics = risk_metrics([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]).to_dict()
    assert metrics["auc"] == 1.0
    assert metrics["ks"] == 1.0
    assert metrics["n"] == 4
    assert set(metrics) >= {"brier", "ece", "default_rate", "mean_pd"}
