"""The exact path as it was before the float screen: every candidate pair priced with a Decimal
quote, its all-in rate by the plain 40-digit bisection and its balance-years from the full
schedule. Kept verbatim (but for names) as the reference the screened ``select_priced`` must
equal; ``reference_pricing()`` puts the old all-in rate and balance-years back into
``domain.pricing`` while it runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from unittest import mock

import numpy as np
import numpy.typing as npt

from loanmatch.domain import pricing
from loanmatch.domain.cashflows import RATE_QUANTUM, Schedule, build_schedule
from loanmatch.domain.catalog import Values
from loanmatch.domain.pricing import Quote
from loanmatch.domain.ranking import (
    benefit_scores,
    priority,
    request_features,
    select_within_budget,
    term_for,
)
from loanmatch.domain.rules import PASS
from loanmatch.model.bundle import ModelBundle
from loanmatch.risk.tiers import assign_tiers

__all__ = ["ReferencePair", "ReferenceSelection", "reference_pricing", "select_priced_reference"]


def _npv(flows: Sequence[Decimal], r: Decimal) -> Decimal:
    v = 1 / (1 + r)
    total = Decimal(0)
    for flow in reversed(flows[1:]):
        total = (total + flow) * v
    return flows[0] + total


def irr_bisection(flows: Sequence[Decimal]) -> Decimal:
    """``cashflows.irr_monthly`` before the estimate-guided shortcuts."""
    if not flows or flows[0] <= 0 or all(f >= 0 for f in flows[1:]):
        raise ValueError("cash flows must start with money received and then payments")
    with localcontext() as ctx:
        ctx.prec = 40
        lo, hi = Decimal("-0.99"), Decimal("0.1")
        while _npv(flows, hi) < 0:
            hi *= 2
            if hi > 1000:
                raise ValueError("no internal rate of return below 100000% a month")
        if _npv(flows, lo) > 0:
            raise ValueError("the payments are smaller than the money received")
        for _ in range(200):
            mid = (lo + hi) / 2
            if _npv(flows, mid) < 0:
                lo = mid
            else:
                hi = mid
            if hi - lo < Decimal("1e-20"):
                break
        return (lo + hi) / 2


def all_in_bisection(schedule: Schedule) -> Decimal:
    monthly = irr_bisection(schedule.cash_flows())
    return (monthly * 12 * 100).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def outstanding_from_schedule(
    principal: Decimal, annual_rate: Decimal, months: int, method: str
) -> Decimal:
    """``pricing.balance_years`` x 12 as it was: summed from the full schedule."""
    plan = build_schedule(principal, annual_rate, months, method)
    outstanding, total = plan.principal, Decimal(0)
    for instalment in plan.instalments:
        total += outstanding
        outstanding -= instalment.principal
    return total


@contextmanager
def reference_pricing() -> Iterator[None]:
    """``domain.pricing`` with the old all-in rate and balance-years while the block runs."""
    with (
        mock.patch.object(pricing, "all_in_rate", all_in_bisection),
        mock.patch.object(pricing, "outstanding_total", outstanding_from_schedule),
    ):
        yield


@dataclass(frozen=True)
class ReferencePair:
    """One offerable (applicant, product): its PD, tier, price and benefit score."""

    pd: float
    tier: str | None
    quote: Quote | None
    score: float

    @property
    def all_in(self) -> float:
        q = self.quote
        return float(q.all_in_rate) if q is not None and q.all_in_rate is not None else math.nan


@dataclass(frozen=True)
class ReferenceSelection:
    rank: npt.NDArray[np.int64]
    pairs: dict[tuple[int, int], ReferencePair] = field(default_factory=dict)
    price_reason: dict[tuple[int, int], str] = field(default_factory=dict)
    """Pairs not offered because of their price: ``above_rate_range``, ``above_legal_cap`` or
    ``above_owner_max_rate``."""
    over_budget: frozenset[tuple[int, int]] = frozenset()
    """Pairs skipped because earlier applications would push an inquiry counter over a cap."""


def _column(values: Values, name: str | None, n: int) -> npt.NDArray[np.float64]:
    return values[name] if name is not None and name in values else np.full(n, np.nan)


def _pds(
    bundle: ModelBundle, values: Values, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    if bundle.pd_model is None or rows.size == 0:
        return np.full(rows.size, np.nan)
    kinds = np.asarray([p.kind for p in bundle.market.products], dtype=object)[cols]
    return bundle.pd_model.predict_pd({k: v[rows] for k, v in values.items()}, kinds)


def _quote(
    bundle: ModelBundle, pd: float, j: int, amount: float, term: float, max_rate: float
) -> Quote | None:
    """The quote for one pair (NaN amount, PD or term: unpriced)."""
    product = bundle.market.products[j]
    months = term_for(product, term)
    if bundle.pricing is None or math.isnan(pd) or math.isnan(amount) or months is None:
        return None
    owner = None if math.isnan(max_rate) else Decimal(repr(float(max_rate)))
    try:
        return bundle.pricing.quote(min(max(pd, 0.0), 1.0), product, float(amount), months, owner)
    except ValueError:  # a method the amount or term cannot be priced with (e.g. a long bill)
        return None


def select_priced_reference(
    bundle: ModelBundle,
    values: Values,
    p_decision: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    threshold: float,
    max_offers: int,
) -> ReferenceSelection:
    """Rank (1.. per applicant, 0 not offered) with the priced pairs and the reasons."""
    n, m = p_decision.shape
    market = bundle.market
    request = request_features(market.catalog)
    amount = _column(values, request.amount, n)
    term = _column(values, request.term, n)
    max_rate = _column(values, request.max_rate, n)
    days = _column(values, request.days, n)
    counters = [f.name for f in market.catalog.features if f.inquiry_counter]
    with np.errstate(invalid="ignore"):
        candidate = (status == PASS) & (p_decision >= threshold)
    rows, cols = np.nonzero(candidate)
    pds = _pds(bundle, values, rows, cols)
    tiers = assign_tiers(pds) if rows.size else np.empty(0, dtype=object)
    rank = np.zeros((n, m), dtype=np.int64)
    pairs: dict[tuple[int, int], ReferencePair] = {}
    reasons: dict[tuple[int, int], str] = {}
    skipped: set[tuple[int, int]] = set()
    quotes: dict[tuple[float, int, float, float, float], Quote | None] = {}
    quoted: list[Quote | None] = []
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        key = (float(pds[k]), j, float(amount[i]), float(term[i]), float(max_rate[i]))
        if key not in quotes:  # candidate rows of the plan often share a price
            quotes[key] = _quote(bundle, *key)
        quote = quotes[key]
        quoted.append(quote)
        product = market.products[j]
        if quote is not None and not quote.offered and quote.reason is not None:
            reasons[(i, j)] = quote.reason
        elif quote is None and product.rate_min is not None and product.rate_min > max_rate[i]:
            reasons[(i, j)] = "above_owner_max_rate"
    all_in = np.array(
        [math.nan if q is None or q.all_in_rate is None else float(q.all_in_rate) for q in quoted]
    )
    scores = benefit_scores(
        p_decision[rows, cols], all_in, market.products, cols, amount[rows], term[rows], days[rows]
    )
    by_row: dict[int, list[int]] = {}
    for k, i in enumerate(rows.tolist()):
        by_row.setdefault(i, []).append(k)
    for i, ks in by_row.items():
        offerable: list[tuple[int, float]] = []
        for k in ks:
            j = int(cols[k])
            pairs[(i, j)] = ReferencePair(float(pds[k]), tiers[k], quoted[k], float(scores[k]))
            if (i, j) not in reasons:
                offerable.append((j, float(scores[k])))
        now = {name: float(values[name][i]) for name in counters}
        best = max((float(p_decision[i, j]) for j, _ in offerable), default=0.0)
        ordered = [
            (market.products[j], priority(float(p_decision[i, j]), best, score))
            for j, score in offerable
        ]
        chosen, over = select_within_budget(market.catalog, ordered, now, max_offers)
        for position, c in enumerate(chosen, start=1):
            rank[i, offerable[c][0]] = position
        skipped.update((i, offerable[c][0]) for c in over)
    return ReferenceSelection(rank, pairs, reasons, frozenset(skipped))
