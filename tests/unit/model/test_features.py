"""Pair features: applicant columns from the catalog (never protected), then product columns."""

from __future__ import annotations

import numpy as np

from loanmatch.domain.catalog import Catalog, Feature
from loanmatch.domain.products import Market, Product
from loanmatch.model.features import PRODUCT_COLUMNS, PairSpace

from .conftest import MARKET


def test_applicant_columns_follow_the_catalog_and_leave_out_protected_features() -> None:
    space = PairSpace(MARKET)
    names = [c.name for c in space.columns]
    assert names[:5] == ["score", "years", "sector", "grade", "house"]
    assert "gender" not in names
    assert len(names) == 5 + len(PRODUCT_COLUMNS)


def test_unordered_categories_are_categorical_and_ordered_ones_are_monotone_numbers() -> None:
    space = PairSpace(MARKET)
    by_name = {c.name: c for c in space.columns}
    assert by_name["sector"].categorical
    assert by_name["sector"].monotone == 0
    assert not by_name["grade"].categorical
    assert by_name["grade"].monotone == -1
    assert by_name["score"].monotone == 1
    assert {space.columns[k].name for k in space.categorical} == {
        "sector",
        "@product",
        "@lender",
        "@kind",
    }


def test_pairs_carry_the_applicants_values_and_the_products_terms() -> None:
    space = PairSpace(MARKET)
    values = {"score": np.array([700.0, np.nan]), "grade": np.array([0.0, 2.0])}
    applicants = space.applicant_matrix(values)
    X = space.pairs(applicants, np.array([1, 0]), np.array([3, 0]))
    assert np.isnan(X[0, 0])
    assert X[0, 3] == 2.0
    assert np.isnan(X[0, 1])
    assert X[1, 0] == 700.0
    product = dict(zip([n for n, _ in PRODUCT_COLUMNS], X[0, 5:], strict=True))
    assert product["product"] == 3.0
    assert product["lender"] == 1.0
    assert product["amount_max"] == 3e6
    assert product["rate_min"] == 0.035
    assert np.isnan(product["term_max"])


def test_any_catalog_works_not_only_the_default_one() -> None:
    catalog = Catalog([Feature("turnover", "number"), Feature("licensed", "boolean")])
    market = Market(catalog, (Product("x", "l1", term_months=(6, 12)),))
    space = PairSpace(market)
    X = space.pairs(
        space.applicant_matrix({"turnover": np.array([5.0]), "licensed": np.array([1.0])}),
        np.array([0]),
        np.array([0]),
    )
    assert X[0, :2].tolist() == [5.0, 1.0]
    assert X[0, -1] == 12.0
    assert space.names[0] == "turnover"
    assert space.names[2] == "product_product"
