"""Who gets which offer in probability order: the tie-break order and offer selection.

docs/design.md §5, step 6. Eligibility comes first (only products whose rules all PASS can be
offered); then the decision probability must reach a threshold: fixed (default 0.8) or certified
on held-out decisions for a target approval rate (``domain/certification.py``, whose tests use
the exact binomial tail of ``domain/binomial.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["product_order", "select_offers"]

IntArray = npt.NDArray[np.int64]


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
