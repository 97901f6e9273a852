"""A tiny hand-made catalog and market for fast unit tests (no simulator, no files)."""

from __future__ import annotations

from loanmatch.adapters.catalog_file import load_catalog_data
from loanmatch.adapters.products_file import load_products_data
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market

CATALOG_DATA: list[dict[str, object]] = [
    {"name": "age", "type": "number", "min": 0, "max": 120, "monotone": 0},
    {"name": "grade", "type": "category", "categories": ["A", "B", "M", "C", "D"]},
    {"name": "overdue_now", "type": "boolean", "monotone": -1},
    {"name": "revenue", "type": "number", "min": 0, "monotone": 1},
    {"name": "debt", "type": "number", "min": 0, "monotone": -1},
    {"name": "debt_ratio", "type": "number", "source": "derived", "formula": "debt / revenue"},
    {"name": "gender", "type": "category", "categories": ["f", "m"], "protected": True},
]

PRODUCTS_DATA = [
    {
        "id": "tax1",
        "lender": "bank_a",
        "kind": "tax",
        "rules": [
            "age between [18, 60]",
            {
                "rule": "grade in [A, B]",
                "dimension": "user",
                "reason": {"zh": "纳税信用等级需为A或B", "en": "Tax grade must be A or B"},
            },
        ],
    },
    {
        "id": "biz1",
        "lender": "bank_b",
        "kind": "business",
        "rules": ["overdue_now == false", {"rule": "debt_ratio <= 0.5", "dimension": "loan"}],
    },
]


def small_catalog() -> Catalog:
    return load_catalog_data([dict(f) for f in CATALOG_DATA], "features.yaml")


def small_market() -> Market:
    return load_products_data([dict(p) for p in PRODUCTS_DATA], small_catalog(), "products.yaml")
