"""Candidate changes for the "not yet" plan: what an owner could realistically change.

Only features the catalog marks ``actionable`` move (docs/data-contracts.md); everything else
(past overdues, industry, gender, owner age except by waiting, ...) is a fact and never changes.

- ``reduce`` (something the owner can lower now): an amount (``unit: yuan``) down to each
  threshold a rule or a product's maximum sets below it and to 80% / 50% of it, never below
  ``REDUCE_FLOOR`` of it; a count (e.g. lenders with outstanding loans, by repaying and
  closing small loans) down by one or two; a boolean (e.g. a payment overdue now, by paying
  it) from true to false.
- ``increase`` (e.g. the highest acceptable rate): up to each threshold a rule sets above the
  request, and for a percent feature the request + 1, 2, 4 and 8 points, at most
  ``INCREASE_CAP`` times the request and the feature's maximum.
- ``choose`` (a request the owner may move either way, e.g. the term): each threshold a rule
  sets and each term a product offers, between 1/``INCREASE_CAP`` and ``INCREASE_CAP`` times
  the request.
- waiting ``WAITS`` months moves every ``time`` feature (years + w/12, months + w, days + 30w,
  capped at the feature's maximum; only a clock that has started, value > 0, except a
  ``start`` feature, a clock the owner can start now: from 0 it reads w months) and lets every
  ``decay`` counter fall: ``floor(value * max(0, 1 - w / window_months))`` (recent events spread
  evenly over the window, no new ones while waiting).
- combinations: waiting with each other change, and each reduction with each other request
  change.

Effort (lower is easier): reducing an amount by a fraction f costs ``4 f``, a count 1.5 a
unit, a boolean 1.0; a term change 0.5 a year;
accepting a rate 1 point higher 0.5; waiting w months ``w / 6``; a combination costs the sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from loanmatch.domain.catalog import Catalog, Feature
from loanmatch.domain.products import Market

__all__ = ["WAITS", "Candidate", "candidates", "time_moved"]

WAITS = (3, 6, 12, 24)
REDUCE_FLOOR = 0.25
INCREASE_CAP = 3.0
MAX_PER_KIND = 6


@dataclass(frozen=True)
class Candidate:
    """Changed values (feature -> new value), the months waited, and the effort."""

    changes: dict[str, float]
    wait_months: int
    effort: float


def _per_month(feature: Feature) -> float:
    return {"years": 1 / 12, "months": 1.0, "days": 30.0}.get(feature.unit or "", 0.0)


def time_moved(catalog: Catalog, row: dict[str, float], months: int) -> dict[str, float]:
    """What waiting ``months`` changes: time features grow, decay counters fall."""
    out: dict[str, float] = {}
    for feature in catalog.features:
        value = row.get(feature.name, math.nan)
        if math.isnan(value):
            continue
        running = feature.actionable == "start" or (feature.actionable == "time" and value > 0)
        if running and _per_month(feature) > 0:
            new = value + months * _per_month(feature)
            if feature.max is not None:
                new = min(new, feature.max)
            if new != value:
                out[feature.name] = new
        elif feature.actionable == "decay" and feature.window_months and value > 0:
            new = math.floor(value * max(0.0, 1.0 - months / feature.window_months))
            if new != value:
                out[feature.name] = float(new)
    return out


def _bounds(market: Market, name: str, upper: bool) -> set[float]:
    """Thresholds that rules on ``name`` set (upper bounds when ``upper``, else lower)."""
    found: set[float] = set()
    for product in market.products:
        for rule in product.rules:
            if rule.feature != name:
                continue
            op, v = rule.condition.op, rule.condition.values
            if upper and op in ("<=", "between"):
                found.add(v[-1])
            elif upper and op == "<":
                found.add(v[0] - 1)
            elif not upper and op in (">=", "between"):
                found.add(v[0])
            elif not upper and op == ">":
                found.add(v[0] + 1)
    return found


def _reductions(market: Market, feature: Feature, value: float) -> list[float]:
    if feature.type == "boolean":
        return [0.0] if value == 1.0 else []
    if feature.unit == "count":
        return [v for v in (value - 1, value - 2) if v >= 0]
    options = _bounds(market, feature.name, upper=True) | {value * 0.8, value * 0.5}
    if feature.unit == "yuan":
        options |= {p.amount_max for p in market.products if p.amount_max is not None}
    low = value * REDUCE_FLOOR
    if feature.min is not None:
        low = max(low, feature.min)
    kept = sorted((o for o in options if low <= o < value), reverse=True)
    return kept[:MAX_PER_KIND]


def _increases(market: Market, feature: Feature, value: float) -> list[float]:
    options = _bounds(market, feature.name, upper=False)
    if feature.unit == "percent":
        options |= {value + step for step in (1.0, 2.0, 4.0, 8.0)}
    high = value * INCREASE_CAP if value > 0 else math.inf
    if feature.max is not None:
        high = min(high, feature.max)
    return sorted(o for o in options if value < o <= high)[:MAX_PER_KIND]


def _choices(market: Market, feature: Feature, value: float) -> list[float]:
    options = _bounds(market, feature.name, upper=False) | _bounds(market, feature.name, upper=True)
    if feature.unit == "months":
        options |= {float(t) for p in market.products for t in p.term_months}
    low, high = value / INCREASE_CAP, value * INCREASE_CAP
    if feature.min is not None:
        low = max(low, feature.min)
    if feature.max is not None:
        high = min(high, feature.max)
    kept = sorted(
        (o for o in options if low <= o <= high and o != value), key=lambda o: abs(o - value)
    )
    return kept[:MAX_PER_KIND]


def _effort(feature: Feature, old: float, new: float) -> float:
    if feature.type == "boolean":
        return 1.0
    if feature.unit == "count":
        return 1.5 * abs(old - new)
    if feature.actionable == "reduce":
        return 4.0 * (1.0 - new / old)
    if feature.unit == "months":
        return abs(new - old) / 12.0 * 0.5
    if feature.unit == "percent":
        return abs(new - old) * 0.5
    return 0.5


def candidates(market: Market, row: dict[str, float]) -> list[Candidate]:
    """Every candidate change for one owner (``row``: feature -> encoded value)."""
    catalog = market.catalog
    reduce: list[tuple[dict[str, float], float]] = []
    increase: list[tuple[dict[str, float], float]] = []
    for feature in catalog.features:
        value = row.get(feature.name, math.nan)
        if math.isnan(value) or feature.type == "category":
            continue
        if feature.actionable == "reduce" and value > 0:
            for new in _reductions(market, feature, value):
                reduce.append(({feature.name: new}, _effort(feature, value, new)))
        elif feature.actionable in ("increase", "choose"):
            moves = _increases if feature.actionable == "increase" else _choices
            for new in moves(market, feature, value):
                increase.append(({feature.name: new}, _effort(feature, value, new)))
    waits = [(time_moved(catalog, row, w), w) for w in WAITS]
    out = [Candidate(c, 0, e) for c, e in (*reduce, *increase)]
    for moved, w in waits:
        if moved:
            out.append(Candidate(moved, w, w / 6.0))
            out.extend(Candidate({**moved, **c}, w, w / 6.0 + e) for c, e in (*reduce, *increase))
    for k, (c1, e1) in enumerate(reduce):
        out.extend(Candidate({**c1, **c2}, 0, e1 + e2) for c2, e2 in increase)
        out.extend(
            Candidate({**c1, **c2}, 0, e1 + e2)
            for c2, e2 in reduce[k + 1 :]
            if not set(c1) & set(c2)
        )
    return out
