"""From probabilities to offers: PD and tier, the price for the request, the owner's benefit
ranking and the credit-inquiry budget (docs/design.md §5, steps 5 and 6).

For every (applicant, product) whose rules all PASS and whose decision probability reaches the
threshold: the PD model gives the 12-month PD and the tier (A-E); the lender's pricing gives
the nominal rate, its build-up and the all-in APR for the requested amount and term (request
features found by ``domain.ranking.request_features``). A product whose price is above its rate
range, the 24% line or the owner's highest acceptable rate is not offered (``price_reason``).
Without a PD model or pricing (an older model directory) offers are unpriced; a product whose
minimum rate is already above the owner's highest acceptable rate is then not offered either.
The rest are ranked by ``domain.ranking.benefit_scores`` and taken within the inquiry budget.

Prices are decided for all pairs at once by ``domain.pricing_screen`` (numpy), which reproduces
the exact path's integers and leaves to the exact Decimal quote the few pairs it cannot vouch
for. The Decimal quote is built for those, for every offered pair (and checked against the
screen: after any disagreement every applicant is decided again from exact quotes alone, since
a screen that misjudged one offered pair may have misjudged pairs nothing was offered on), and
for any other pair only when its ``Pair.quote`` is first read (an exclusion being explained). The
result is the same, to the last digit, as pricing every pair in Decimal
(``tests/integration/test_priced_results.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.pricing import Quote
from loanmatch.domain.pricing_screen import REASONS, screen_prices
from loanmatch.domain.products import Market, Product
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

Key = tuple[float, int, float, float, float]
"""(PD, product index, amount, term, owner's highest rate): what a quote depends on."""
NO_TERM = -(2**62)
OWNER = REASONS.index("above_owner_max_rate")


@dataclass(frozen=True, eq=False)
class Pair:
    """One offerable (applicant, product): its PD, tier, price and benefit score."""

    pd: float
    tier: str | None
    score: float
    priced: Callable[[], Quote | None] = field(repr=False)
    """Gives the exact quote (None: unpriced)."""

    @cached_property
    def quote(self) -> Quote | None:
        return self.priced()

    @property
    def all_in(self) -> float:
        q = self.quote
        return float(q.all_in_rate) if q is not None and q.all_in_rate is not None else math.nan


class _Pairs(Mapping[tuple[int, int], Pair]):
    """The candidate pairs by (applicant, product), each made a :class:`Pair` when looked up
    (a batch has many, a result reads a few)."""

    def __init__(
        self,
        where: npt.NDArray[np.int64],
        pds: npt.NDArray[np.float64],
        tiers: npt.NDArray[np.object_],
        scores: npt.NDArray[np.float64],
        quotes: _Quotes,
        keys: list[Key],
    ) -> None:
        self._where, self._pds, self._tiers, self._scores = where, pds, tiers, scores
        self._quotes, self._keys = quotes, keys

    def __getitem__(self, key: tuple[int, int]) -> Pair:
        i, j = key
        n, m = self._where.shape
        k = int(self._where[i, j]) if 0 <= i < n and 0 <= j < m else -1
        if k < 0:
            raise KeyError(key)
        quote = partial(self._quotes, self._keys[k])
        return Pair(float(self._pds[k]), self._tiers[k], float(self._scores[k]), quote)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        rows, cols = np.nonzero(self._where >= 0)
        return zip(rows.tolist(), cols.tolist(), strict=True)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._where >= 0))


@dataclass(frozen=True)
class Selection:
    rank: npt.NDArray[np.int64]
    pairs: Mapping[tuple[int, int], Pair] = field(default_factory=dict)
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


class _Quotes:
    """Exact quotes by key, each priced once (candidate rows of the plan often share one)."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.found: dict[Key, Quote | None] = {}

    def __call__(self, key: Key) -> Quote | None:
        if key not in self.found:
            self.found[key] = _quote(self.bundle, *key)
        return self.found[key]


def _months(
    products: Sequence[Product], cols: npt.NDArray[np.intp], term: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """``term_for`` of every pair (NO_TERM for None), once per distinct (product, term)."""
    terms, inverse = np.unique(term, return_inverse=True)
    codes, first, back = np.unique(
        cols * terms.size + inverse.ravel(), return_index=True, return_inverse=True
    )
    found = []
    for k in first.tolist():
        months = term_for(products[int(cols[k])], float(term[k]))
        found.append(NO_TERM if months is None else min(max(months, -(10**9)), 10**9))
    return np.asarray(found, dtype=np.int64)[back.ravel()] if codes.size else np.zeros(0, np.int64)


def _decide(
    bundle: ModelBundle,
    quotes: _Quotes,
    keys: list[Key],
    cols: npt.NDArray[np.intp],
    months: npt.NDArray[np.int64],
    exact: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Reason (index in REASONS), all-in rate and unpriced flag of each pair: the screen's,
    or the exact quote's where ``exact``."""
    size = len(keys)
    reason, all_in = np.zeros(size, dtype=np.int8), np.full(size, np.nan)
    unpriced = np.ones(size, dtype=bool)
    if bundle.pricing is None or bundle.pd_model is None or size == 0:
        return reason, all_in, unpriced
    pd, _, amount, _, owner = (np.asarray(c, dtype=np.float64) for c in zip(*keys, strict=True))
    screened = ~exact & ~np.isnan(pd) & ~np.isnan(amount) & (months != NO_TERM)
    s = np.flatnonzero(screened)
    found = screen_prices(
        bundle.pricing,
        bundle.market.products,
        np.clip(pd[s], 0.0, 1.0),
        cols[s],
        amount[s],
        months[s],
        owner[s],
    )
    reason[s], all_in[s], unpriced[s] = found.reason, found.all_in, False
    for k in s[found.exact].tolist() + np.flatnonzero(exact).tolist():
        quote = quotes(keys[k])
        unpriced[k] = quote is None
        if quote is not None:
            reason[k] = REASONS.index(quote.reason)
            apr = quote.all_in_rate
            all_in[k] = math.nan if apr is None else float(apr)
    return reason, all_in, unpriced


