"""Products and pricing terms for the pricing tests (hand-made; no simulator)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from loanmatch.domain.pricing import PricingTerms
from loanmatch.domain.products import Product

D = Decimal

BANK = PricingTerms(
    funding_spread=D("-0.8"),
    acquisition_cost=D(200),
    credit_data_cost=D(30),
    lgd=D("0.45"),
    operating_cost=D("0.5"),
    management_fee=D("0.1"),
    target_profit=D("0.3"),
)
FINTECH = PricingTerms(
    funding_spread=D(4),
    acquisition_cost=D(1500),
    credit_data_cost=D(80),
    lgd=D("0.75"),
    operating_cost=D(2),
    management_fee=D("0.5"),
    target_profit=D(2),
    guarantee_fee=D(2),
    service_fee=D("0.5"),
    upfront_fee=D(1),
)


def product(
    rate: tuple[float, float] = (3.5, 6.0),
    repayment: tuple[str, ...] = ("interest_first", "equal_instalment", "equal_principal"),
    pid: str = "p1",
) -> Product:
    return Product(
        id=pid,
        lender="bank",
        kind="business",
        amount_min=10_000,
        amount_max=1_000_000,
        term_months=(6, 12, 24),
        rate_min=rate[0],
        rate_max=rate[1],
        repayment=repayment,
    )


annual_fee = st.one_of(st.just(D(0)), st.decimals(min_value=D("0.01"), max_value=D(10), places=2))
upfront_fee = st.one_of(st.just(D(0)), st.decimals(min_value=D("0.1"), max_value=D(5), places=2))


def terms_strategy(acquisition_places: int = 0, **more: Any) -> st.SearchStrategy[PricingTerms]:
    """Generated pricing terms: the cost components within realistic bounds, fees either 0 or
    0.01-10% a year, upfront 0 or 0.1-5% (``more``: strategies for the other fields)."""
    return st.builds(
        PricingTerms,
        funding_spread=st.decimals(min_value=D(-2), max_value=D(6), places=2),
        acquisition_cost=st.decimals(min_value=D(0), max_value=D(3000), places=acquisition_places),
        credit_data_cost=st.decimals(min_value=D(0), max_value=D(200), places=0),
        lgd=st.decimals(min_value=D(0), max_value=D(1), places=2),
        operating_cost=st.decimals(min_value=D(0), max_value=D(4), places=2),
        management_fee=st.decimals(min_value=D(0), max_value=D(2), places=2),
        target_profit=st.decimals(min_value=D(0), max_value=D(4), places=2),
        guarantee_fee=annual_fee,
        service_fee=annual_fee,
        upfront_fee=upfront_fee,
        **more,
    )
