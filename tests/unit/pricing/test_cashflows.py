"""Repayment schedules and the all-in rate on hand-checked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanmatch.domain.cashflows import (
    UnsupportedMethodError,
    all_in_rate,
    build_schedule,
    irr_monthly,
)

D = Decimal


def test_an_equal_instalment_loan_pays_the_textbook_instalment() -> None:
    # 120,000 yuan at 12% a year for 12 months: A = 120000 x 0.01 / (1 - 1.01^-12) = 10,661.85
    plan = build_schedule(D(120_000), D(12), 12, "equal_instalment")
    assert [i.total for i in plan.instalments[:-1]] == [D("10661.85")] * 11
    assert plan.instalments[0].interest == D("1200.00")
    assert plan.principal_repaid == D(120_000)


def test_the_last_equal_instalment_absorbs_the_rounding_remainder() -> None:
    plan = build_schedule(D(100_000), D("4.35"), 36, "equal_instalment")
    balance = D(100_000) - sum((i.principal for i in plan.instalments[:-1]), D(0))
    assert plan.instalments[-1].principal == balance
    assert abs(plan.instalments[-1].total - plan.instalments[0].total) < D("0.50")


def test_equal_principal_repays_the_same_principal_every_month_but_the_last() -> None:
    plan = build_schedule(D(100_000), D(6), 3, "equal_principal")
    assert [i.principal for i in plan.instalments] == [D("33333.33"), D("33333.33"), D("33333.34")]
    assert [i.interest for i in plan.instalments] == [D("500.00"), D("333.33"), D("166.67")]


def test_interest_first_pays_interest_monthly_and_the_principal_at_maturity() -> None:
    plan = build_schedule(D(200_000), D("3.6"), 12, "interest_first")
    assert all(i.interest == D("600.00") for i in plan.instalments)
    assert [i.principal for i in plan.instalments] == [D(0)] * 11 + [D(200_000)]


def test_a_loan_without_fees_costs_exactly_its_nominal_rate() -> None:
    plan = build_schedule(D(200_000), D("3.6"), 12, "interest_first")
    assert all_in_rate(plan) == D("3.6000")


def test_fees_on_the_original_principal_raise_the_all_in_rate_far_above_the_quote() -> None:
    # The pattern of issue 4: a low quoted rate on a declining balance, fees on the original
    # principal, an upfront fee deducted at pay-out.
    fees = {"guarantee": D(6), "service": D(3)}
    plan = build_schedule(D(100_000), D("6.8"), 12, "equal_instalment", fees, D(2))
    assert plan.paid_out == D(98_000)
    assert plan.fee_totals["guarantee"] == D("6000.00")
    assert all_in_rate(plan) > D(24)


def test_a_discounted_bill_pays_out_the_face_value_less_the_interest() -> None:
    plan = build_schedule(D(1_000_000), D(2), 6, "discount")
    assert plan.paid_out == D(990_000)
    assert plan.instalments[-1].principal == D(1_000_000)
    assert all_in_rate(plan) > D(2)  # interest paid in advance costs more than its rate


def test_a_revolving_line_is_not_a_schedule_pricing_supports() -> None:
    with pytest.raises(UnsupportedMethodError, match="revolving"):
        build_schedule(D(10_000), D(5), 12, "revolving")


def test_a_term_of_zero_months_is_rejected() -> None:
    with pytest.raises(ValueError, match="term"):
        build_schedule(D(10_000), D(5), 0, "interest_first")


def test_cash_flows_without_payments_have_no_internal_rate() -> None:
    with pytest.raises(ValueError, match="payments"):
        irr_monthly([D(100), D(10)])