def select_priced(
    bundle: ModelBundle,
    values: Values,
    p_decision: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    threshold: float | npt.NDArray[np.float64],
    max_offers: int,
) -> Selection:
    """Rank (1.. per applicant, 0 not offered) with the priced pairs and the reasons;
    ``threshold`` is one number or one per product."""
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
    keys: list[Key] = list(
        zip(
            pds.tolist(),
            cols.tolist(),
            amount[rows].tolist(),
            term[rows].tolist(),
            max_rate[rows].tolist(),
            strict=True,
        )
    )
    quotes = _Quotes(bundle)
    months = _months(market.products, cols, term[rows])
    rate_min = np.array([np.nan if p.rate_min is None else p.rate_min for p in market.products])
    p_pairs = p_decision[rows, cols]
    exact = np.zeros(rows.size, dtype=bool)
    while True:  # twice at most: after a disagreement everything is decided from exact quotes
        reason, all_in, unpriced = _decide(bundle, quotes, keys, cols, months, exact)
        with np.errstate(invalid="ignore"):
            reason[unpriced & (rate_min[cols] > max_rate[rows])] = OWNER
        scores = benefit_scores(
            p_pairs, all_in, market.products, cols, amount[rows], term[rows], days[rows]
        )
        now = {name: values[name] for name in counters}
        chosen, skipped = _rank(market, now, rows, cols, p_pairs, reason, scores, max_offers)
        doubtful = any(
            not exact[k] and not _agrees(quotes(keys[k]), bool(unpriced[k]), all_in[k])
            for _, k in chosen
        )
        if not doubtful:
            break
        exact[:] = True  # a screen wrong once may be wrong where nothing was offered, too
    rank = np.zeros((n, m), dtype=np.int64)
    for position, k in chosen:
        rank[rows[k], cols[k]] = position
    where = np.full((n, m), -1, dtype=np.int64)
    where[rows, cols] = np.arange(rows.size)
    pairs = _Pairs(where, pds, tiers, scores, quotes, keys)
    reasons = {
        (int(rows[k]), int(cols[k])): str(REASONS[reason[k]]) for k in np.flatnonzero(reason)
    }
    over = frozenset((int(rows[k]), int(cols[k])) for k in skipped)
    return Selection(rank, pairs, reasons, over)


def _agrees(quote: Quote | None, unpriced: bool, all_in: float) -> bool:
    """Whether an offered pair's exact quote is what the screen decided."""
    if quote is None or unpriced:
        return quote is None and unpriced
    return quote.offered and quote.all_in_rate is not None and float(quote.all_in_rate) == all_in


def _rank(
    market: Market,
    counters: Values,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    p_pairs: npt.NDArray[np.float64],
    reason: npt.NDArray[np.int8],
    scores: npt.NDArray[np.float64],
    max_offers: int,
) -> tuple[list[tuple[int, int]], list[int]]:
    """(position, pair) of every offer and the pairs skipped for the inquiry budget: each
    applicant's pairs without a price reason, by ``priority``, within the budget."""
    products = [market.products[j] for j in cols.tolist()]
    by_row: dict[int, list[int]] = {}
    for k, i in enumerate(rows.tolist()):
        by_row.setdefault(i, []).append(k)
    chosen: list[tuple[int, int]] = []
    skipped: list[int] = []
    blocked = (reason != 0).tolist()
    ps, ss = p_pairs.tolist(), scores.tolist()
    for i, ks in by_row.items():
        offerable = [k for k in ks if not blocked[k]]
        now = {name: float(column[i]) for name, column in counters.items()}
        best = max((ps[k] for k in offerable), default=0.0)
        ordered = [(products[k], priority(ps[k], best, ss[k])) for k in offerable]
        taken, over = select_within_budget(market.catalog, ordered, now, max_offers)
        chosen.extend((position, offerable[c]) for position, c in enumerate(taken, start=1))
        skipped.extend(offerable[c] for c in over)
    return chosen, skipped
