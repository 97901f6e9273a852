"""Measures of a PD model: AUC, KS, Brier, ECE (10 bins) and the calibration table.

AUC, Brier and ECE are the project's single definitions in :mod:`loanmatch.domain.metrics`;
KS (Kolmogorov-Smirnov) is the largest gap between the cumulative score distributions of
defaulters and repayers, the separation measure credit-risk teams report beside AUC.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.metrics import auc, brier, ece

__all__ = ["CalibrationBin", "RiskMetrics", "calibration_table", "ks", "risk_metrics"]


def ks(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """max |F_default(s) - F_repaid(s)| over thresholds s; NaN when a class is absent."""
    probs = np.asarray(p, dtype=np.float64).ravel()
    labels = np.asarray(y, dtype=np.float64).ravel() > 0.5
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(probs, kind="mergesort")
    sorted_p, sorted_y = probs[order], labels[order]
    cum_pos = np.cumsum(sorted_y) / n_pos
    cum_neg = np.cumsum(~sorted_y) / n_neg
    last_of_tie = np.r_[np.diff(sorted_p) != 0, True]  # evaluate only between distinct scores
    return float(np.max(np.abs(cum_pos - cum_neg)[last_of_tie]))


@dataclass(frozen=True)
class CalibrationBin:
    """One of the equal-width bins on [0, 1] used by ECE."""

    low: float
    high: float
    count: int
    mean_pd: float
    default_rate: float


def calibration_table(p: npt.ArrayLike, y: npt.ArrayLike, bins: int = 10) -> list[CalibrationBin]:
    """Mean predicted PD beside the realised default rate, per non-empty bin."""
    probs = np.asarray(p, dtype=np.float64).ravel()
    labels = np.asarray(y, dtype=np.float64).ravel()
    index = np.minimum((probs * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        rows = index == b
        if rows.any():
            out.append(
                CalibrationBin(
                    b / bins,
                    (b + 1) / bins,
                    int(rows.sum()),
                    float(probs[rows].mean()),
                    float(labels[rows].mean()),
                )
            )
    return out


@dataclass(frozen=True)
class RiskMetrics:
    n: int
    default_rate: float
    mean_pd: float
    auc: float
    ks: float
    brier: float
    ece: float

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def risk_metrics(p: npt.ArrayLike, y: npt.ArrayLike) -> RiskMetrics:
    probs = np.asarray(p, dtype=np.float64).ravel()
    labels = np.asarray(y, dtype=np.float64).ravel()
    return RiskMetrics(
        n=int(probs.size),
        default_rate=float(labels.mean()) if labels.size else math.nan,
        mean_pd=float(probs.mean()) if probs.size else math.nan,
        auc=auc(probs, labels),
        ks=ks(probs, labels),
        brier=brier(probs, labels),
        ece=ece(probs, labels, bins=10),
    )
