"""Property tests of pricing (issue 4 acceptance): exact build-up, monotone in PD, all-in rate
at least the nominal rate when the borrower pays fees, the IRR against an independent root
finder, and schedules that repay exactly the principal.

Domain of the generated loans: 10,000 yuan to 5M, 1 to 120 months, rates 0-36%, fees either 0
or 0.01-10% a year, upfront fee 0 or 0.1-5%; a discounted bill runs at most 12 months. (Below
a fen a month a fee rounds away, and then no fee exists.)
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from loanmatch.domain.cashflows import all_in_rate, build_schedule
from loanmatch.domain.pricing import PricingTerms, price
from tests.unit.pricing.conftest import annual_fee, product, terms_strategy
from tests.unit.pricing.conftest import upfront_fee as upfront

D = Decimal
METHODS = ("equal_instalment", "equal_principal", "interest_first", "discount")

amounts = st.decimals(min_value=D(10_000), max_value=D(5_000_000), places=2)
terms = st.integers(min_value=1, max_value=120)
rates = st.decimals(min_value=D(0), max_value=D(36), places=2)
methods = st.sampled_from(METHODS)
pds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
pricing_terms = terms_strategy()
PRODUCT = product(rate=(3.0, 36.0), repayment=METHODS)
SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(pds, amounts, terms, methods, pricing_terms)
def test_the_rate_build_up_sums_exactly_to_the_rate(
    pd: float, amount: Decimal, months: int, method: str, terms_: PricingTerms
) -> None:
    assume(method != "discount" or months <= 12)
    quote = price(pd, PRODUCT, amount, months, terms_, method)
    assert sum((line.rate for line in quote.waterfall), D(0)) == quote.rate


@SETTINGS
@given(pds, pds, amounts, terms, methods, pricing_terms)
def test_a_higher_pd_never_gives_a_lower_price(
    a: float, b: float, amount: Decimal, months: int, method: str, terms_: PricingTerms
) -> None:
    assume(method != "discount" or months <= 12)
    low, high = sorted((a, b))
    cheap = price(low, PRODUCT, amount, months, terms_, method)
    dear = price(high, PRODUCT, amount, months, terms_, method)
    assert dear.rate >= cheap.rate
    if dear.all_in_rate is not None and cheap.all_in_rate is not None:
        assert dear.all_in_rate >= cheap.all_in_rate
    assert cheap.offered or not dear.offered  # no product opens as the risk rises


@SETTINGS
@given(amounts, terms, rates, methods, annual_fee, annual_fee, upfront)
def test_the_all_in_rate_is_at_least_the_nominal_rate_whenever_fees_exist(
    amount: Decimal,
    months: int,
    rate: Decimal,
    method: str,
    guarantee: Decimal,
    service: Decimal,
    upfront_fee: Decimal,
) -> None:
    assume(method != "discount" or months <= 12)
    fees = {"guarantee": guarantee, "service": service}
    plan = build_schedule(amount, rate, months, method, fees, upfront_fee)
    if plan.total_fees > 0:
        assert all_in_rate(plan) >= rate


def _npv(rate: float, flows: np.ndarray) -> float:
    """Written independently of the library: float NPV with numpy powers."""
    t = np.arange(len(flows), dtype=np.float64)
    return float(np.sum(flows / (1.0 + rate) ** t))


@SETTINGS
@given(amounts, terms, rates, methods, annual_fee, upfront)
def test_the_irr_matches_an_independent_root_finder(
    amount: Decimal, months: int, rate: Decimal, method: str, fee: Decimal, upfront_fee: Decimal
) -> None:
    assume(method != "discount" or months <= 12)
    plan = build_schedule(amount, rate, months, method, {"service": fee}, upfront_fee)
    flows = np.asarray([float(f) for f in plan.cash_flows()])
    monthly = brentq(_npv, -0.5, 5.0, args=(flows,), xtol=1e-15, rtol=1e-15, maxiter=500)
    assert abs(float(all_in_rate(plan)) - monthly * 1200.0) < 2e-4


@SETTINGS
@given(amounts, terms, rates, methods, annual_fee)
def test_schedules_repay_exactly_the_principal_in_whole_fen(
    amount: Decimal, months: int, rate: Decimal, method: str, fee: Decimal
) -> None:
    assume(method != "discount" or months <= 12)
    plan = build_schedule(amount, rate, months, method, {"insurance": fee})
    assert plan.principal_repaid == amount
    assert len(plan.instalments) == months
    for row in plan.instalments:
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.total == row.total.quantize(D("0.01"))


@SETTINGS
@given(pds, amounts, terms, methods, pricing_terms)
def test_the_offer_figures_are_the_schedules_and_repay_the_principal_to_the_fen(
    pd: float, amount: Decimal, months: int, method: str, t: PricingTerms
) -> None:
    assume(method != "discount" or months <= 12)
    quote = price(pd, PRODUCT, amount, months, t, method=method)
    assume(quote.schedule is not None)
    plan = quote.schedule
    assert plan is not None
    assert plan.principal_repaid == quote.amount
    assert quote.total_interest == plan.total_interest
    assert quote.total_interest is not None
    assert quote.total_interest >= 0
    for figure in (quote.monthly_payment, quote.last_payment, quote.total_interest):
        assert figure is None or figure == figure.quantize(D("0.01"))
    if method == "discount":
        assert quote.monthly_payment is None
    else:
        assert quote.monthly_payment == plan.instalments[0].total


@SETTINGS
@given(amounts, terms, rates)
def test_equal_instalments_are_equal_to_the_fen_but_the_last_which_settles_the_rest(
    amount: Decimal, months: int, rate: Decimal
) -> None:
    plan = build_schedule(amount, rate, months, "equal_instalment")
    first = plan.instalments[0].total
    assert all(i.total == first for i in plan.instalments[:-1])
    # the last differs by the rounding remainders only (the instalment's and the interest's, half
    # a fen each a month), grown with interest
    growth = (1 + float(rate) / 1200) ** months
    assert float(abs(plan.instalments[-1].total - first)) <= 0.01 * months * growth + 0.01
    assert plan.principal_repaid == plan.principal


@SETTINGS
@given(amounts, terms, rates)
def test_equal_principal_payments_never_rise_until_the_last(
    amount: Decimal, months: int, rate: Decimal
) -> None:
    plan = build_schedule(amount, rate, months, "equal_principal")
    totals = [i.total for i in plan.instalments[:-1]]
    assert totals == sorted(totals, reverse=True)
    assert plan.principal_repaid == plan.principal


@SETTINGS
@given(pds, amounts, terms, methods, pricing_terms)
def test_the_quoted_apr_is_at_least_the_nominal_rate_when_the_borrower_pays_fees(
    pd: float, amount: Decimal, months: int, method: str, t: PricingTerms
) -> None:
    assume(method != "discount" or months <= 12)
    quote = price(pd, PRODUCT, amount, months, t, method=method)
    assume(quote.all_in_rate is not None and quote.total_fees)
    assert quote.all_in_rate is not None
    assert quote.all_in_rate >= quote.rate
