"""The float screen against the exact Decimal quote, and the exact path's shortcuts against the
plain computations they replace (``reference_offers``).

The screen must give, for every pair it does not leave to the exact path, the exact quote's
rate (in 0.0001 percentage point), reason code and all-in rate (the float of the Decimal, bit
for bit); where it computed an all-in rate it must be within one quantum of the exact one even
when it could not vouch for it. Generated markets: the domain of ``test_pricing_properties``
plus round amounts and round owner's rates, which put many all-in rates exactly on the
rounding and decision boundaries.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanmatch.domain.cashflows import (
    METHODS,
    NothingPaidOutError,
    all_in_rate,
    build_schedule,
    outstanding_total,
)
from loanmatch.domain.pricing import PricingBook, PricingTerms, Quote
from loanmatch.domain.pricing_screen import MAX_RATE_UNITS, REASONS, UNIT, screen_prices
from loanmatch.domain.products import Product
from tests.unit.pricing.conftest import (
    BANK,
    FINTECH,
    annual_fee,
    product,
    terms_strategy,
    upfront_fee,
)
from tests.unit.pricing.reference_offers import all_in_bisection, outstanding_from_schedule

D = Decimal
SETTINGS = settings(max_examples=100, deadline=None)

bp = st.integers(min_value=0, max_value=3600).map(lambda x: D(x) / 100)
ranges = st.one_of(
    st.tuples(st.none(), st.none()),
    st.tuples(bp, bp).map(lambda r: tuple(sorted(r))),
    st.tuples(st.sampled_from([D("3.915"), D("1.1"), D("12")]), st.just(D(24))),
)
terms_st = terms_strategy(
    acquisition_places=1,
    repayment=st.sampled_from(("",) * 4 + METHODS),
    legal_cap=st.sampled_from((D(24), D("12.5"), D(36))),
)
amounts = st.one_of(
    st.integers(min_value=1, max_value=300).map(lambda x: x * 10_000.0),
    st.sampled_from([80_000.0, 40_000.0, 120_000.0, 1.0, 0.001, -5.0, math.nan, 2e9]),
    st.integers(min_value=1_000_000, max_value=500_000_000).map(lambda x: x / 1000),
)
owners = st.one_of(
    st.just(math.nan),
    st.sampled_from([4.0, 5.0, 8.0, 12.0, 24.0]),
    st.floats(min_value=0.0, max_value=40.0),
)
pairs = st.lists(
    st.tuples(
        st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.0, 0.005, 1.0])),
        amounts,
        st.sampled_from([1, 3, 6, 12, 24, 36, 60, 120] * 3 + [0, 13, 700]),
        owners,
    ),
    min_size=8,
    max_size=40,
)


def _exact(
    book: PricingBook, item: Product, pd: float, amount: float, months: int, owner: float
) -> Quote | None:
    """What ``matching.offers`` asks of the exact path."""
    limit = None if math.isnan(owner) else D(repr(owner))
    try:
        return book.quote(pd, item, amount, months, limit)
    except ValueError:
        return None


@SETTINGS
@given(terms_st, ranges, st.sampled_from([(), *[(m,) for m in METHODS], METHODS]), pairs)
def test_the_screen_decides_as_the_exact_quote_wherever_it_vouches(
    terms: PricingTerms,
    limits: tuple[Decimal | None, Decimal | None],
    repayment: tuple[str, ...],
    batch: list[tuple[float, float, int, float]],
) -> None:
    low, high = limits
    item = replace(
        product(repayment=repayment),
        rate_min=None if low is None else float(low),
        rate_max=None if high is None else float(high),
    )
    book = PricingBook({"bank": terms})
    pd, amount, months, owner = (np.asarray(c) for c in zip(*batch, strict=True))
    screen = screen_prices(
        book,
        [item],
        pd.astype(np.float64),
        np.zeros(len(batch), dtype=np.intp),
        amount.astype(np.float64),
        months.astype(np.int64),
        owner.astype(np.float64),
    )
    for k, (p, a, n, o) in enumerate(batch):
        quote = None if math.isnan(a) else _exact(book, item, p, a, n, o)
        if screen.exact[k]:
            apr, found = quote.all_in_rate if quote else None, screen.all_in[k]
            rate = screen.rate[k]
            computed = apr is not None and not math.isnan(found) and rate <= MAX_RATE_UNITS
            if computed and quote is not None and rate == quote.rate * UNIT:  # untrusted, yet
                assert apr is not None  # within a quantum
                assert abs(float(apr) - found) <= 1e-4 + 1e-9
            continue
        assert quote is not None, (p, a, n, o)
        assert screen.rate[k] == quote.rate * UNIT
        assert REASONS[screen.reason[k]] == quote.reason
        if quote.all_in_rate is None:
            assert math.isnan(screen.all_in[k])
        else:
            assert screen.all_in[k] == float(quote.all_in_rate)


def test_the_screen_leaves_few_pairs_to_the_exact_path_on_ordinary_requests() -> None:
    rng = np.random.default_rng(5)
    size = 3000
    items = [
        product(rate=(3.45, 6.0), repayment=("interest_first",), pid="bank"),
        replace(
            product(rate=(12.0, 24.0), repayment=("equal_instalment",)), id="fin", lender="fin"
        ),
    ]
    book = PricingBook({"bank": BANK, "fin": FINTECH})
    cols = rng.integers(0, 2, size).astype(np.intp)
    screen = screen_prices(
        book,
        items,
        rng.uniform(0.0, 0.3, size),
        cols,
        (rng.integers(1, 100, size) * 10_000.0).astype(np.float64),
        rng.choice([6, 12, 24], size).astype(np.int64),
        rng.choice([np.nan, 5.0, 8.0, 24.0], size),
    )
    assert screen.exact.mean() < 0.1
    assert (screen.reason == 0).any()
    assert (screen.reason > 0).any()


def test_an_all_in_rate_exactly_on_a_rounding_boundary_is_left_to_the_exact_path() -> None:
    # 80,000 yuan interest-first: interest 26,533 fen a month, IRR x 1200 = 3.97995% exactly;
    # the bisection's last digit decides the rounding, so only the exact path can say.
    item = product(rate=(3.98, 6.0), repayment=("interest_first",))
    terms = replace(BANK, acquisition_cost=D(0), credit_data_cost=D(0))
    book = PricingBook({"bank": terms})
    screen = screen_prices(
        book,
        [item],
        np.array([0.0]),
        np.zeros(1, dtype=np.intp),
        np.array([80_000.0]),
        np.array([12], dtype=np.int64),
        np.array([np.nan]),
    )
    assert screen.exact[0]
    quote = book.quote(0.0, item, 80_000.0, 12)
    assert quote is not None
    assert quote.rate == D("3.98")


schedule_st = st.tuples(
    st.decimals(min_value=D(100), max_value=D(5_000_000), places=2),
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=0, max_value=3600).map(lambda x: D(x) / 100),
    st.sampled_from(METHODS),
    annual_fee,
    upfront_fee,
)


@settings(max_examples=150, deadline=None)
@given(schedule_st)
def test_the_all_in_rate_is_the_plain_bisections_to_the_last_digit(
    loan: tuple[Decimal, int, Decimal, str, Decimal, Decimal],
) -> None:
    amount, months, rate, method, fee, upfront = loan
    months = min(months, 12) if method == "discount" else months
    try:
        plan = build_schedule(amount, rate, months, method, {"service": fee}, upfront)
    except (NothingPaidOutError, ValueError):
        return
    fast, plain = all_in_rate(plan), all_in_bisection(plan)
    assert fast == plain
    assert str(fast) == str(plain)


@pytest.mark.parametrize("amount", [D(80_000), D(1), D("100.01"), D(0), D(12345)])
@pytest.mark.parametrize("rate", [D(0), D("3.98"), D(250)])
@pytest.mark.parametrize("months", [0, 1, 12, 13, 120, 601])
@pytest.mark.parametrize("method", [*METHODS, "revolving"])
def test_the_closed_form_balance_years_equal_the_schedules_sum_errors_included(
    amount: Decimal, rate: Decimal, months: int, method: str
) -> None:
    def run(f: object) -> object:
        try:
            return f(amount, rate, months, method)  # type: ignore[operator]
        except ValueError as error:
            return type(error)

    assert run(outstanding_total) == run(outstanding_from_schedule)
