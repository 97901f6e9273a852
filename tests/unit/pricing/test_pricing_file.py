"""pricing.yaml: the simulator's default file loads; bad files fail with a clear location."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.pricing_file import load_pricing, load_pricing_data
from loanmatch.adapters.products_file import load_products_data
from loanmatch.domain.products import Market
from loanmatch.errors import InputError, PricingError
from loanmatch.simulator.lenders import default_products
from loanmatch.simulator.pricing_defaults import PRICING_HEADER, default_pricing

LENDER_YAML = """\
base_rate: 3.00
lenders:
  ccb:
    funding_spread: -0.8
    acquisition_cost: 100
    lgd: 0.45
    operating_cost: 0.4
    target_profit: 0.3
    kinds:
      bill: {funding_spread: -1.5, lgd: 0.05, operating_cost: 0.2, target_profit: 0.2}
  qfin:
    funding_spread: 4.0
    acquisition_cost: 1500
    lgd: 0.75
    operating_cost: 2.0
    target_profit: 2.0
    repayment: equal_instalment
"""


@pytest.fixture(scope="module")
def market() -> Market:
    return load_products_data(default_products(), load_catalog(DEFAULT_CATALOG))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pricing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _default_data() -> dict[str, Any]:
    return default_pricing(default_products())


def test_the_default_pricing_prices_every_product_of_the_default_market(market: Market) -> None:
    book = load_pricing_data(_default_data(), market)
    for product in market.products:
        terms = book.terms_for(product)
        assert terms is not None
        amount = min(100_000.0, product.amount_max or 100_000.0)
        quote = book.quote(0.0, product, amount, max(product.term_months))
        assert quote is not None
        assert quote.offered, product.id


def test_the_default_pricing_round_trips_through_a_yaml_file(
    tmp_path: Path, market: Market
) -> None:
    text = PRICING_HEADER + yaml.safe_dump(_default_data(), sort_keys=False)
    book = load_pricing(_write(tmp_path, text), market)
    assert book.lenders["ccb"].funding_rate == Decimal("2.15")
    assert book.kinds[("ccb", "secured")].lgd == Decimal("0.25")
    assert book.lenders["quickfin"].upfront_fee == Decimal("1.0")


def test_fintech_lenders_charge_fees_and_banks_do_not(market: Market) -> None:
    book = load_pricing_data(_default_data(), market)
    assert book.lenders["qfin"].has_borrower_fees
    assert not book.lenders["icbc"].has_borrower_fees


def test_a_negative_cost_names_the_file_line_lender_and_setting(
    tmp_path: Path, market: Market
) -> None:
    path = _write(tmp_path, LENDER_YAML.replace("acquisition_cost: 1500", "acquisition_cost: -5"))
    with pytest.raises(PricingError) as caught:
        load_pricing(path, market)
    message = str(caught.value)
    line = 1 + path.read_text().splitlines().index("    acquisition_cost: -5")
    assert str(path) in message
    assert f"line {line}," in message
    assert "lender 'qfin'" in message
    assert "setting 'acquisition_cost'" in message
    assert isinstance(caught.value, InputError)


def test_an_lgd_above_one_is_rejected(tmp_path: Path, market: Market) -> None:
    path = _write(tmp_path, LENDER_YAML.replace("lgd: 0.45", "lgd: 1.45"))
    with pytest.raises(PricingError, match="setting 'lgd'"):
        load_pricing(path, market)


def test_an_unknown_setting_is_rejected(tmp_path: Path, market: Market) -> None:
    path = _write(tmp_path, LENDER_YAML.replace("lgd: 0.45", "lgdd: 0.45"))
    with pytest.raises(PricingError, match="lgdd"):
        load_pricing(path, market)


def test_a_lender_without_products_is_rejected(tmp_path: Path, market: Market) -> None:
    path = _write(tmp_path, LENDER_YAML.replace("  ccb:", "  nobank:"))
    with pytest.raises(PricingError, match="lender 'nobank' has no product"):
        load_pricing(path, market)


def test_a_kind_the_lender_does_not_offer_is_rejected(market: Market) -> None:
    data = yaml.safe_load(LENDER_YAML)
    data["lenders"]["qfin"]["kinds"] = {"secured": {"lgd": 0.2}}
    with pytest.raises(PricingError, match="no product of kind 'secured'"):
        load_pricing_data(data, market, "pricing.yaml")


def test_a_repayment_method_the_product_does_not_offer_is_rejected(market: Market) -> None:
    data = yaml.safe_load(LENDER_YAML)
    data["lenders"]["qfin"]["repayment"] = "interest_first"
    with pytest.raises(PricingError) as caught:
        load_pricing_data(data, market, "pricing.yaml")
    message = str(caught.value)
    assert "product 'qfin_invoice'" in message
    assert "setting 'repayment'" in message


def test_a_method_that_cannot_be_priced_is_rejected(market: Market) -> None:
    data = yaml.safe_load(LENDER_YAML)
    data["lenders"]["ccb"]["repayment"] = "revolving"
    with pytest.raises(PricingError, match=r"not offered by product|cannot be priced"):
        load_pricing_data(data, market, "pricing.yaml")


def test_a_rate_range_that_cannot_cover_the_costs_at_pd_zero_is_rejected(
    market: Market,
) -> None:
    data = yaml.safe_load(LENDER_YAML)
    data["lenders"]["ccb"]["operating_cost"] = 3.0  # 2.2 + 3.0 + 0.3 > every ccb maximum
    with pytest.raises(PricingError) as caught:
        load_pricing_data(data, market, "pricing.yaml")
    message = str(caught.value)
    assert "lender 'ccb'" in message
    assert "cannot cover its price even at PD = 0" in message


def test_a_funding_rate_below_zero_is_inconsistent(market: Market) -> None:
    data = yaml.safe_load(LENDER_YAML)
    data["lenders"]["ccb"]["funding_spread"] = -3.5
    with pytest.raises(PricingError, match="below zero"):
        load_pricing_data(data, market, "pricing.yaml")


def test_malformed_yaml_names_the_file(tmp_path: Path, market: Market) -> None:
    path = _write(tmp_path, "lenders: [unclosed\n")
    with pytest.raises(PricingError, match=r"pricing\.yaml"):
        load_pricing(path, market)


def test_a_lender_absent_from_the_file_has_no_price(market: Market) -> None:
    book = load_pricing_data(yaml.safe_load(LENDER_YAML), market)
    icbc = market.products[market.index_of("icbc_tax")]
    assert book.quote(0.01, icbc, 100_000, 12) is None


def test_the_simulated_market_writes_a_pricing_file_that_loads(tmp_path: Path) -> None:
    from loanmatch.adapters.products_file import load_products
    from loanmatch.simulator import simulate_market
    from loanmatch.simulator.files import write_market

    paths = write_market(simulate_market(3, history_rows=300, n_applicants=5), tmp_path)
    assert tmp_path / "pricing.yaml" in paths
    products = load_products(tmp_path / "products.yaml", load_catalog(tmp_path / "features.yaml"))
    book = load_pricing(tmp_path / "pricing.yaml", products)
    assert set(book.lenders) == set(products.lenders)


def test_every_default_lender_prices_by_its_own_configuration(market: Market) -> None:
    book = load_pricing_data(_default_data(), market)
    costs = {
        lender: (t.funding_spread, t.acquisition_cost, t.lgd, t.operating_cost, t.target_profit)
        for lender, t in book.lenders.items()
    }
    assert len(set(costs.values())) == len(costs)
    big_banks = ("ccb", "icbc", "abc", "boc", "bocom", "psbc")
    rates = set()
    for lender in big_banks:
        product = next(p for p in market.products if p.lender == lender and p.kind != "bill")
        quote = book.quote(0.02, product, 200_000, 12)
        assert quote is not None
        rates.add(quote.line("funding") + quote.line("opex") + quote.line("profit"))
    assert len(rates) == len(big_banks)


def test_the_default_pricing_is_marked_simulated_and_its_build_ups_estimates(
    market: Market,
) -> None:
    book = load_pricing_data(_default_data(), market)
    assert book.simulated
    product = market.products[market.index_of("icbc_tax")]
    quote = book.quote(0.02, product, 200_000, 12)
    assert quote is not None
    assert quote.simulated
    assert not quote.costs_published


def test_a_file_written_before_the_new_settings_loads_with_their_defaults(
    market: Market,
) -> None:
    book = load_pricing_data(yaml.safe_load(LENDER_YAML), market)
    assert not book.simulated
    assert not book.lenders["qfin"].costs_published
    quote = book.quote(0.02, market.products[market.index_of("qfin_invoice")], 200_000, 12)
    assert quote is not None
    assert not quote.simulated
    assert quote.method == "equal_instalment"
    assert quote.monthly_payment is not None


def test_a_lender_that_publishes_its_costs_gives_quotes_that_say_so(market: Market) -> None:
    text = LENDER_YAML.replace("    repayment: equal_instalment", "    costs_published: true")
    book = load_pricing_data(yaml.safe_load(text), market)
    quote = book.quote(0.02, market.products[market.index_of("qfin_invoice")], 200_000, 12)
    assert quote is not None
    assert quote.costs_published


def test_a_costs_published_that_is_not_true_or_false_names_file_products_and_setting(
    tmp_path: Path, market: Market
) -> None:
    text = LENDER_YAML.replace("    repayment: equal_instalment", "    costs_published: maybe")
    path = _write(tmp_path, text)
    with pytest.raises(PricingError) as caught:
        load_pricing(path, market)
    message = str(caught.value)
    line = 1 + text.splitlines().index("    costs_published: maybe")
    assert str(path) in message
    assert f"line {line}," in message
    assert "qfin_invoice" in message
    assert "lender 'qfin'" in message
    assert "setting 'costs_published'" in message


def test_a_bad_value_under_a_kind_names_the_products_of_that_kind(
    tmp_path: Path, market: Market
) -> None:
    path = _write(tmp_path, LENDER_YAML.replace("lgd: 0.05", "lgd: -0.05"))
    with pytest.raises(PricingError) as caught:
        load_pricing(path, market)
    assert "product 'ccb_bill'" in str(caught.value)
    assert "setting 'lgd'" in str(caught.value)


def test_a_simulated_flag_that_is_not_a_boolean_is_rejected(market: Market) -> None:
    data = yaml.safe_load(LENDER_YAML) | {"simulated": "yes"}
    with pytest.raises(PricingError, match="setting 'simulated'"):
        load_pricing_data(data, market)
