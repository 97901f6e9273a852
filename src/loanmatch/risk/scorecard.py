"""The champion PD model: a scorecard (optimal binning + logistic regression on WoE).

1. Every column is binned with ``optbinning`` (optimal binning by mixed-integer programming:
   at most ``max_n_bins`` bins of at least ``min_bin_size`` of the rows each, event rate monotone
   when ``monotonic_trend`` says so; rare categories below ``cat_cutoff`` pooled). Each bin's
   weight of evidence WoE = ln(share of repayers / share of defaulters).
2. Columns whose information value is below ``min_iv`` are dropped (0.02 is the usual "useless"
   line of scorecard practice: Siddiqi, *Credit Risk Scorecards*, 2006).
3. A logistic regression on the WoE columns; its L2 strength is chosen by an INNER stratified
   ``inner_cv``-fold cross-validation over the fixed grid ``Cs`` on log loss, so tuning never
   sees data outside the training set it is given.

Unknown values: a missing cell gets its column's learned "Missing" bin (WoE 0 when training had
none); a category never seen in training gets WoE 0 (no evidence either way).

Points: score = offset - factor x logit(PD) with factor = pdo / ln 2 and offset =
base_points - factor x ln(base_odds): ``base_points`` at good:bad odds ``base_odds``, and
``pdo`` more points for each doubling of the odds (600 points at 50:1, 20 points to double,
a common industry scaling). :meth:`points_table` splits the score into points per bin.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from optbinning import BinningProcess
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from loanmatch.risk.frame import as_target, categorical_columns

__all__ = ["ScorecardPD"]

FloatArray = npt.NDArray[np.float64]


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence optbinning's pandas-3 deprecation warning about its totals row (harmless)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting an item of incompatible dtype")
        yield


class ScorecardPD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Scorecard PD model with the scikit-learn estimator contract (``fit(X, y)`` with ``y`` 1 =
    default; ``predict_proba`` columns are [P(repaid), P(default)])."""

    def __init__(
        self,
        categorical: Sequence[str] | None = None,
        max_n_prebins: int = 20,
        min_prebin_size: float = 0.05,
        max_n_bins: int = 6,
        min_bin_size: float = 0.05,
        monotonic_trend: str = "auto_asc_desc",
        cat_cutoff: float = 0.02,
        min_iv: float = 0.02,
        Cs: Sequence[float] = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
        inner_cv: int = 5,
        pdo: float = 20.0,
        base_points: float = 600.0,
        base_odds: float = 50.0,
        seed: int = 0,
    ) -> None:
        self.categorical = categorical
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.monotonic_trend = monotonic_trend
        self.cat_cutoff = cat_cutoff
        self.min_iv = min_iv
        self.Cs = Cs
        self.inner_cv = inner_cv
        self.pdo = pdo
        self.base_points = base_points
        self.base_odds = base_odds
        self.seed = seed

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: npt.ArrayLike) -> ScorecardPD:
        frame = self._frame(X)
        target = as_target(y)
        categorical = categorical_columns(frame, self.categorical)
        names = [str(c) for c in frame.columns]
        numeric = [c for c in names if c not in categorical]
        frame = self._cast(frame, categorical, numeric)
        # A category column whose every level is rarer than cat_cutoff cannot be binned (all
        # levels pooled into one), nor can a column never known: no usable evidence, left out.
        binnable = [
            n
            for n in names
            if frame[n].notna().any() and (n not in categorical or self._has_common_level(frame[n]))
        ]
        names, categorical = binnable, [n for n in categorical if n in binnable]
        frame = frame[names]
        fit_params: dict[str, dict[str, Any]] = {
            name: {"monotonic_trend": self.monotonic_trend if name in numeric else "auto"}
            for name in names
        }
        for name in categorical:
            fit_params[name]["cat_cutoff"] = self.cat_cutoff
        binning = BinningProcess(
            names,
            max_n_prebins=self.max_n_prebins,
            min_prebin_size=self.min_prebin_size,
            max_n_bins=self.max_n_bins,
            min_bin_size=self.min_bin_size,
            categorical_variables=categorical or None,
            binning_fit_params=fit_params,
        )
        with _quiet():
            binning.fit(frame, target)
            iv = {n: float(binning.get_binned_variable(n).binning_table.iv) for n in names}
        selected = [name for name in names if iv[name] >= self.min_iv] or [
            max(iv, key=iv.__getitem__)
        ]
        woe = self._woe(binning, frame)[selected].to_numpy(dtype=np.float64)
        folds = StratifiedKFold(self.inner_cv, shuffle=True, random_state=self.seed)
        search = LogisticRegressionCV(
            Cs=list(self.Cs),
            cv=folds,
            scoring="neg_log_loss",
            l1_ratios=(0.0,),
            use_legacy_attributes=False,
            max_iter=2000,
        )
        search.fit(woe, target)
        best_c = float(np.asarray(search.C_).ravel()[0])
        model = LogisticRegression(C=best_c, max_iter=2000)
        model.fit(woe, target)
        self.binning_ = binning
        self.categorical_ = categorical
        self.numeric_ = numeric
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.selected_ = selected
        self.iv_ = iv
        self.C_ = best_c
        self.coef_ = np.asarray(model.coef_[0], dtype=np.float64)
        self.intercept_ = float(model.intercept_[0])
        self.classes_ = np.asarray([0, 1])
        return self

    # -- prediction ----------------------------------------------------------------------
    def log_odds(self, X: pd.DataFrame) -> FloatArray:
        """logit(PD) of every row."""
        woe = self._woe_selected(X)
        return np.asarray(woe @ self.coef_ + self.intercept_, dtype=np.float64)

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        p = 1.0 / (1.0 + np.exp(-self.log_odds(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    # -- points --------------------------------------------------------------------------
    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def points(self, X: pd.DataFrame) -> FloatArray:
        """Scorecard points of every row (higher = safer)."""
        return np.asarray(self.offset - self.factor * self.log_odds(X), dtype=np.float64)

    def points_table(self) -> pd.DataFrame:
        """Points per (column, bin): the printed scorecard. The points of a row are the sum of
        its bins' points (the intercept and offset are spread evenly over the columns)."""
        k = len(self.selected_)
        share = (self.offset - self.factor * self.intercept_) / k
        rows: list[dict[str, Any]] = []
        for name, beta in zip(self.selected_, self.coef_, strict=True):
            with _quiet():
                table = self.binning_.get_binned_variable(name).binning_table.build()
            for _, row in table.iloc[:-1].iterrows():  # the last row is the totals
                if int(row["Count"]) == 0 and str(row["Bin"]) not in ("Missing", "Special"):
                    continue
                woe = float(row["WoE"])
                rows.append(
                    {
                        "feature": name,
                        "bin": str(row["Bin"]),
                        "count": int(row["Count"]),
                        "default_rate": float(row["Event rate"]),
                        "woe": woe,
                        "points": round(share - self.factor * beta * woe, 1),
                    }
                )
        return pd.DataFrame(rows)

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _frame(X: Any) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("the scorecard takes a pandas DataFrame (column names = features)")
        return X

    def _has_common_level(self, column: pd.Series) -> bool:
        shares = column.value_counts(normalize=False) / max(len(column), 1)
        return bool(len(shares)) and float(shares.max()) >= self.cat_cutoff

    @staticmethod
    def _cast(frame: pd.DataFrame, categorical: list[str], numeric: list[str]) -> pd.DataFrame:
        out = pd.DataFrame(index=frame.index)
        for name in frame.columns:
            column = frame[name]
            if name in categorical:
                known = column.notna()
                text = column.astype(object).where(known, None)
                out[name] = np.asarray(
                    [str(v) if v is not None else np.nan for v in text], dtype=object
                )
            else:
                out[name] = pd.to_numeric(column, errors="coerce").astype(np.float64)
        return out

    @staticmethod
    def _woe(binning: BinningProcess, frame: pd.DataFrame) -> pd.DataFrame:
        result = binning.transform(
            frame, metric="woe", metric_missing="empirical", metric_special="empirical"
        )
        return pd.DataFrame(result, columns=frame.columns, index=frame.index)

    def _woe_selected(self, X: pd.DataFrame) -> FloatArray:
        frame = self._frame(X)
        names = list(self.feature_names_in_)
        absent = [n for n in names if n not in frame.columns]
        if absent:
            frame = frame.assign(**dict.fromkeys(absent, np.nan))  # unknown everywhere
        frame = self._cast(frame[names], self.categorical_, self.numeric_)
        woe = self._woe(self.binning_, frame)[self.selected_].to_numpy(dtype=np.float64)
        return np.asarray(np.nan_to_num(woe, nan=0.0), dtype=np.float64)
