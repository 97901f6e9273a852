"""What a priced offer costs the owner, as the offer card says it: the repayment method, the
monthly payment for that method, the interest over the term and the fees, in yuan.

The figures are the quote's schedule (``domain/cashflows.py``: every amount rounded half up to
the fen, the last instalment settling the remainder), never recomputed here. They are shown to
the fen, a whole number of yuan without decimals, and in Chinese a whole amount from 1万 in 万
(the words of ``domain/value_text.format_money``, computed in Decimal so that they are exact):
``8,884.88元``, ``7,620元``, ``20万元``, ``20.0635万元``.

By method (the quote's: the product's first method that can be priced, or the one its lender's
pricing configuration names):

- 等额本息 (equal instalments): the same payment every month (the last one settles the fen);
- 等额本金 (equal principal): the first and the last month's payment (it falls every month);
- 先息后本 (interest first): the monthly interest, then the principal with the last interest;
- 贴现 (discount): the interest deducted at pay-out and the face value repaid at maturity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from loanmatch.domain.catalog import Text
from loanmatch.domain.pricing import Quote
from loanmatch.lang import parse_lang

__all__ = ["OfferTerms", "money_text", "offer_terms"]


def _wan(amount: Decimal) -> str | None:
    """A whole amount of at least 1万 in 万 or 亿, exactly (Decimal: 10,050 is 1.005万); None
    below 1万. The same words as ``value_text.format_money``."""
    for word, size in (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
        if amount >= size:
            number = format(amount / size, "f")
            return (number.rstrip("0").rstrip(".") if "." in number else number) + word
    return None


def money_text(amount: Decimal, lang: str = "zh") -> str:
    """An amount of yuan to the fen: ``8,884.88元`` / ``20万元`` / ``8,884.88 yuan``."""
    zh = parse_lang(lang) != "en"
    whole = amount == amount.to_integral_value()
    number = f"{int(amount):,}" if whole else f"{amount:,.2f}"
    if zh and whole:
        number = _wan(amount) or number
    return f"{number}元" if zh else f"{number} yuan"


@dataclass(frozen=True)
class OfferTerms:
    """The card's lines for one quote, in one language."""

    repayment: str
    """The method: 先息后本, 等额本息, ..."""
    payment: str
    """What is paid each month (or at pay-out and maturity for a bill)."""
    total_interest: str
    """Interest over the whole term, with the term."""
    fees: str
    """The borrower's fees over the term; empty when there are none."""


def _payment(quote: Quote, lang: str) -> str:
    plan = quote.schedule
    assert plan is not None
    first, last = plan.instalments[0].total, plan.instalments[-1].total

    def m(amount: Decimal) -> str:
        return money_text(amount, lang)

    texts = {
        "equal_instalment": Text(
            f"每月 {m(first)}" + (f"（末期 {m(last)}）" if last != first else ""),
            f"{m(first)} a month" + (f" (last month {m(last)})" if last != first else ""),
        ),
        "equal_principal": Text(
            f"首月 {m(first)}，逐月递减至 {m(last)}",
            f"{m(first)} the first month, falling to {m(last)}",
        ),
        "interest_first": Text(
            f"每月付息 {m(first)}，到期还本付息 {m(last)}",
            f"{m(first)} interest a month, {m(last)} with the principal at the end",
        ),
        "discount": Text(
            f"放款时扣息 {m(plan.discount_interest)}，到期还 {m(last)}",
            f"{m(plan.discount_interest)} interest deducted at pay-out, {m(last)} at maturity",
        ),
    }
    return texts[quote.method].get(lang)


def offer_terms(quote: Quote, lang: str = "zh") -> OfferTerms | None:
    """The card's lines for ``quote``; None when it has no schedule (not priced as a loan)."""
    plan = quote.schedule
    if plan is None:
        return None
    months = quote.term_months
    interest = money_text(plan.total_interest, lang)
    fees = plan.total_fees
    return OfferTerms(
        repayment=quote.method_text.get(lang),
        payment=_payment(quote, lang),
        total_interest=Text(f"{interest}（{months}个月）", f"{interest} over {months} months").get(
            lang
        ),
        fees=money_text(fees, lang) if fees > 0 else "",
    )
