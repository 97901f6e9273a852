"""The examples in docs/data-contracts.md load exactly as documented."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from loanmatch.adapters.catalog_file import load_catalog_data
from loanmatch.adapters.products_file import load_products_data
from loanmatch.adapters.tables import read_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contracts.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_documented_catalog_products_and_history_load(tmp_path: Path) -> None:
    catalog_text, products_text, _pricing = blocks("yaml")
    catalog = load_catalog_data(yaml.safe_load(catalog_text), "docs features")
    market = load_products_data(yaml.safe_load(products_text), catalog, "docs products")
    assert market.product_ids == ("ccb_tax_1", "web_invoice_1")
    assert [c.expect for c in market.products[0].tests] == ["eligible", "ineligible"]
    history = tmp_path / "history.csv"
    history.write_text(blocks("csv")[0], encoding="utf-8")
    table = read_table(history, catalog, "history")
    assert table.approved is not None
    assert list(table.approved) == [1, 0]
    assert table.values["debt_to_revenue"][0] == 400000 / 3200000
    eligibility = market.eligibility(table.values)
    assert eligibility.status[0, 0] == 1


def test_the_documented_pricing_flags_load_with_the_documented_products() -> None:
    from decimal import Decimal

    from loanmatch.adapters.pricing_file import load_pricing_data

    catalog_text, products_text, pricing_text = blocks("yaml")
    catalog = load_catalog_data(yaml.safe_load(catalog_text), "docs features")
    market = load_products_data(yaml.safe_load(products_text), catalog, "docs products")
    book = load_pricing_data(yaml.safe_load(pricing_text), market, "docs pricing")
    assert not book.simulated
    assert book.lenders["ccb"].costs_published
    quote = book.quote(0.01, market.products[0], 200_000, 12)
    assert quote is not None
    assert quote.costs_published
    assert quote.monthly_payment is not None
    assert quote.monthly_payment > Decimal(0)
