"""ECE, Brier and AUC as defined in docs/design.md §10."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from loanmatch.domain.metrics import auc, brier, ece


def test_ece_is_zero_when_each_bin_matches_its_observed_rate() -> None:
    p = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    assert ece(p, y) == pytest.approx(0.0)


def test_ece_weights_each_bins_gap_by_its_share_of_pairs() -> None:
    p = [0.9, 0.9, 0.1, 0.1]
    y = [1, 0, 0, 0]
    # bin 9: mean p 0.9, rate 0.5 -> gap 0.4, weight 1/2; bin 1: gap 0.1, weight 1/2
    assert ece(p, y) == pytest.approx(0.25)


def test_ece_puts_a_probability_of_one_in_the_last_bin() -> None:
    assert ece([1.0, 0.95], [1, 1]) == pytest.approx(0.025)


def test_brier_is_the_mean_squared_gap() -> None:
    assert brier([0.8, 0.3], [1, 0]) == pytest.approx((0.04 + 0.09) / 2)


def test_auc_matches_scikit_learn_with_ties() -> None:
    rng = np.random.default_rng(3)
    p = np.round(rng.random(500), 1)
    y = (rng.random(500) < p).astype(int)
    assert auc(p, y) == pytest.approx(roc_auc_score(y, p))


def test_auc_is_undefined_when_one_class_is_absent() -> None:
    assert math.isnan(auc([0.2, 0.4], [1, 1]))


def test_measures_of_no_data_are_undefined() -> None:
    assert math.isnan(ece([], []))
    assert math.isnan(brier([], []))


def test_measures_refuse_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="2 probabilities but 1 labels"):
        brier([0.1, 0.2], [1])
