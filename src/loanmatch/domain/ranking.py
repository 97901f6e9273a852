"""Rank offers by the owner's benefit and keep credit inquiries few (docs/design.md §5, step 6).

Benefit score of an offer (each part in [0, 1], higher is better)::

    score = 0.45 * approval + 0.25 * cost + 0.15 * amount_fit + 0.05 * term_fit + 0.10 * speed

    approval    P(approve), the calibrated decision probability
    cost        1 - all_in / 24, clipped to [0, 1]: the all-in APR (综合年化成本) against the 24%
                line; an unpriced offer uses the product's maximum rate (what it may cost)
    amount_fit  min(1, product's maximum amount / requested amount) (1 when either is unknown)
    term_fit    1 when the product offers the requested term, else
                1 - |nearest offered term - requested| / requested, clipped (1 when unknown)
    speed       1 - decision_days / 30, clipped; 0 when the decision comes after the day the
                owner needs the money (``SPEED_DAYS``: days to a decision by product kind)

Approval comes first: the score only reorders offers whose probability is within
``APPROVAL_BAND`` (5 points) of the applicant's best one; the rest follow by probability. So a
cheaper, faster or better-fitting product replaces a slightly likelier one, but a recommendation
never trades approval chance for price beyond the band (which would erode the approval rate
Learn-then-Test certifies; docs/method.md section 5). ``priority`` gives the order.

Credit-inquiry budget (征信硬查询): every application is a hard inquiry on the owner's credit
report, and lenders cap recent inquiries (e.g. ``hard_inquiries_3m <= 4``). Offers are taken in
score order; the k-th application (k = 0, 1, ...) is seen by its lender with k more inquiries
than the owner has now, so an offer whose inquiry rule would fail by then is skipped, and at most
``max_offers`` (default 3) are recommended. The inquiry counters are the catalog features marked
``inquiry_counter`` (not every counter of recent events: overdues and lawsuits fall out of their
windows too, but an application adds none).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Product
from loanmatch.domain.rules import FAIL, Rule

__all__ = [
    "APPROVAL_BAND",
    "SPEED_DAYS",
    "WEIGHTS",
    "RequestFeatures",
    "benefit_score",
    "benefit_scores",
    "inquiry_rules",
    "priority",
    "request_features",
    "select_within_budget",
    "term_for",
]

WEIGHTS = {"approval": 0.45, "cost": 0.25, "amount": 0.15, "term": 0.05, "speed": 0.10}
SPEED_DAYS: dict[str, float] = {
    "tax": 1.0,  # online tax loans (税贷): decided from tax data in minutes to a day
    "invoice": 1.0,  # invoice loans (发票贷): likewise, from e-invoice data
    "tobacco": 2.0,  # tobacco-licence loans: online, licence checked with the bureau
    "bill": 2.0,  # bill discounting: the bill is checked, then paid out
    "business": 3.0,  # personal business loans (经营贷): a short review, sometimes a visit
    "secured": 15.0,  # mortgage-backed: valuation and mortgage registration take weeks
}
APPROVAL_BAND = 0.05
DEFAULT_SPEED_DAYS = 7.0
"""A kind the table does not know."""
LEGAL_LINE = 24.0


@dataclass(frozen=True)
class RequestFeatures:
    """The catalog's request features, found by convention (docs/data-contracts.md): a feature
    of ``group: request`` with ``unit: yuan`` is the amount, ``unit: months`` the term,
    ``unit: percent`` the highest acceptable annual rate, ``unit: days`` the days until needed."""

    amount: str | None = None
    term: str | None = None
    max_rate: str | None = None
    days: str | None = None


def request_features(catalog: Catalog) -> RequestFeatures:
    found: dict[str, str] = {}
    units = {"yuan": "amount", "months": "term", "percent": "max_rate", "days": "days"}
    for feature in catalog.features:
        if feature.group == "request" and feature.type == "number" and feature.unit in units:
            found.setdefault(units[feature.unit], feature.name)
    return RequestFeatures(**found)


def term_for(product: Product, requested: float) -> int | None:
    """The product's term to price a request of ``requested`` months: the requested one when
    offered, else the shortest offered term above it, else the longest (None: no terms known
    and no request)."""
    terms = sorted(product.term_months)
    if math.isnan(requested):
        return terms[-1] if terms else None
    if not terms or int(requested) in terms:
        return int(requested)
    longer = [t for t in terms if t >= requested]
    return longer[0] if longer else terms[-1]


def benefit_scores(
    p_approve: npt.NDArray[np.float64],
    all_in: npt.NDArray[np.float64],
    products: Sequence[Product],
    columns: npt.NDArray[np.intp],
    amount: npt.NDArray[np.float64],
    term: npt.NDArray[np.float64],
    days_needed: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The score of the module docstring for many offers at once (NaN inputs: unknown).

    Offer ``k`` is product ``products[columns[k]]`` for a request of ``amount[k]``, ``term[k]``
    and ``days_needed[k]``, at approval ``p_approve[k]`` and all-in rate ``all_in[k]``.
    """
    rate_max = np.array([np.nan if q.rate_max is None else q.rate_max for q in products])
    amount_max = np.array([np.nan if q.amount_max is None else q.amount_max for q in products])
    days = np.array([SPEED_DAYS.get(q.kind, DEFAULT_SPEED_DAYS) for q in products])[columns]
    cost_rate = np.where(np.isnan(all_in), rate_max[columns], all_in)
    cost = np.where(np.isnan(cost_rate), 0.5, np.clip(1.0 - cost_rate / LEGAL_LINE, 0.0, 1.0))
    top = amount_max[columns]
    with np.errstate(invalid="ignore", divide="ignore"):
        known = ~np.isnan(top) & ~np.isnan(amount) & (amount > 0)
        amount_fit = np.where(known, np.minimum(1.0, top / np.where(known, amount, 1.0)), 1.0)
    term_fit = np.ones(len(columns))
    for j in np.unique(columns):
        offered = products[j].term_months
        rows = np.flatnonzero(columns == j)
        asked = term[rows]
        if not offered:
            continue
        choices = np.asarray(offered, dtype=np.float64)
        gap = np.abs(choices[None, :] - asked[:, None])
        nearest = choices[np.argmin(np.where(np.isnan(gap), np.inf, gap), axis=1)]
        valid = ~np.isnan(asked) & (asked > 0)
        fit = 1.0 - np.abs(nearest - asked) / np.where(valid, asked, 1.0)
        term_fit[rows] = np.where(valid, np.maximum(0.0, fit), 1.0)
    speed = np.maximum(0.0, 1.0 - days / 30.0)
    speed = np.where(~np.isnan(days_needed) & (days > days_needed), 0.0, speed)
    return np.asarray(
        WEIGHTS["approval"] * p_approve
        + WEIGHTS["cost"] * cost
        + WEIGHTS["amount"] * amount_fit
        + WEIGHTS["term"] * term_fit
        + WEIGHTS["speed"] * speed,
        dtype=np.float64,
    )


