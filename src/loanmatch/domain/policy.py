"""Who gets which offer: threshold choice (Learn-then-Test), ranking and offer selection.

Design section 5, step 6. Eligibility comes first (only products whose rules all PASS can be
offered); then the approval probability must reach a threshold. The threshold is either fixed
(default 0.8) or chosen on held-out pairs so that the approval rate among recommendations reaches
a target with stated confidence:

Learn-then-Test (Angelopoulos, Bates, Candes, Jordan and Lei, 2021) with fixed-sequence testing.
For candidate thresholds ``t_1 > t_2 > ...`` (the distinct held-out scores, rounded to 0.001,
that keep at least ``min_pairs`` pairs) test ``H0(t): approval among pairs with p >= t < A`` with
the exact binomial tail p-value ``P(Bin(n_t, A) >= k_t)``; reject while the p-value is at most
``delta = 1 - confidence`` and stop at the first non-rejection. Because the tests run in a fixed
order and stop at the first failure, the family-wise error is at most ``delta``: with probability
at least ``confidence`` every accepted threshold, and so the lowest (the one returned), has a true
approval rate of at least ``A`` on the population the held-out pairs come from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

__all__ = [
    "ThresholdChoice",
    "binomial_sf",
    "choose_threshold",
    "product_order",
    "select_offers",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-14:
            break
    return h


def _regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def binomial_sf(k: int, n: int, p: float) -> float:
    """``P(X >= k)`` for ``X ~ Binomial(n, p)``: the p-value of ``k`` successes under ``p``."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return min(1.0, max(0.0, _regularized_beta(float(k), float(n - k + 1), p)))


@dataclass(frozen=True)
class ThresholdChoice:
    """The outcome of Learn-then-Test. ``threshold`` is ``inf`` when no candidate was certified."""

    threshold: float
    target: float
    confidence: float
    n_pairs: int
    """Held-out pairs with a score at or above the threshold."""
    approval: float
    """Observed approval among those pairs (NaN when none)."""
    p_value: float
    tested: int

    @property
    def certified(self) -> bool:
        return math.isfinite(self.threshold)


def choose_threshold(
    scores: npt.ArrayLike,
    approved: npt.ArrayLike,
    target: float,
    confidence: float = 0.9,
    min_pairs: int = 20,
) -> ThresholdChoice:
    """The lowest threshold Learn-then-Test certifies for ``approval >= target`` (module doc)."""
    if not 0.0 < target < 1.0:
        raise ValueError(f"target approval must be between 0 and 1, not {target}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    p = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(approved, dtype=np.float64).ravel()
    keep = ~np.isnan(p)
    p, y = p[keep], y[keep]
    delta = 1.0 - confidence
    order = np.argsort(-p, kind="mergesort")
    p_sorted, y_cum = p[order], np.cumsum(y[order])
    candidates = np.unique(np.floor(p * 1000.0 + 1e-9) / 1000.0)[::-1]
    best = ThresholdChoice(math.inf, target, confidence, 0, math.nan, math.nan, 0)
    tested = 0
    for t in candidates:
        n = int(np.searchsorted(-p_sorted, -t, side="right"))
        if n < min_pairs:
            continue
        k = round(float(y_cum[n - 1]))
        tested += 1
        p_value = binomial_sf(k, n, target)
        if p_value > delta:
            break
        best = ThresholdChoice(float(t), target, confidence, n, k / n, p_value, tested)
    return replace(best, tested=tested)


def product_order(rate_min: npt.ArrayLike, amount_max: npt.ArrayLike) -> IntArray:
    """Each product's tie-break position: lower minimum rate first, then larger maximum amount.

    Unknown rates sort last; unknown amounts count as the smallest.
    """
    rate = np.nan_to_num(np.asarray(rate_min, dtype=np.float64), nan=np.inf)
    amount = np.nan_to_num(np.asarray(amount_max, dtype=np.float64), nan=-np.inf)
    order = np.lexsort((-amount, rate))
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    return position


def select_offers(
    p_decision: npt.ArrayLike,
    threshold: float,
    max_offers: int,
    tie_order: npt.ArrayLike,
) -> IntArray:
    """Rank of each (applicant, product) offer, 0 when not offered.

    ``p_decision[i, j]`` is the probability used for the decision, NaN where the product is not
    eligible (its rules do not all PASS). Offered: ``p >= threshold``, at most ``max_offers`` per
    applicant, ranked by probability, then by ``tie_order`` (see :func:`product_order`).
    """
    p = np.asarray(p_decision, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError("p_decision must be a matrix (applicants x products)")
    n, m = p.shape
    offerable = ~np.isnan(p) & (p >= threshold)
    key = np.where(offerable, -p, np.inf)
    ties = np.broadcast_to(np.asarray(tie_order, dtype=np.int64), (n, m))
    order = np.lexsort((ties, key), axis=1)
    limit = np.minimum(offerable.sum(axis=1), max(max_offers, 0))
    positions = np.arange(m, dtype=np.int64)
    sorted_rank = np.where(positions[None, :] < limit[:, None], positions[None, :] + 1, 0)
    rank = np.zeros((n, m), dtype=np.int64)
    np.put_along_axis(rank, order, sorted_rank, axis=1)
    return rank
