"""The plain reference PD model: logistic regression on one-hot categories and standardised
numbers, scikit-learn defaults (L2, C = 1). It is the baseline of the German Credit benchmark
(README of shared/data: about 0.79 AUC in 10-fold CV; Lessmann et al. 2015) and of any catalog.
Unknown numbers are imputed with the training median; unseen categories are ignored (all zeros).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from loanmatch.risk.frame import as_target, categorical_columns

__all__ = ["LogisticBaselinePD"]

FloatArray = npt.NDArray[np.float64]


class LogisticBaselinePD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """One-hot logistic regression with the scikit-learn estimator contract (y: 1 = default)."""

    def __init__(self, categorical: Sequence[str] | None = None, C: float = 1.0) -> None:
        self.categorical = categorical
        self.C = C

    def fit(self, X: pd.DataFrame, y: npt.ArrayLike) -> LogisticBaselinePD:
        target = as_target(y)
        categorical = categorical_columns(X, self.categorical)
        numeric = [str(c) for c in X.columns if c not in categorical]
        transformers = []
        if numeric:
            steps = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            transformers.append(("numbers", steps, numeric))
        if categorical:
            encoder = OneHotEncoder(handle_unknown="ignore")
            steps = make_pipeline(
                SimpleImputer(strategy="constant", fill_value="(unknown)"), encoder
            )
            transformers.append(("categories", steps, categorical))
        self.pipeline_ = Pipeline(
            [
                ("encode", ColumnTransformer(transformers)),
                ("model", LogisticRegression(C=self.C, max_iter=5000)),
            ]
        )
        self.pipeline_.fit(self._text(X, categorical), target)
        self.categorical_ = categorical
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.classes_ = np.asarray([0, 1])
        return self

    @staticmethod
    def _text(X: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
        out = X.copy()
        for name in categorical:
            out[name] = np.asarray(
                [str(v) if pd.notna(v) else np.nan for v in X[name]], dtype=object
            )
        return out

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        absent = [n for n in self.feature_names_in_ if n not in X.columns]
        frame = X.assign(**dict.fromkeys(absent, np.nan)) if absent else X  # unknown throughout
        probs = self.pipeline_.predict_proba(self._text(frame, self.categorical_))
        return np.asarray(probs, dtype=np.float64)

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)
