"""Ranking by the owner's benefit and the credit-inquiry budget."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.rule_grammar import parse_condition
from loanmatch.domain.products import Product
from loanmatch.domain.ranking import (
    SPEED_DAYS,
    benefit_score,
    request_features,
    select_within_budget,
    term_for,
)
from loanmatch.domain.rules import Rule

CATALOG = load_catalog(DEFAULT_CATALOG)
PRODUCT = Product(
    id="p", lender="l", kind="tax", amount_max=500_000, term_months=(6, 12), rate_max=6.0
)
probability = st.floats(0.0, 1.0)
apr = st.floats(0.0, 24.0)


def _capped(cap: int, pid: str) -> Product:
    condition = parse_condition(f"hard_inquiries_3m <= {cap}", CATALOG)
    return Product(id=pid, lender="l", rules=(Rule(f"hard_inquiries_3m <= {cap}", condition),))


def test_the_request_features_are_found_by_group_and_unit() -> None:
    found = request_features(CATALOG)
    assert found.amount == "loan_amount"
    assert found.term == "loan_term_months"
    assert found.max_rate == "max_acceptable_rate"
    assert found.days == "days_until_needed"


@given(p=probability, q=probability, all_in=apr)
def test_a_higher_approval_probability_never_lowers_the_score(
    p: float, q: float, all_in: float
) -> None:
    low, high = sorted((p, q))
    args = (PRODUCT, 300_000.0, 12.0, 30.0)
    assert benefit_score(high, all_in, *args) >= benefit_score(low, all_in, *args)


@given(p=probability, a=apr, b=apr)
def test_a_cheaper_all_in_cost_never_lowers_the_score(p: float, a: float, b: float) -> None:
    cheap, dear = sorted((a, b))
    args = (PRODUCT, 300_000.0, 12.0, 30.0)
    assert benefit_score(p, cheap, *args) >= benefit_score(p, dear, *args)


def test_a_product_too_small_for_the_request_scores_lower() -> None:
    fits = benefit_score(0.9, 5.0, PRODUCT, 500_000.0, 12.0, math.nan)
    short = benefit_score(0.9, 5.0, PRODUCT, 1_000_000.0, 12.0, math.nan)
    assert fits > short


def test_a_product_slower_than_the_owner_can_wait_scores_lower() -> None:
    secured = Product(id="s", lender="l", kind="secured", amount_max=500_000)
    assert SPEED_DAYS["secured"] > 7
    in_time = benefit_score(0.9, 5.0, secured, 300_000.0, math.nan, 30.0)
    too_late = benefit_score(0.9, 5.0, secured, 300_000.0, math.nan, 7.0)
    assert in_time > too_late


def test_the_priced_term_is_the_request_or_the_next_offered_one() -> None:
    assert term_for(PRODUCT, 12.0) == 12
    assert term_for(PRODUCT, 9.0) == 12
    assert term_for(PRODUCT, 36.0) == 12
    assert term_for(PRODUCT, math.nan) == 12


@given(
    now=st.integers(0, 6),
    caps=st.lists(st.integers(0, 8), min_size=1, max_size=8),
    max_offers=st.integers(1, 5),
)
def test_no_chosen_offer_would_see_more_inquiries_than_its_cap(
    now: int, caps: list[int], max_offers: int
) -> None:
    products = [_capped(c, f"p{k}") for k, c in enumerate(caps)]
    scored = [(p, 1.0 - k / 100) for k, p in enumerate(products)]
    chosen, skipped = select_within_budget(
        CATALOG, scored, {"hard_inquiries_3m": float(now)}, max_offers
    )
    assert len(chosen) <= max_offers
    assert not set(chosen) & set(skipped)
    for position, k in enumerate(chosen):
        assert now + position <= caps[k]


def test_an_unknown_inquiry_count_caps_nothing_but_the_number_of_offers() -> None:
    products = [(_capped(0, f"p{k}"), 1.0) for k in range(5)]
    chosen, skipped = select_within_budget(CATALOG, products, {"hard_inquiries_3m": math.nan}, 3)
    assert len(chosen) == 3
    assert not skipped


def test_an_application_adds_an_inquiry_but_no_overdue_or_lawsuit() -> None:
    rules = ("overdue_count_24m < 3", "legal_disputes <= 2")
    products = [
        (
            Product(
                id=f"p{k}",
                lender="l",
                rules=tuple(Rule(text, parse_condition(text, CATALOG)) for text in rules),
            ),
            1.0,
        )
        for k in range(3)
    ]
    at_the_limit = {"overdue_count_24m": 2.0, "legal_disputes": 2.0}
    chosen, skipped = select_within_budget(CATALOG, products, at_the_limit, 3)
    assert chosen == [0, 1, 2]
    assert not skipped
