"""A product written back to products.yaml's shape parses to the same product."""

from __future__ import annotations

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.product_body import body_yaml, product_body
from loanmatch.adapters.products_file import load_products, parse_product
from loanmatch.simulator.lenders import PRODUCTS_FILE


@pytest.mark.parametrize("as_text", [False, True])
def test_every_shipped_product_round_trips_through_its_body(as_text: bool) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    for product in load_products(PRODUCTS_FILE, catalog).products:
        body = product_body(product)
        again, _ = parse_product(body_yaml(body) if as_text else body, catalog)
        assert again == product, product.id
