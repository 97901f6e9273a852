"""The approval model: gradient-boosted trees pooled over products (LightGBM).

It follows the scikit-learn estimator contract (``fit`` / ``predict_proba`` / ``get_params``),
is deterministic for a given seed (fixed seeds for the trees, the row bagging and the column
sampling, ``deterministic=True``, a fixed small thread count), and applies monotone constraints
per column (+1, -1 or 0).

Each tree sees a random 70% of the rows and 80% of the columns, at learning rate 0.05. On every
test-bed market (docs/testbed.md) this ranked the top better than unsampled trees at 0.1: the
coverage a perfect threshold on the scores reaches at 90% approval rose by 3 to 9 points of the
oracle's (thin, steady, drift, sparse, seed 7), because the applicant's best of many pairs is
chosen on the scores and less variance in them means less of a winner's curse. Measured with
``benchmarks/promise.py``; docs/method.md section 3.

``ignored`` columns are held constant while training, so no tree splits on them and prediction
never reads them: the product's own index is one (docs/method.md section 3, a high-cardinality
categorical fits each product's noise, which the best-of-many choice then selects).

``objective="cross_entropy"`` fits probabilities given as labels (numbers in [0, 1]) instead of
0/1 decisions: ``benchmarks/model_ceiling.py`` uses it to measure what the trees could rank
without the noise of decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["ApprovalModel"]

FloatArray = npt.NDArray[np.float64]


OBJECTIVES = ("binary", "cross_entropy")
"""0/1 decisions as labels, or probabilities as labels (LightGBM's objectives of those names)."""
SMALL_BATCH = 20_000
"""Fewer rows than this are predicted on one thread (thread start-up costs more than it saves,
and spinning threads stall when the machine is busy)."""


class ApprovalModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Binary classifier P(approve | pair features) backed by a LightGBM booster.

    ``categorical`` lists the column indices LightGBM treats as categories; ``monotone`` gives
    one constraint per column (empty: none). With an ``eval_set`` passed to :meth:`fit`, boosting
    stops once the held-out log loss has not improved for ``early_stopping_rounds`` rounds.
    """

    def __init__(
        self,
        n_estimators: int = 1000,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 40,
        reg_lambda: float = 1.0,
        subsample: float = 0.7,
        colsample_bytree: float = 0.8,
        categorical: Sequence[int] = (),
        monotone: Sequence[int] = (),
        ignored: Sequence[int] = (),
        early_stopping_rounds: int = 50,
        seed: int = 0,
        num_threads: int = 2,
        objective: str = "binary",
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.categorical = categorical
        self.monotone = monotone
        self.ignored = ignored
        self.early_stopping_rounds = early_stopping_rounds
        self.seed = seed
        self.num_threads = num_threads
        self.objective = objective

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": self.objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "bagging_seed": self.seed,
            "feature_fraction": self.colsample_bytree,
            "feature_fraction_seed": self.seed,
            "cat_smooth": 10.0,
            "min_data_per_group": 50,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }
        if any(self.monotone):
            params["monotone_constraints"] = list(self.monotone)
            params["monotone_constraints_method"] = "intermediate"
        return params

    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        eval_set: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> ApprovalModel:
        features = self._without_ignored(X)
        labels = np.asarray(y, dtype=np.float64)
        if features.shape[0] == 0:
            raise ValueError("no rows to train on")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.objective == "binary" and np.unique(labels).size < 2:
            raise ValueError("training rows must contain both approvals and declines")
        if np.any((labels < 0.0) | (labels > 1.0)):
            raise ValueError("labels must lie in [0, 1]")
        names = [f"c{k}" for k in range(features.shape[1])]
        train = lgb.Dataset(
            features,
            labels,
            feature_name=names,
            categorical_feature=[k for k in self.categorical if k not in set(self.ignored)],
            free_raw_data=True,
        )
        valid_sets: list[lgb.Dataset] = []
        callbacks: list[Any] = []
        if eval_set is not None:
            valid = train.create_valid(
                self._without_ignored(eval_set[0]), np.asarray(eval_set[1], dtype=np.float64)
            )
            valid_sets.append(valid)
            callbacks.append(lgb.early_stopping(self.early_stopping_rounds, verbose=False))
        self.booster_ = lgb.train(
            self._params(),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets,
            callbacks=callbacks,
        )
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = features.shape[1]
        return self

    def _without_ignored(self, X: npt.ArrayLike) -> FloatArray:
        """The training matrix with the ignored columns constant: no tree can split on them, so
        predictions never read them (prediction takes the matrix as it is)."""
        if not self.ignored:
            return np.asarray(X, dtype=np.float64)
        features = np.array(X, dtype=np.float64)
        features[:, list(self.ignored)] = 0.0
        return features

    @classmethod
    def from_booster(cls, booster: lgb.Booster, **params: Any) -> ApprovalModel:
        """A fitted model around a booster loaded from its text form."""
        model = cls(**params)
        model.booster_ = booster
        model.classes_ = np.array([0, 1])
        model.n_features_in_ = booster.num_feature()
        return model

    def predict_approval(self, X: npt.ArrayLike) -> FloatArray:
        """P(approve) for each row, uncalibrated."""
        features = np.asarray(X, dtype=np.float64)
        if features.shape[0] == 0:
            return np.empty(0, dtype=np.float64)
        threads = 1 if features.shape[0] < SMALL_BATCH else self.num_threads
        out = self.booster_.predict(features, num_threads=threads)
        return np.asarray(out, dtype=np.float64)

    def predict_proba(self, X: npt.ArrayLike) -> FloatArray:
        p = self.predict_approval(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return (self.predict_approval(X) >= 0.5).astype(np.int64)

    def used_columns(self) -> frozenset[int]:
        """Columns at least one split uses (a column no tree reads cannot change a prediction)."""
        splits = self.booster_.feature_importance(importance_type="split")
        return frozenset(int(k) for k in np.flatnonzero(splits))

    def to_text(self) -> str:
        return str(self.booster_.model_to_string())

    @classmethod
    def from_text(cls, text: str, **params: Any) -> ApprovalModel:
        return cls.from_booster(lgb.Booster(model_str=text), **params)
