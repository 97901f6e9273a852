"""The challenger PD model: gradient-boosted trees (LightGBM) on the raw columns.

Choices fixed in advance (small, shallow, regularised trees, because PD data sets are small and
default events rare): learning rate 0.03, at most 7 leaves, at least 20 rows a leaf, 70% of the
columns and 80% of the rows per tree, L2 5. The number of trees is chosen by an INNER stratified
``inner_cv``-fold cross-validation on the training data only (LightGBM ``cv`` with early
stopping on log loss), then the model is refitted on all of it with that many trees. Seeds are
fixed and ``deterministic=True`` with a fixed thread count, so a fit is reproducible.

Categories are coded by the category list seen in training; an unseen category or an unknown
value is "missing" (LightGBM sends missing values down the side learned in training).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from loanmatch.risk.frame import as_target, categorical_columns

__all__ = ["GradientBoostedPD"]

FloatArray = npt.NDArray[np.float64]


class GradientBoostedPD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM PD model with the scikit-learn estimator contract (y: 1 = default)."""

    def __init__(
        self,
        categorical: Sequence[str] | None = None,
        max_trees: int = 2000,
        learning_rate: float = 0.03,
        num_leaves: int = 7,
        min_child_samples: int = 20,
        colsample: float = 0.7,
        subsample: float = 0.8,
        reg_lambda: float = 5.0,
        monotone: dict[str, int] | None = None,
        inner_cv: int = 5,
        early_stopping_rounds: int = 100,
        seed: int = 0,
        num_threads: int = 1,
    ) -> None:
        self.categorical = categorical
        self.max_trees = max_trees
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample = colsample
        self.subsample = subsample
        self.reg_lambda = reg_lambda
        self.monotone = monotone
        self.inner_cv = inner_cv
        self.early_stopping_rounds = early_stopping_rounds
        self.seed = seed
        self.num_threads = num_threads

    def _params(self, names: list[str]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.colsample,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1,
            "lambda_l2": self.reg_lambda,
            "cat_smooth": 10.0,
            "min_data_per_group": 20,
            "max_cat_to_onehot": 8,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }
        if self.monotone:
            params["monotone_constraints"] = [int(self.monotone.get(n, 0)) for n in names]
        return params

    def _matrix(self, X: pd.DataFrame) -> FloatArray:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("the PD model takes a pandas DataFrame (column names = features)")
        columns = []
        for name in self.feature_names_in_:
            if name not in X.columns:
                columns.append(np.full(len(X), np.nan))
            elif name in self.levels_:
                lookup = self.levels_[name]
                codes = [lookup.get(str(v), np.nan) if pd.notna(v) else np.nan for v in X[name]]
                columns.append(np.asarray(codes, dtype=np.float64))
            else:
                values = pd.to_numeric(X[name], errors="coerce")
                columns.append(np.asarray(values, dtype=np.float64))
        return np.column_stack(columns) if columns else np.empty((len(X), 0))

    def fit(self, X: pd.DataFrame, y: npt.ArrayLike) -> GradientBoostedPD:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("the PD model takes a pandas DataFrame (column names = features)")
        target = as_target(y)
        categorical = categorical_columns(X, self.categorical)
        names = [str(c) for c in X.columns]
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.levels_ = {
            name: {
                level: float(code)
                for code, level in enumerate(sorted({str(v) for v in X[name] if pd.notna(v)}))
            }
            for name in categorical
        }
        matrix = self._matrix(X)
        cat_index = [names.index(n) for n in categorical]
        params = self._params(names)
        data = lgb.Dataset(matrix, label=target, categorical_feature=cat_index, free_raw_data=False)
        history = lgb.cv(
            params,
            data,
            num_boost_round=self.max_trees,
            nfold=self.inner_cv,
            stratified=True,
            shuffle=True,
            seed=self.seed,
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        curve = history[next(k for k in history if k.endswith("-mean"))]
        self.n_trees_ = max(1, len(curve) if isinstance(curve, list) else self.max_trees)
        self.booster_ = lgb.train(params, data, num_boost_round=self.n_trees_)
        self.classes_ = np.asarray([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        p = np.asarray(self.booster_.predict(self._matrix(X)), dtype=np.float64)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def feature_importance(self) -> dict[str, float]:
        """Total split gain per column."""
        gains = self.booster_.feature_importance(importance_type="gain")
        return {str(n): float(g) for n, g in zip(self.feature_names_in_, gains, strict=True)}
