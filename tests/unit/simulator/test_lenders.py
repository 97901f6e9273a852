"""The default market's published products are realistic and load through the adapters.

ref = docs/market-reference.md.
"""

from __future__ import annotations

from collections import Counter

from loanmatch.adapters.products_file import load_products_data
from loanmatch.domain.catalog import Catalog
from loanmatch.simulator.lenders import LENDER_BY_ID, default_products

LPR_1Y = 3.0  # ref §2
RATE_LINE = 24.0  # ref §2


def test_the_default_market_has_12_lenders_and_60_products_of_six_kinds(catalog: Catalog) -> None:
    market = load_products_data(default_products(), catalog, file="<default>")
    kinds = Counter(p.kind for p in market.products)
    assert len(market.lenders) >= 12
    assert len(market.products) >= 60
    assert set(kinds) == {"tax", "invoice", "bill", "business", "tobacco", "secured"}
    assert min(kinds.values()) >= 4


def test_rates_stay_between_the_lpr_and_the_24_percent_line_except_bill_discounting() -> None:
    for product in default_products():
        low, high = product["rate"]["min"], product["rate"]["max"]
        assert low <= high <= RATE_LINE, product["id"]
        if product["kind"] != "bill":
            assert low >= LPR_1Y, product["id"]
        else:
            assert high <= 2.5, product["id"]


def test_fintech_products_price_above_banks_tax_loans() -> None:
    products = default_products()
    fintech = [p for p in products if LENDER_BY_ID[p["lender"]].style == "fintech"]
    bank_tax = [
        p
        for p in products
        if p["kind"] == "tax" and LENDER_BY_ID[p["lender"]].style in ("big_bank", "city", "rural")
    ]
    assert min(p["rate"]["min"] for p in fintech) >= 10.0
    assert max(p["rate"]["max"] for p in bank_tax) <= 6.8  # ref §5: bank tax loans 3.0-6.8%


def test_every_rule_has_a_dimension_and_reasons_in_both_languages() -> None:
    for product in default_products():
        dimensions = {r["dimension"] for r in product["rules"]}
        assert {"user", "product", "loan"} <= dimensions, product["id"]
        for rule in product["rules"]:
            assert rule["reason"]["zh"], rule["rule"]
            assert rule["reason"]["en"], rule["rule"]


def test_amount_and_term_rules_match_the_published_terms() -> None:
    for product in default_products():
        texts = [r["rule"] for r in product["rules"]]
        low, high = product["amount"]["min"], product["amount"]["max"]
        assert f"loan_amount between [{low}, {high}]" in texts
        assert f"loan_term_months <= {max(product['term_months'])}" in texts


def test_local_banks_publish_their_service_region() -> None:
    for product in default_products():
        regions = LENDER_BY_ID[product["lender"]].regions
        texts = [r["rule"] for r in product["rules"]]
        if regions:
            assert f"region in [{', '.join(regions)}]" in texts
        else:
            assert not any(t.startswith("region") for t in texts)


def test_no_rule_uses_a_protected_feature(catalog: Catalog) -> None:
    protected = {f.name for f in catalog.features if f.protected}
    for product in default_products():
        for rule in product["rules"]:
            assert rule["rule"].split()[0] not in protected
