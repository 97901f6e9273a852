"""From probabilities to offers: PD and tier, the price for the request, the owner's benefit
ranking and the credit-inquiry budget (design section 5, steps 5 and 6).

For every (applicant, product) whose rules all PASS and whose decision probability reaches the
threshold: the PD model gives the 12-month PD and the tier (A-E); the lender's pricing gives
the nominal rate, its build-up and the all-in APR for the requested amount and term (request
features found by ``domain.ranking.request_features``). A product whose price is above its rate
range, the 24% line or the owner's highest acceptable rate is not offered (``price_reason``).
Without a PD model or pricing (an older model directory) offers are unpriced; a product whose
minimum rate is already above the owner's highest acceptable rate is then not offered either.
The rest are ranked by ``domain.ranking.benefit_scores`` and taken within the inquiry budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

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

__all__ = ["Pair", "Selection", "select_priced"]


@dataclass(frozen=True)
class Pair:
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
class Selection:
    rank: npt.NDArray[np.int64]
    pairs: dict[tuple[int, int], Pair] = field(default_factory=dict)
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


def select_priced(
    bundle: ModelBundle,
    values: Values,
    p_decision: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    threshold: float,
    max_offers: int,
) -> Selection:
    """Rank (1.. per applicant, 0 not offered) with the priced pairs and the reasons."""
    n, m = p_decision.shape
    market = bundle.market
    request = request_features(market.catalog)
    amount = _column(values, request.amount, n)
    term = _column(values, request.term, n)
    max_rate = _column(values, request.max_rate, n)
    days = _column(values, request.days, n)
    counters = [f.name for f in market.catalog.features if f.actionable == "decay"]
    with np.errstate(invalid="ignore"):
        candidate = (status == PASS) & (p_decision >= threshold)
    rows, cols = np.nonzero(candidate)
    pds = _pds(bundle, values, rows, cols)
    tiers = assign_tiers(pds) if rows.size else np.empty(0, dtype=object)
    rank = np.zeros((n, m), dtype=np.int64)
    pairs: dict[tuple[int, int], Pair] = {}
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
            pairs[(i, j)] = Pair(float(pds[k]), tiers[k], quoted[k], float(scores[k]))
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
    return Selection(rank, pairs, reasons, frozenset(skipped))
