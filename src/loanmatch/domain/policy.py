"""Who gets which offer: the exact binomial tail, tie-break order and offer selection.

docs/design.md §5, step 6. Eligibility comes first (only products whose rules all PASS can be
offered); then the decision probability must reach a threshold: fixed (default 0.8) or certified
on held-out decisions for a target approval rate (``domain/certification.py``, which uses
:func:`binomial_sf` for its tests).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "binomial_sf",
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
