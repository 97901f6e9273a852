"""Cross-fitted calibration: every calibration row is scored by trees that never saw it."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.model.calibration_folds import FOLDS, fit_cross_fitted
from loanmatch.model.features import PairSpace

from .conftest import MARKET, Small


def _pairs(small: Small) -> tuple[PairSpace, np.ndarray, np.ndarray, np.ndarray]:
    h = small.history
    space = PairSpace(MARKET)
    product = np.array([MARKET.index_of(p) for p in h.product_ids])
    X = space.pairs(space.applicant_matrix(h.values), np.arange(len(h.ids)), product)
    applicant = np.unique(np.asarray(h.ids).astype(str), return_inverse=True)[1]
    return space, X, h.approved.astype(np.float64), applicant.astype(np.int64)


def test_each_fold_scores_only_applicants_its_trees_never_saw(small: Small) -> None:
    space, X, y, applicant = _pairs(small)
    pool = applicant % 5 != 0
    fitted = fit_cross_fitted(space, X, y, pool, pool, applicant, int(applicant.max()) + 1, 0)
    assert len(fitted.folds) == FOLDS
    assert np.array_equal(fitted.calibration_rows, pool)
    assert np.array_equal(fitted.final_rows, pool)
    for fold in fitted.folds:
        assert not (fold.trained & fold.scores).any()
        assert not set(applicant[fold.trained]) & set(applicant[fold.scores])
    raw = fitted.out_of_fold(X)
    assert np.isfinite(raw[pool]).all()
    assert np.isnan(raw[~pool]).all()
    assert fitted.final.booster_.num_trees() >= 1


def test_a_dated_history_calibrates_on_the_latest_part_only(small: Small) -> None:
    space, X, y, applicant = _pairs(small)
    pool, latest = applicant % 5 != 0, applicant % 5 == 1
    fitted = fit_cross_fitted(space, X, y, pool, latest, applicant, int(applicant.max()) + 1, 0)
    assert np.array_equal(fitted.calibration_rows, latest)
    assert np.array_equal(fitted.final_rows, pool)
    folds = fitted.fold_of(applicant)
    for k, fold in enumerate(fitted.folds):
        assert np.array_equal(fold.scores, pool & (folds == k))


def test_a_fold_without_both_outcomes_is_refused_with_a_message(small: Small) -> None:
    space, X, _, applicant = _pairs(small)
    everyone = applicant >= 0
    n = int(applicant.max()) + 1
    with pytest.raises(ValueError, match="no approvals or no declines"):
        fit_cross_fitted(space, X, np.ones(X.shape[0]), everyone, everyone, applicant, n, 0)