def benefit_score(
    p_approve: float,
    all_in: float,
    product: Product,
    amount: float,
    term: float,
    days_needed: float,
) -> float:
    """The score of one offer (see :func:`benefit_scores`)."""

    def one(x: float) -> npt.NDArray[np.float64]:
        return np.array([x], dtype=np.float64)

    scores = benefit_scores(
        one(p_approve),
        one(all_in),
        [product],
        np.zeros(1, dtype=np.intp),
        one(amount),
        one(term),
        one(days_needed),
    )
    return float(scores[0])


def priority(p_approve: float, best: float, score: float) -> float:
    """Sort value (higher first): in the band below the best probability by benefit score,
    below the band by probability."""
    return 10.0 + score if p_approve >= best - APPROVAL_BAND else p_approve


def inquiry_rules(catalog: Catalog, product: Product) -> tuple[Rule, ...]:
    """The product's rules on inquiry counters (features marked ``inquiry_counter``)."""
    return tuple(
        r
        for r in product.rules
        if catalog[r.feature].inquiry_counter and r.condition.op in ("<=", "<", "between")
    )


def select_within_budget(
    catalog: Catalog,
    candidates: Sequence[tuple[Product, float]],
    counters: dict[str, float],
    max_offers: int,
) -> tuple[list[int], list[int]]:
    """Pick offers in score order within the inquiry budget.

    ``candidates``: (product, sort value) of every offerable product (see :func:`priority`);
    ``counters``: the owner's inquiry counters now (NaN unknown: no cap can be checked, the
    count is not raised).
    Returns (chosen indices in rank order, indices skipped because earlier applications
    would push an inquiry counter over the product's cap).
    """
    order = sorted(range(len(candidates)), key=lambda k: -candidates[k][1])
    chosen: list[int] = []
    skipped: list[int] = []
    for k in order:
        if len(chosen) >= max(max_offers, 0):
            break
        product = candidates[k][0]
        added = float(len(chosen))
        over = False
        for rule in inquiry_rules(catalog, product):
            now = counters.get(rule.feature, math.nan)
            if math.isnan(now):
                continue
            later = {rule.feature: np.asarray([now + added])}
            over = over or bool(rule.status(later)[0] == FAIL)
        if over:
            skipped.append(k)
        else:
            chosen.append(k)
    return chosen, skipped
