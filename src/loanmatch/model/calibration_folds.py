"""Cross-fitted trees: every calibration row is scored by trees that never saw it.

The calibration map, the lender and product shifts, the check of learned unknowns and the rank
shift are fitted on rows the trees that scored them never saw. Until issue 9's cross-fitting the
trees were fitted on the train part (60% of the applicants) and scored the calibration part
(20%), so a fifth of the history was read by the calibration only and a fifth by the certificate
only. Now (:func:`fit_cross_fitted`) the train and calibration parts together (the *pool*, 80%
of the applicants) are cut by applicant into ``FOLDS`` folds; the trees of fold ``k`` are fitted
on the other folds, stopped early on fold ``k`` and score it, so every row of the pool has an
out-of-fold score; the final trees, the ones that serve, are refitted on the whole pool with the
folds' mean number of trees times ``sqrt(FOLDS / (FOLDS - 1))`` (more rows support more trees;
a rule of thumb). The calibration is fitted on the out-of-fold scores of ``calibration`` rows:
the whole pool when the history is not dated, the calibration part, the latest period, when it
is (docs/method.md section 3, out of time: the calibration describes today's decisions). The
selection part stays untouched, so the certificate is drawn on decisions no tree and no
calibration saw. The map fitted on the folds' scores is applied to the refitted trees' scores,
whose spread is a little wider; the certificate on the selection part measures what that costs,
as it measures everything else.

Cross-fitting is the sample splitting of Chernozhukov et al. 2018 ("Double/debiased machine
learning for treatment and structural parameters", *The Econometrics Journal* 21), used here
for calibration as scikit-learn's ``CalibratedClassifierCV`` uses cross-validation. Measured
with ``benchmarks/promise.py`` (docs/method.md section 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.model.approval import ApprovalModel
from loanmatch.model.features import PairSpace

__all__ = ["FOLDS", "Fitted", "Fold", "fit_cross_fitted"]

FOLDS = 3
"""Folds of the cross-fitted calibration."""
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Fold:
    """Trees, the rows they were fitted on and the rows they score (never seen by them)."""

    model: ApprovalModel
    trained: BoolArray
    scores: BoolArray


@dataclass(frozen=True)
class Fitted:
    """The trees that serve (``final``, fitted on ``final_rows``), the folds that give every
    row of the pool a score from trees that never saw it, the rows the calibration is fitted on
    and each applicant's fold (by number)."""

    final: ApprovalModel
    final_rows: BoolArray
    folds: tuple[Fold, ...]
    calibration_rows: BoolArray
    applicant_fold: npt.NDArray[np.int64]

    def fold_of(self, applicants: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.asarray(self.applicant_fold[applicants], dtype=np.int64)

    def out_of_fold(self, X: FloatArray) -> FloatArray:
        """Each row of the pool's raw score by the trees of its fold (NaN elsewhere)."""
        raw = np.full(X.shape[0], np.nan)
        for fold in self.folds:
            raw[fold.scores] = fold.model.predict_approval(X[fold.scores])
        return raw


def _trees(space: PairSpace, seed: int, n_estimators: int = 1000) -> ApprovalModel:
    return ApprovalModel(
        n_estimators=n_estimators,
        categorical=tuple(space.categorical),
        monotone=tuple(space.monotone),
        ignored=(space.product_column,),
        seed=seed,
    )


def fit_cross_fitted(
    space: PairSpace,
    X: FloatArray,
    y: FloatArray,
    pool: BoolArray,
    calibration: BoolArray,
    applicant: npt.NDArray[np.int64],
    n_applicants: int,
    seed: int,
    folds: int = FOLDS,
) -> Fitted:
    """Cross-fitted trees over the rows of ``pool``, folds by ``applicant`` (each row's number
    among ``n_applicants``), the calibration on the rows of ``pool`` in ``calibration``
    (module docstring)."""
    fold_of = np.asarray(
        np.random.default_rng([seed, 31]).permutation(n_applicants) % folds, dtype=np.int64
    )
    row_fold = fold_of[applicant]
    parts = []
    for k in range(folds):
        scores, trained = pool & (row_fold == k), pool & (row_fold != k)
        for name, mask in (("fitted", trained), ("scored", scores)):
            if np.unique(y[mask]).size < 2:
                raise ValueError(
                    f"fold {k + 1} of {folds} has no approvals or no declines among the rows it "
                    f"{name}; more history is needed"
                )
        model = _trees(space, seed + k).fit(X[trained], y[trained], eval_set=(X[scores], y[scores]))
        parts.append(Fold(model, trained, scores))
    used = [fold.model.booster_.best_iteration or fold.model.booster_.num_trees() for fold in parts]
    trees = max(1, round(float(np.mean(used)) * math.sqrt(folds / (folds - 1))))
    final = _trees(space, seed, n_estimators=trees).fit(X[pool], y[pool])
    return Fitted(final, pool, tuple(parts), pool & calibration, fold_of)
