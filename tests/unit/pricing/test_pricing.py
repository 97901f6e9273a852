"""The rate build-up, the clamp and the reasons a product is not offered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanmatch.domain.cashflows import UnsupportedMethodError
from loanmatch.domain.pricing import LINE_KEYS, price
from tests.unit.pricing.conftest import BANK, FINTECH, product

D = Decimal


def test_the_waterfall_lists_every_cost_line_and_sums_to_the_rate() -> None:
    quote = price(0.02, product(), 200_000, 12, BANK)
    assert tuple(line.key for line in quote.waterfall) == LINE_KEYS
    assert sum(line.rate for line in quote.waterfall) == quote.rate
    assert quote.line("funding") == D("2.20")
    assert quote.line("expected_loss") == D("0.90")  # 2% x 45%
    assert quote.line("acquisition") == D("0.10")  # 200 yuan over 200,000 yuan-years


def test_a_price_below_the_range_is_raised_to_the_minimum_on_its_own_line() -> None:
    quote = price(0.0, product(rate=(4.0, 6.0)), 1_000_000, 12, BANK)
    assert quote.rate == D("4.0")
    assert quote.line("clamp") > 0
    assert quote.offered


def test_a_price_above_the_range_is_not_offered_with_that_reason() -> None:
    quote = price(0.08, product(rate=(3.5, 4.5)), 200_000, 12, BANK)
    assert not quote.offered
    assert quote.reason == "above_rate_range"
    assert quote.rate > D("4.5")
    assert quote.reason_text is not None
    assert "range" in quote.reason_text.en


def test_an_all_in_cost_above_24_percent_is_not_offered() -> None:
    quote = price(
        0.08, product(rate=(12, 24), repayment=("equal_instalment",)), 300_000, 12, FINTECH
    )
    assert quote.rate is not None
    assert quote.all_in_rate is not None
    assert quote.rate <= D(24)
    assert quote.all_in_rate > D(24)
    assert quote.reason == "above_legal_cap"


def test_an_all_in_cost_above_the_owners_tolerance_is_not_offered() -> None:
    quote = price(0.02, product(), 200_000, 12, BANK, max_acceptable_rate=4.0)
    assert quote.all_in_rate is not None
    assert quote.all_in_rate > D(4)
    assert quote.reason == "above_owner_max_rate"
    assert quote.limits["owner_max_rate"] == D("4.0")


def test_the_owners_tolerance_is_compared_with_the_all_in_rate_not_the_quote() -> None:
    terms = FINTECH
    quote = price(0.01, product(rate=(12, 24), repayment=("equal_instalment",)), 300_000, 12, terms)
    assert quote.rate is not None
    assert quote.all_in_rate is not None
    tolerance = (quote.rate + quote.all_in_rate) / 2
    assert (
        price(
            0.01, product(rate=(12, 24)), 300_000, 12, terms, "equal_instalment", tolerance
        ).reason
        == "above_owner_max_rate"
    )


def test_the_method_defaults_to_the_first_one_the_product_offers_that_can_be_priced() -> None:
    quote = price(0.02, product(repayment=("revolving", "equal_principal")), 100_000, 12, BANK)
    assert quote.method == "equal_principal"


def test_a_method_no_schedule_supports_is_an_error() -> None:
    with pytest.raises(UnsupportedMethodError):
        price(0.02, product(), 100_000, 12, BANK, method="balloon")


def test_a_pd_outside_zero_to_one_is_an_error() -> None:
    with pytest.raises(ValueError, match="PD"):
        price(1.5, product(), 100_000, 12, BANK)
