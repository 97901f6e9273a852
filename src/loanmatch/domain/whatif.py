"""Candidate changes for the "not yet" plan: what an owner could realistically change.

Only features the catalog marks ``actionable`` move (docs/data-contracts.md); everything else
(past overdues, industry, gender, owner age except by waiting, ...) is a fact and never changes.

- ``reduce`` (something the owner can lower now): an amount (``unit: yuan``) down to each
  threshold a rule or a product's maximum sets below it (a rule on a derived feature, e.g.
  ``debt_to_revenue <= 1``, gives the value of this input that meets it) and to ``REDUCE_STEPS``
  of it, never below ``REDUCE_FLOOR`` of it; a count (e.g. lenders with outstanding loans, by
  repaying and closing small loans) down by one or two; a boolean (e.g. a payment overdue now,
  by paying it) from true to false.
- ``increase``: up to each threshold a rule sets above the value (e.g. the days a mortgage's
  valuation and registration take), and for a percent feature the value + 1, 2, 4 and 8
  points, at most ``INCREASE_CAP`` times the value and the feature's maximum.
- ``choose`` (a request the owner may move either way, e.g. the term): each threshold a rule
  sets (also through a derived feature, e.g. ``age_at_maturity <= 65``) and each term a product
  offers, between 1/``CHOOSE_SPAN`` and ``CHOOSE_SPAN`` times the request (a term may always go
  up to 12 months).
- waiting ``WAITS`` months moves every ``time`` feature (years + w/12, months + w, days + 30w,
  capped at the feature's maximum; only a clock that has started, value > 0, except a
  ``start`` feature, a clock the owner can start now: from 0 it reads w months) and lets every
  ``decay`` counter fall (``decayed``): events spread evenly over their window, no new ones,
  and what remains rounded UP; counters of one kind over nested windows (``x_3m`` inside
  ``x_6m``) stay consistent: the recent events of the short window are the ones the long
  window keeps longest.
- combinations: waiting with each other change; two changes of different features (at most
  ``PAIR_OPTIONS`` values of each, from the smallest change to the largest); and waiting with
  a new request, i.e. a smaller amount over another term (``WAIT_PAIR_OPTIONS`` values each):
  the request is one decision of the owner's, so this counts as waiting plus one change.
  Nothing else is combined (no wait plus paying down debt plus a smaller amount, say).
- money is suggested in round figures, rounded down (1,000 yuan; 100 below 10,000), so the
  verified value is exactly the one the plan's text names.

Effort (lower is easier): reducing a requested amount by a fraction f costs ``4 f``, paying
down another amount (e.g. debt) ``6 f``, a count 1.5 a unit, a boolean 1.0; a term change 0.5
a year; accepting a rate 1 point higher 0.5; allowing d more days ``d / 180``; waiting w months
``w / 6``; a combination costs the sum.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from loanmatch.domain.catalog import Catalog, Feature
from loanmatch.domain.formula import Expr, references
from loanmatch.domain.products import Market

__all__ = ["WAITS", "Candidate", "candidates", "decayed", "time_moved"]

WAITS = (3, 6, 12, 24)
REDUCE_FLOOR = 0.25
REDUCE_STEPS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25)
INCREASE_CAP = 3.0
CHOOSE_SPAN = 5.0
MAX_PER_KIND = 8
PAIR_OPTIONS = 4
WAIT_PAIR_OPTIONS = 4
_WINDOW_SUFFIX = re.compile(r"_(\d+)m$")


@dataclass(frozen=True)
class Candidate:
    """Changed values (feature -> new value), the months waited, and the effort."""

    changes: dict[str, float]
    wait_months: int
    effort: float


def _per_month(feature: Feature) -> float:
    return {"years": 1 / 12, "months": 1.0, "days": 30.0}.get(feature.unit or "", 0.0)


def _families(catalog: Catalog) -> dict[str, list[Feature]]:
    """``decay`` counters grouped by kind: names equal but for a ``_<n>m`` window suffix."""
    out: dict[str, list[Feature]] = {}
    for feature in catalog.features:
        if feature.actionable == "decay" and feature.window_months:
            stem = _WINDOW_SUFFIX.sub("", feature.name)
            out.setdefault(stem, []).append(feature)
    for members in out.values():
        members.sort(key=lambda f: f.window_months or 0)
    return out


def decayed(counts: list[tuple[float, float]], window: float, months: int) -> float:
    """What a counter over ``window`` months reads after ``months`` without new events.

    ``counts``: (window, count now) of every counter of the kind, shortest first; the events
    are spread evenly between the known windows, and a fraction of an event counts as one.
    """
    left = window - months
    if left <= 0:
        return 0.0
    points = [(0.0, 0.0)]
    for w, c in counts:
        if not math.isnan(c):
            points.append((w, max(c, points[-1][1])))
    xs, ys = zip(*points, strict=True)
    return float(math.ceil(np.interp(left, xs, ys) - 1e-9))


def time_moved(catalog: Catalog, row: dict[str, float], months: int) -> dict[str, float]:
    """What waiting ``months`` changes: time features grow, decay counters fall."""
    out: dict[str, float] = {}
    for feature in catalog.features:
        value = row.get(feature.name, math.nan)
        if math.isnan(value) or feature.actionable not in ("time", "start"):
            continue
        running = feature.actionable == "start" or value > 0
        if running and _per_month(feature) > 0:
            new = value + months * _per_month(feature)
            if feature.max is not None:
                new = min(new, feature.max)
            if new != value:
                out[feature.name] = new
    for members in _families(catalog).values():
        counts = [(float(f.window_months or 0), row.get(f.name, math.nan)) for f in members]
        for feature, (window, value) in zip(members, counts, strict=True):
            if math.isnan(value) or value <= 0:
                continue
            new = min(value, decayed(counts, window, months))
            if new != value:
                out[feature.name] = new
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


def _solved(
    market: Market, formulas: Mapping[str, Expr], feature: Feature, row: dict[str, float]
) -> set[float]:
    """Values of input ``feature`` at which a derived feature meets an upper bound a rule sets
    on it (the others held), where the derived value grows with the input (a ratio, a sum);
    whole numbers (rounded down) for counts and months."""
    found: set[float] = set()
    name = feature.name
    value = row.get(name, math.nan)
    for derived, expr in formulas.items():
        if name not in references(expr):
            continue
        probe = {k: np.asarray([v, v]) for k, v in row.items()}
        probe[name] = np.asarray([0.0, value])
        low, now = (float(x) for x in expr.evaluate(probe, 2))
        if not (math.isfinite(low) and math.isfinite(now)) or now <= low:
            continue
        for bound in _bounds(market, derived, upper=True):
            if low <= bound < now:  # linear in the input for ratios and sums
                found.add(value * (bound - low) / (now - low))
    if feature.unit in ("count", "months"):
        found = {_round_down(f, 1.0) for f in found}
    return found


def _round_down(value: float, step: float) -> float:
    return float(math.floor(value / step + 1e-9) * step)


def _reductions(
    market: Market,
    feature: Feature,
    value: float,
    row: dict[str, float],
    formulas: Mapping[str, Expr],
) -> list[float]:
    if feature.type == "boolean":
        return [0.0] if value == 1.0 else []
    if feature.unit == "count":
        return [v for v in (value - 1, value - 2) if v >= 0]
    options = _bounds(market, feature.name, upper=True) | {value * f for f in REDUCE_STEPS}
    options |= _solved(market, formulas, feature, row)
    if feature.unit == "yuan" and feature.group == "request":
        options |= {p.amount_max for p in market.products if p.amount_max is not None}
    low = value * REDUCE_FLOOR
    if feature.min is not None:
        low = max(low, feature.min)
    if feature.unit == "yuan":  # round figures, down: 1,000 yuan (100 below 10,000)
        options = {_round_down(o, 1000.0 if o >= 1e4 else 100.0) for o in options}
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


def _choices(
    market: Market,
    feature: Feature,
    value: float,
    row: dict[str, float],
    formulas: Mapping[str, Expr],
) -> list[float]:
    options = _bounds(market, feature.name, upper=False) | _bounds(market, feature.name, upper=True)
    options |= _solved(market, formulas, feature, row)
    if feature.unit == "months":
        options |= {float(t) for p in market.products for t in p.term_months}
    low, high = value / CHOOSE_SPAN, value * CHOOSE_SPAN
    if feature.unit == "months":
        high = max(high, 12.0)
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
        return (4.0 if feature.group == "request" else 6.0) * (1.0 - new / old)
    if feature.unit == "months":
        return abs(new - old) / 12.0 * 0.5
    if feature.unit == "percent":
        return abs(new - old) * 0.5
    if feature.unit == "days":
        return max(abs(new - old) / 180.0, 0.05)
    return 0.5


def _moves(
    market: Market, row: dict[str, float], formulas: Mapping[str, Expr]
) -> list[tuple[dict[str, float], float]]:
    """Every single change of one actionable feature, with its effort."""
    out: list[tuple[dict[str, float], float]] = []
    for feature in market.catalog.features:
        value = row.get(feature.name, math.nan)
        if math.isnan(value) or feature.type == "category":
            continue
        if feature.actionable == "reduce" and value > 0:
            news = _reductions(market, feature, value, row, formulas)
        elif feature.actionable == "increase":
            news = _increases(market, feature, value)
        elif feature.actionable == "choose":
            news = _choices(market, feature, value, row, formulas)
        else:
            continue
        out.extend(({feature.name: new}, _effort(feature, value, new)) for new in news)
    return out


def _thinned(
    moves: list[tuple[dict[str, float], float]], n: int
) -> list[tuple[dict[str, float], float]]:
    """At most ``n`` moves per feature, spread from the smallest change to the largest."""
    by_feature: dict[str, list[tuple[dict[str, float], float]]] = {}
    for move in moves:
        by_feature.setdefault(next(iter(move[0])), []).append(move)
    out: list[tuple[dict[str, float], float]] = []
    for options in by_feature.values():
        options.sort(key=lambda m: m[1])
        if len(options) > n:
            picks = np.linspace(0, len(options) - 1, n).round().astype(int)
            options = [options[k] for k in sorted(set(picks.tolist()))]
        out.extend(options)
    return out


def _pairs(
    moves: list[tuple[dict[str, float], float]],
) -> list[tuple[dict[str, float], float]]:
    out: list[tuple[dict[str, float], float]] = []
    for k, (c1, e1) in enumerate(moves):
        out.extend(({**c1, **c2}, e1 + e2) for c2, e2 in moves[k + 1 :] if not set(c1) & set(c2))
    return out


def candidates(
    market: Market, row: dict[str, float], formulas: Mapping[str, Expr] | None = None
) -> list[Candidate]:
    """Every candidate change for one owner (``row``: feature -> encoded value; ``formulas``:
    the derived features' expressions, to meet rules on them)."""
    catalog = market.catalog
    moves = _moves(market, row, formulas or {})
    pairs = _pairs(_thinned(moves, PAIR_OPTIONS))
    requests = [
        p
        for p in _pairs(_thinned(moves, WAIT_PAIR_OPTIONS))
        if all(catalog[n].group == "request" for n in p[0])
    ]
    out = [Candidate(c, 0, e) for c, e in (*moves, *pairs)]
    for w in WAITS:
        moved = time_moved(catalog, row, w)
        if moved:
            out.append(Candidate(moved, w, w / 6.0))
            out.extend(Candidate({**moved, **c}, w, w / 6.0 + e) for c, e in (*moves, *requests))
    return out
