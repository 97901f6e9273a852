"""Screen many quotes at once: the decisions of :func:`loanmatch.domain.pricing.price` for every
candidate (applicant, product) in numpy, without building a Decimal quote per pair.

The screen reproduces the exact path's integers, not an approximation of them:

- money in fen as int64: principal, every month's interest, principal part, fee, the upfront
  fee and a bill's discount, with the documented ROUND_HALF_UP rules done in integer division;
- the nominal rate in units of 0.0001 percentage point (``UNIT``): the constant lines (funding,
  opex, fee, profit) from Decimal once per lender, the one-off costs over the balance-years in
  integers, PD x LGD in float64 rounded half up to the basis point;
- the all-in rate: Newton's method in float64 on the exact integer cash flows (the borrower's
  NPV is increasing and concave in the monthly rate, so Newton converges from the nominal rate),
  rounded half up to 0.0001 percentage point as :func:`~loanmatch.domain.cashflows.all_in_rate`
  does, then compared in integers with the product's maximum, the legal line and the owner's rate
  (so every decision boundary of the all-in rate is one of its rounding boundaries).

Only a float step can err, and only by about 1e-12 of its value: a pair is ``exact`` (left to
the Decimal path) when a float result lies within a margin of its rounding boundary (PD x LGD
within 1e-6 bp of half a basis point, the equal instalment within about 1e-13 of half a fen, the
all-in rate within 1e-8 percentage point of half a quantum: there the bisection's last digits
decide), when an exact half fen or half basis point meets a divisor that is not a finite
decimal (Decimal's 28 digits could round it either way), when Newton's method did not settle,
and outside the screen's domain (a lender without terms, a method or term that cannot be
priced, a rate or fee with more than four decimals or a cost with a fraction of a fen, a rate
above 1000%, an amount below 1 yuan a month or above 100 million yuan).
``tests/unit/pricing/test_pricing_screen.py`` holds the screen to the exact path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.domain.cashflows import MAX_DISCOUNT_MONTHS, MAX_TERM_MONTHS, METHODS
from loanmatch.domain.pricing import BP, PricingBook, PricingTerms
from loanmatch.domain.products import Product

__all__ = ["REASONS", "UNIT", "Screen", "screen_prices"]

UNIT = 10_000
"""Rates in units of 1/UNIT percentage point (the all-in rate's quantum)."""
REASONS = (None, "above_rate_range", "above_legal_cap", "above_owner_max_rate")
"""``Screen.reason`` codes: 0 offered, then the reason codes of :class:`~pricing.Quote`."""
INTEREST_QUOTIENT = 12 * 100 * UNIT
"""fen x rate units / INTEREST_QUOTIENT = a month's interest in fen."""
EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_FIRST, DISCOUNT = (METHODS.index(m) for m in METHODS)
MAX_FEN = 10**10
"""Above 100 million yuan the int64 products could overflow: priced exactly."""
MAX_RATE_UNITS = 10**7
LINE_MARGIN = 1e-6
"""Distance (basis points) from half a basis point under which a float line is not trusted."""
ANNUITY_MARGIN = 1e-13
"""Relative distance (of the instalment) from half a fen under which it is not trusted."""
ALL_IN_MARGIN = 1e-4
"""Distance (units of 0.0001 percentage point) from a rounding boundary of the all-in rate."""
NEWTON_STEPS = 60
NEWTON_TOLERANCE = 1e-14
NONE = np.iinfo(np.int64).max // 4
"""A limit that is not there (no maximum rate, no owner's rate)."""


@dataclass(frozen=True)
class Screen:
    """The screened price of each pair (meaningless where ``exact``)."""

    rate: npt.NDArray[np.int64]
    """Nominal rate in units of 1/UNIT percentage point."""
    all_in: npt.NDArray[np.float64]
    """All-in rate in percent, float of the quantized Decimal; NaN where no loan is built."""
    reason: npt.NDArray[np.int8]
    """Index in :data:`REASONS`."""
    exact: npt.NDArray[np.bool_]
    """The screen cannot vouch for this pair: price it with the Decimal path."""


def _units(value: Decimal) -> int | None:
    scaled = value * UNIT
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _fen_of(yuan: Decimal) -> int | None:
    fen = yuan * 100
    return int(fen) if fen >= 0 and fen == fen.to_integral_value() else None


def _floor_units(value: Decimal) -> int:
    return int((value * UNIT).to_integral_value(rounding=ROUND_FLOOR))


def _bp(value: Decimal) -> int:
    return int(value.quantize(BP, rounding=ROUND_HALF_UP) * 100)


@dataclass(frozen=True)
class _Plan:
    """One product's pricing as numbers the screen can use exactly."""

    method: int
    fixed: int
    acquisition: int
    data: int
    lgd: float
    funding: int
    fees: tuple[int, ...]
    upfront: int
    low: int
    high: int
    cap: int


def _plan(terms: PricingTerms | None, product: Product) -> _Plan | None:
    """None: every pair of the product is priced exactly."""
    if terms is None:
        return None
    try:
        method = METHODS.index(terms.method_for(product))
    except ValueError:
        return None
    constant = (terms.funding_rate, terms.operating_cost, terms.management_fee, terms.target_profit)
    fixed = sum(_bp(line) for line in constant)
    funding = _units(max(terms.funding_rate, Decimal(0)))
    fees = [_units(f) for f in terms.annual_fees.values()]
    upfront = _units(terms.upfront_fee)
    low = _units(Decimal(repr(product.rate_min))) if product.rate_min is not None else -NONE
    high = Decimal(repr(product.rate_max)) if product.rate_max is not None else None
    costs = [_fen_of(terms.acquisition_cost), _fen_of(terms.credit_data_cost)]
    known = [funding, upfront, low, *fees, *costs]
    if any(x is None for x in known) or not Decimal(0) <= terms.upfront_fee < 100:
        return None
    if max([int(funding or 0), *(int(f or 0) for f in fees)]) > MAX_RATE_UNITS:
        return None  # int64 products could overflow
    if max(int(c or 0) for c in costs) > MAX_FEN:
        return None
    return _Plan(
        method=method,
        fixed=fixed,
        acquisition=int(costs[0] or 0),
        data=int(costs[1] or 0),
        lgd=float(terms.lgd),
        funding=int(funding or 0),
        fees=tuple(int(f or 0) for f in fees),
        upfront=int(upfront or 0),
        low=int(low or 0),
        high=_floor_units(high) if high is not None else NONE,
        cap=_floor_units(terms.legal_cap),
    )


def _half_up(
    numerator: npt.NDArray[np.int64], denominator: int | npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """numerator / denominator rounded half up (numerator >= 0) and whether it was a half."""
    quotient = (2 * numerator + denominator) // (2 * denominator)
    return quotient, 2 * (numerator % denominator) == denominator


def _round_float(
    x: npt.NDArray[np.float64], margin: npt.NDArray[np.float64] | float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """x rounded half up, and whether x is within ``margin`` of a half (then not trusted)."""
    finite = np.isfinite(x) & (np.abs(x) < 2.0**62)
    x = np.where(finite, x, 0.0)
    floor = np.floor(x)
    unsure = ~finite | (np.abs(x - floor - 0.5) < margin)
    return (floor + (x - floor >= 0.5)).astype(np.int64), unsure


def _schedule(
    principal: npt.NDArray[np.int64],
    rate: npt.NDArray[np.int64],
    months: int,
    method: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Principal and interest of every month in fen (rows: pairs), as ``build_schedule``."""
    n, k = months, principal.size
    parts = np.zeros((k, n), dtype=np.int64)
    parts[:, n - 1] = principal
    split = method == EQUAL_PRINCIPAL
    if split.any():
        part = (2 * principal[split] + n) // (2 * n)
        parts[split, : n - 1] = part[:, None]
        parts[split, n - 1] = principal[split] - part * (n - 1)
    repaid = np.cumsum(parts, axis=1) - parts
    interest, half = _half_up((principal[:, None] - repaid) * rate[:, None], INTEREST_QUOTIENT)
    lasting = rate % 3 != 0  # rate / 1200 is not a terminating decimal: a half is unsure
    discount = method == DISCOUNT
    interest[discount] = 0
    unsure = (half.any(axis=1) & lasting) & ~discount
    annuity = np.flatnonzero(method == EQUAL_INSTALMENT)
    if annuity.size:
        p, r = principal[annuity], rate[annuity]
        payment, doubt = _annuity(p, r, n)
        balance = p.copy()
        for month in range(n):
            owed, half_month = _half_up(balance * r, INTEREST_QUOTIENT)
            doubt |= half_month & lasting[annuity]
            paid = balance if month == n - 1 else np.minimum(payment - owed, balance)
            parts[annuity, month], interest[annuity, month] = paid, owed
            balance = balance - paid
        unsure[annuity] = doubt
    return parts, interest, unsure


def _annuity(
    principal: npt.NDArray[np.int64], rate: npt.NDArray[np.int64], months: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The equal instalment in fen, to_fen(P r / (1 - (1 + r)^-n)), and whether unsure."""
    r = rate / INTEREST_QUOTIENT  # the monthly rate
    with np.errstate(divide="ignore", invalid="ignore"):
        value = principal * r / -np.expm1(-months * np.log1p(r))
    payment, unsure = _round_float(value, ANNUITY_MARGIN * np.abs(value) + 1e-6)
    flat = (2 * principal + months) // (2 * months)
    zero = rate == 0
    return np.where(zero, flat, payment), unsure & ~zero


def _irr(
    paid_out: npt.NDArray[np.float64],
    payments: npt.NDArray[np.float64],
    guess: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Monthly IRR of +paid_out then -payments[:, k] by Newton's method; and non-convergence."""
    ks = np.arange(1, payments.shape[1] + 1, dtype=np.float64)
    weighted = payments * ks
    r = guess.copy()
    step = np.full(r.size, np.inf)
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS):
            v = 1.0 / (1.0 + r)
            powers = v[:, None] ** ks
            npv = paid_out - (payments * powers).sum(axis=1)
            slope = (weighted * powers).sum(axis=1) * v
            step = npv / slope
            r = r - step
            if not np.any(np.abs(step) > NEWTON_TOLERANCE):
                break
    unsure = ~(np.abs(step) <= NEWTON_TOLERANCE) | ~(r >= 0.0) | ~(r < 100.0)
    return r, unsure


def _fen(amount: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """to_fen(Decimal(repr(amount))) in fen; -1 where the exact path would refuse or overflow."""
    values, inverse = np.unique(amount, return_inverse=True)
    fen = np.full(values.size, -1, dtype=np.int64)
    for u, value in enumerate(values.tolist()):
        if math.isfinite(value) and 0 < value < MAX_FEN / 100:
            fen[u] = int(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP) * 100)
    return fen[inverse.ravel()]


def _owner_units(owner_max: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """floor(owner's rate in units) of Decimal(repr(rate)) as the exact path reads it; NONE
    where unknown."""
    values, inverse = np.unique(owner_max, return_inverse=True)
    floors = []
    for value in values.tolist():
        if math.isnan(value):
            floors.append(NONE)
        elif math.isinf(value):
            floors.append(NONE if value > 0 else -NONE)
        else:
            floors.append(min(max(_floor_units(Decimal(repr(value))), -NONE), NONE))
    return np.asarray(floors, dtype=np.int64)[inverse.ravel()]


def _price_group(
    months: int,
    principal: npt.NDArray[np.int64],
    pd: npt.NDArray[np.float64],
    owner: npt.NDArray[np.int64],
    plan: dict[str, npt.NDArray[Any]],
    fees: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int8], npt.NDArray[np.bool_]
]:
    """Rate, all-in rate, reason and doubt of pairs that share a term (``plan``: per pair)."""
    n, method = months, plan["method"]
    # balance-years: principal outstanding summed over the months at the funding rate
    parts, _, unsure = _schedule(principal, plan["funding"], n, method)
    outstanding = (principal[:, None] - (np.cumsum(parts, axis=1) - parts)).sum(axis=1)
    bill, _ = _half_up(principal * plan["funding"] * n, INTEREST_QUOTIENT)
    unsure |= (method == DISCOUNT) & (bill >= principal - 1)  # nothing paid out: exact path
    # a cost in yuan over the balance-years in bp: fen x 1200 / 100 (fen-months to yuan-years)
    # x 100 (percent) x 100 (bp) / fen-months; a half is exact where years is a finite decimal
    lines = [plan["fixed"]]
    for cost in (plan["acquisition"], plan["data"]):
        line, half = _half_up(cost * 120_000, outstanding)
        lines.append(line)
        unsure |= half & (outstanding % 3 != 0)
    loss, doubt = _round_float(pd * plan["lgd"] * 1e4, LINE_MARGIN)
    lines.append(loss)
    unsure |= doubt
    rate = np.maximum(100 * np.sum(lines, axis=0), plan["low"])
    above = rate > plan["high"]
    # the schedule at the rate, with the fees
    priced = np.clip(rate, 0, MAX_RATE_UNITS)
    parts, interest, doubt = _schedule(principal, priced, n, method)
    monthly_fee = np.zeros(principal.size, dtype=np.int64)
    for f in range(fees.shape[1]):
        monthly_fee += _half_up(principal * fees[:, f], INTEREST_QUOTIENT)[0]
    upfront, _ = _half_up(principal * plan["upfront"], 100 * UNIT)
    bill, half = _half_up(principal * priced * n, INTEREST_QUOTIENT)
    discount = method == DISCOUNT
    doubt |= discount & half & (priced % 3 != 0)
    paid_out = principal - upfront - np.where(discount, bill, 0)
    doubt |= (rate < 0) | (rate > MAX_RATE_UNITS)
    unsure |= ~above & doubt
    loan = ~above & (paid_out > 0)
    reason = np.where(above, 1, np.where(loan, 0, 2)).astype(np.int8)
    all_in = np.full(principal.size, np.nan)
    if loan.any():
        payments = (parts[loan] + interest[loan] + monthly_fee[loan, None]).astype(np.float64)
        nominal = priced[loan] / INTEREST_QUOTIENT
        r, doubt = _irr(paid_out[loan].astype(np.float64), payments, nominal)
        q, unsure_q = _round_float(r * INTEREST_QUOTIENT, ALL_IN_MARGIN)
        cap, mine = plan["cap"][loan], owner[loan]
        reason[loan] = np.where(q > cap, 2, np.where(q > mine, 3, 0))
        unsure[loan] |= doubt | unsure_q
        all_in[loan] = q / UNIT
    return rate, all_in, reason, unsure


def screen_prices(
    book: PricingBook,
    products: Sequence[Product],
    pd: npt.NDArray[np.float64],
    columns: npt.NDArray[np.intp],
    amount: npt.NDArray[np.float64],
    months: npt.NDArray[np.int64],
    owner_max: npt.NDArray[np.float64],
) -> Screen:
    """The screened quote of each pair: ``pd`` (12-month PD, in [0, 1]) for product
    ``products[columns[k]]``, ``amount`` yuan over ``months`` (the product's term for the
    request), owner's highest acceptable rate ``owner_max`` percent (NaN: none). What
    ``book.quote(pd, product, amount, months, owner_max)`` decides, where not ``exact``."""
    plans = [_plan(book.terms_for(p), p) for p in products]
    names = ("method", "fixed", "acquisition", "data", "lgd", "funding", "upfront", "low")
    table = {
        name: np.asarray([getattr(p, name) if p is not None else 0 for p in plans])
        for name in (*names, "high", "cap")
    }
    width = max((len(p.fees) for p in plans if p is not None), default=0)
    fee_table = np.zeros((len(plans), width), dtype=np.int64)
    for j, p in enumerate(plans):
        if p is not None:
            fee_table[j, : len(p.fees)] = p.fees
    usable = np.asarray([p is not None for p in plans], dtype=bool)
    size = columns.size
    principal = _fen(amount) if size else np.zeros(0, dtype=np.int64)
    method = table["method"][columns]
    exact = (
        ~usable[columns]
        | (months < 1)
        | (months > MAX_TERM_MONTHS)
        | ((method == DISCOUNT) & (months > MAX_DISCOUNT_MONTHS))
        | (principal < 100 * months)
        | ~((pd >= 0.0) & (pd <= 1.0))
    )
    owner = _owner_units(owner_max) if size else np.zeros(0, dtype=np.int64)
    rate = np.zeros(size, dtype=np.int64)
    all_in = np.full(size, np.nan)
    reason = np.zeros(size, dtype=np.int8)
    for n in np.unique(months[~exact]).tolist():
        group = np.flatnonzero(~exact & (months == n))
        plan = {name: column[columns[group]] for name, column in table.items()}
        found = _price_group(
            int(n), principal[group], pd[group], owner[group], plan, fee_table[columns[group]]
        )
        rate[group], all_in[group], reason[group], exact[group] = found
    return Screen(rate, all_in, reason, exact)
