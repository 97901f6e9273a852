"""The offer card's loan lines (``domain/offer_terms.py``): the method, the monthly payment for
it, the total interest and the fees, in yuan to the fen and 万 in Chinese."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from loanmatch.domain.offer_terms import money_text, offer_terms
from loanmatch.domain.pricing import Quote, price
from tests.unit.pricing.conftest import BANK, FINTECH, product

D = Decimal
ALL = ("equal_instalment", "equal_principal", "interest_first", "discount")
SIX = product(rate=(6.0, 6.0), repayment=ALL)
"""A product priced at exactly 6%: the BANK build-up at PD 0 is below it, the clamp lifts it."""


def _quote(method: str, months: int = 12, amount: int = 120_000) -> Quote:
    quote = price(0, SIX, D(amount), months, BANK, method=method)
    assert quote.rate == D("6.00")
    return quote


def test_equal_instalments_show_the_textbook_instalment_and_the_last_that_settles_the_fen() -> None:
    terms = offer_terms(_quote("equal_instalment"), "zh")
    assert terms is not None
    assert terms.repayment == "等额本息"
    assert terms.payment == "每月 10,327.97元（末期 10,327.99元）"
    assert terms.total_interest == "3,935.66元（12个月）"
    assert terms.fees == ""


def test_equal_principal_shows_the_first_payment_falling_to_the_last() -> None:
    terms = offer_terms(_quote("equal_principal"), "zh")
    assert terms is not None
    assert terms.repayment == "等额本金"
    assert terms.payment == "首月 1.06万元，逐月递减至 1.005万元"
    assert terms.total_interest == "3,900元（12个月）"


def test_interest_first_shows_the_monthly_interest_and_the_principal_at_the_end() -> None:
    terms = offer_terms(_quote("interest_first"), "en")
    assert terms is not None
    assert terms.repayment == "Interest only, principal at the end"
    assert terms.payment == "600 yuan interest a month, 120,600 yuan with the principal at the end"
    assert terms.total_interest == "7,200 yuan over 12 months"


def test_a_discounted_bill_shows_the_interest_deducted_and_the_face_value_at_maturity() -> None:
    quote = _quote("discount", months=6)
    terms = offer_terms(quote, "zh")
    assert terms is not None
    assert terms.payment == "放款时扣息 3,600元，到期还 12万元"
    assert quote.monthly_payment is None


def test_fees_are_shown_in_total_and_make_the_apr_exceed_the_nominal_rate() -> None:
    quote = price(0.02, product(rate=(6.0, 24.0)), D(100_000), 12, FINTECH, "equal_instalment")
    terms = offer_terms(quote, "zh")
    assert terms is not None
    assert terms.fees == "3,500.08元"
    assert quote.all_in_rate is not None
    assert quote.all_in_rate > quote.rate


def test_a_quote_above_the_products_range_has_no_loan_lines() -> None:
    quote = price(1, product(rate=(3.0, 3.5)), D(100_000), 12, BANK)
    assert not quote.offered
    assert offer_terms(quote) is None


def test_money_is_shown_to_the_fen_and_whole_amounts_from_ten_thousand_in_wan() -> None:
    assert money_text(D("8884.88")) == "8,884.88元"
    assert money_text(D("7620.00")) == "7,620元"
    assert money_text(D("10050")) == "1.005万元"
    assert money_text(D("150000000")) == "1.5亿元"
    assert money_text(D("12345.60"), "en") == "12,345.60 yuan"


@given(st.decimals(min_value=D(10_000), max_value=D(10**9), places=0))
def test_a_whole_amount_in_wan_reads_back_exactly(amount: Decimal) -> None:
    text = money_text(amount).removesuffix("元")
    word, size = ("亿", D(10) ** 8) if text.endswith("亿") else ("万", D(10) ** 4)
    assert D(text.removesuffix(word)) * size == amount
