"""The naive logging policy: blind applications, exact propensities, lender capacity respected.

An applicant makes ``k`` draws (k = 1..4 with ``DRAW_SHARES``) with replacement from product
weights ``q_i`` and applies to the distinct products drawn, without checking any rule. So the
probability that applicant ``i`` was sent to product ``j`` is exactly::

    propensity_ij = sum_k DRAW_SHARES[k] * (1 - (1 - q_ij) ** k)

Weights follow popularity by lender style and product kind, and loosely the requested amount
(x2.5 inside the product's amount range, x0.5 outside) — an *assumption* standing for how owners
choose blindly today (docs/design.md §1: "which bank fits" is the owner's doubt).

Capacity: applicants arrive on days spread over the horizon; each product takes at most
``capacity_per_day`` applications a day and queues the rest to the next day (first come, first
served), so ``decided_at`` never exceeds a product's daily quota and nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.products import Market
from loanmatch.simulator.lenders import LENDER_BY_ID, LenderStyle

__all__ = [
    "DRAW_SHARES",
    "START_DATE",
    "Applications",
    "choose_products",
    "naive_weights",
    "schedule",
]

Array = npt.NDArray[np.float64]

DRAW_SHARES = (0.35, 0.30, 0.20, 0.15)
"""P(k draws) for k = 1, 2, 3, 4 (assumption: most owners try one or two lenders)."""
POPULARITY: dict[LenderStyle, float] = {
    "big_bank": 1.0, "joint_stock": 0.7, "city": 0.5, "rural": 0.5, "internet": 1.5,
    "fintech": 1.0,
}  # fmt: skip
KIND_POPULARITY = {
    "tax": 1.0, "invoice": 0.9, "business": 1.4, "secured": 0.6, "tobacco": 0.15, "bill": 0.15,
}  # fmt: skip
START_DATE = np.datetime64("2025-06-02")
"""First day of the simulated history (after the May 2025 LPR cut to 3.0%,
``docs/market-reference.md`` §2)."""
ROWS_PER_DAY = 3_000
"""Horizon = history rows / ROWS_PER_DAY days (at least 30): some local products fill up."""


@dataclass(frozen=True)
class Applications:
    """Who applied where: parallel arrays, one entry per application (history row)."""

    applicant: npt.NDArray[np.intp]
    product: npt.NDArray[np.intp]
    propensity: Array


def naive_weights(market: Market, visible: Values) -> Array:
    """Row-normalised draw weights q (applicants x products) from what the applicant knows."""
    amount = visible["loan_amount"]
    columns = []
    for product in market.products:
        style = LENDER_BY_ID[product.lender].style if product.lender in LENDER_BY_ID else "big_bank"
        base = POPULARITY[style] * KIND_POPULARITY.get(product.kind, 1.0)
        lo = product.amount_min if product.amount_min is not None else 0.0
        hi = product.amount_max if product.amount_max is not None else np.inf
        inside = (amount >= lo) & (amount <= hi)
        columns.append(np.where(inside, 2.5 * base, 0.5 * base))
    weights = np.column_stack(columns)
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), dtype=np.float64)


def propensities(q: Array) -> Array:
    """Exact P(sent) for every (applicant, product) under the k-draw policy."""
    out = np.zeros_like(q)
    for k, share in enumerate(DRAW_SHARES, start=1):
        out += share * (1.0 - (1.0 - q) ** k)
    return out


def choose_products(q: Array, rng: np.random.Generator) -> Applications:
    """Draw the applications; rows are ordered by applicant, then product."""
    n, n_products = q.shape
    k = rng.choice(np.arange(1, len(DRAW_SHARES) + 1), size=n, p=np.asarray(DRAW_SHARES))
    u = rng.random((n, len(DRAW_SHARES)))
    cumulative = np.cumsum(q, axis=1)
    cumulative[:, -1] = 1.0
    offsets = np.arange(n, dtype=np.float64)[:, None]
    flat = (cumulative + offsets).ravel()
    picks = np.searchsorted(flat, (u + offsets).ravel(), side="right").reshape(u.shape)
    picks = np.minimum(picks - (np.arange(n) * n_products)[:, None], n_products - 1)
    used = np.arange(len(DRAW_SHARES))[None, :] < k[:, None]
    sent = np.zeros((n, n_products), dtype=bool)
    rows = np.broadcast_to(np.arange(n)[:, None], picks.shape)
    sent[rows[used], picks[used]] = True
    applicant, product = np.nonzero(sent)
    pi = propensities(q)
    return Applications(applicant=applicant, product=product, propensity=pi[applicant, product])


def schedule(
    arrival: npt.NDArray[np.int64],
    product: npt.NDArray[np.intp],
    capacity: list[int | None],
) -> npt.NDArray[np.int64]:
    """Decision day of each application: its arrival day, pushed later while the product's
    quota for the day is used up. Applications must be given in arrival order."""
    day = arrival.copy()
    order = np.argsort(product, kind="stable")
    bounds = np.searchsorted(product[order], np.arange(len(capacity) + 1))
    for j, cap in enumerate(capacity):
        rows = order[bounds[j] : bounds[j + 1]]
        if cap is None or len(rows) == 0:
            continue
        if cap <= 0:
            raise ValueError("capacity_per_day must be positive to receive applications")
        current, used = -1, 0
        for r, a in zip(rows.tolist(), arrival[rows].tolist(), strict=True):
            if a > current:
                current, used = a, 0
            if used >= cap:
                current, used = current + 1, 0
            day[r] = current
            used += 1
    return day


def iso_dates(day: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    return (START_DATE + day.astype("timedelta64[D]")).astype(str).astype(object)
