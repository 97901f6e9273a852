"""Calibration of raw approval scores on held-out applicants: isotonic or Platt.

Both are non-decreasing maps, so a pessimistic bound on the raw score is a pessimistic bound on
the calibrated probability. Stored as plain numbers (JSON), never pickled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from loanmatch.domain.metrics import brier

__all__ = [
    "Calibrator",
    "GroupShift",
    "fit_calibrator",
    "fit_group_shift",
    "fit_shifts",
    "logit",
    "sigmoid",
]

FloatArray = npt.NDArray[np.float64]
Method = Literal["isotonic", "platt"]
MIN_ISOTONIC = 2000
"""Below this many calibration pairs isotonic regression overfits; Platt scaling is used."""


def logit(p: FloatArray) -> FloatArray:
    clipped = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.asarray(np.log(clipped / (1.0 - clipped)), dtype=np.float64)


@dataclass(frozen=True)
class Calibrator:
    """``isotonic``: linear interpolation between knots ``(x, y)``, clipped at the ends;
    ``platt``: ``1 / (1 + exp(-(a * logit(p) + b)))``."""

    method: Method
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: npt.ArrayLike) -> FloatArray:
        p = np.asarray(raw, dtype=np.float64)
        if self.method == "isotonic":
            return np.asarray(np.interp(p, self.x, self.y), dtype=np.float64)
        z = self.a * logit(p) + self.b
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "x": list(self.x),
            "y": list(self.y),
            "a": self.a,
            "b": self.b,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        method = data["method"]
        if method not in ("isotonic", "platt"):
            raise ValueError(f"unknown calibration method {method!r}")
        x = tuple(float(v) for v in data.get("x", ()))
        y = tuple(float(v) for v in data.get("y", ()))
        if method == "isotonic" and (len(x) != len(y) or not x):
            raise ValueError("isotonic calibration needs as many knots x as values y")
        a, b = float(data.get("a", 1.0)), float(data.get("b", 0.0))
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError("Platt coefficients must be finite")
        return cls(method, x, y, a, b)


def _fit(method: Method, raw: FloatArray, y: FloatArray) -> Calibrator:
    if method == "isotonic":
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
        return Calibrator(
            "isotonic",
            tuple(float(v) for v in iso.X_thresholds_),
            tuple(float(v) for v in iso.y_thresholds_),
        )
    logistic = LogisticRegression(C=1e6).fit(logit(raw).reshape(-1, 1), y)
    return Calibrator("platt", a=float(logistic.coef_[0, 0]), b=float(logistic.intercept_[0]))


def fit_calibrator(
    raw: npt.ArrayLike, approved: npt.ArrayLike, method: Method | Literal["auto"] = "auto"
) -> Calibrator:
    """Fit on held-out pairs. ``auto``: Platt below ``MIN_ISOTONIC`` pairs; otherwise whichever
    of the two has the lower Brier score when fitted on one half and scored on the other."""
    p = np.asarray(raw, dtype=np.float64)
    y = np.asarray(approved, dtype=np.float64)
    if np.unique(y).size < 2:
        raise ValueError("calibration pairs must contain both approvals and declines")
    if method != "auto":
        return _fit(method, p, y)
    if p.size < MIN_ISOTONIC:
        return _fit("platt", p, y)
    half = np.arange(p.size) % 2 == 0
    scores: dict[Method, float] = {}
    for candidate in ("isotonic", "platt"):
        fitted = _fit(candidate, p[half], y[half])
        scores[candidate] = brier(fitted(p[~half]), y[~half])
    best: Method = min(scores, key=lambda m: scores[m])
    return _fit(best, p, y)


SHIFT_FLOOR = 0.5
"""Group shifts are fitted on pairs the global map puts at or above this: the region where
recommendations are decided, where a lender's unpublished knock-outs show."""
SHIFT_PRIOR = 10.0
"""Shrinkage of a group's shift toward its parent's (in units of the Fisher information of
pairs): a lender or product with little data keeps close to the pooled map."""


def sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def fit_shifts(
    logit_p: FloatArray,
    approved: FloatArray,
    groups: npt.NDArray[np.int64],
    n_groups: int,
    prior: float = SHIFT_PRIOR,
    rounds: int = 25,
) -> FloatArray:
    """Per-group additive logit shifts maximising the penalised likelihood
    ``sum log L(sigmoid(logit_p + s[g]); y) - prior / 2 * sum s[g] ** 2`` (Newton steps, each
    group on its own): a partially pooled random intercept per group."""
    shift = np.zeros(n_groups)
    if logit_p.size == 0:
        return shift
    for _ in range(rounds):
        p = sigmoid(logit_p + shift[groups])
        grad = np.bincount(groups, p - approved, minlength=n_groups) + prior * shift
        hess = np.bincount(groups, p * (1.0 - p), minlength=n_groups) + prior
        step = grad / hess
        shift -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return np.asarray(np.clip(shift, -6.0, 6.0), dtype=np.float64)


@dataclass(frozen=True)
class GroupShift:
    """Lender and product corrections on top of the pooled calibration map: the probability of
    a pair is ``sigmoid(logit(q) + lender[l] + product[j])`` with ``q`` the pooled calibrated
    probability. Both shifts are constants per group, so the map stays monotone in the raw
    score for every pair (a lower bound on the score is still a lower bound)."""

    lender: tuple[float, ...] = ()
    product: tuple[float, ...] = ()
    lender_support: tuple[int, ...] = ()
    """Calibration pairs at or above ``SHIFT_FLOOR`` behind each lender's shift: how well its
    calibration is known where recommendations are decided."""

    def apply(
        self, q: FloatArray, lenders: npt.NDArray[np.int64], products: npt.NDArray[np.int64]
    ) -> FloatArray:
        if not self.lender and not self.product:
            return q
        z = logit(q)
        if self.lender:
            z = z + np.asarray(self.lender)[lenders]
        if self.product:
            z = z + np.asarray(self.product)[products]
        return sigmoid(z)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lender": list(self.lender),
            "product": list(self.product),
            "lender_support": list(self.lender_support),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroupShift:
        lender = tuple(float(v) for v in data.get("lender", ()))
        product = tuple(float(v) for v in data.get("product", ()))
        support = tuple(int(v) for v in data.get("lender_support", ()))
        if not all(math.isfinite(v) for v in (*lender, *product)):
            raise ValueError("group shifts must be finite")
        return cls(lender, product, support)


def fit_group_shift(
    q: FloatArray,
    approved: FloatArray,
    lenders: npt.NDArray[np.int64],
    products: npt.NDArray[np.int64],
    n_lenders: int,
    n_products: int,
) -> GroupShift:
    """Lender shifts, then product shifts on top of them, on calibration pairs with ``q`` at or
    above ``SHIFT_FLOOR`` (``fit_shifts``; each shrunk toward zero, i.e. toward its parent)."""
    top = q >= SHIFT_FLOOR
    z, y = logit(q[top]), approved[top]
    lender = fit_shifts(z, y, lenders[top], n_lenders)
    product = fit_shifts(z + lender[lenders[top]], y, products[top], n_products)
    support = np.bincount(lenders[top], minlength=n_lenders)
    return GroupShift(
        tuple(lender.tolist()), tuple(product.tolist()), tuple(int(v) for v in support.tolist())
    )
