"""Loading products.yaml: rules are type-checked against the catalog when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.products_file import load_products
from loanmatch.errors import ProductsError, RuleError
from tests.unit.small_market import small_catalog

CATALOG = small_catalog()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "products.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_product_needs_only_id_lender_and_rules(tmp_path: Path) -> None:
    market = load_products(write(tmp_path, "- {id: p, lender: l, rules: []}\n"), CATALOG)
    assert market.product_ids == ("p",)


def test_a_bad_rule_names_file_line_product_and_rule(tmp_path: Path) -> None:
    text = (
        "- id: p1\n  lender: l\n  rules:\n    - age >= 18\n"
        "    - rule: grade >= B\n      dimension: user\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as raised:
        load_products(path, CATALOG)
    where = raised.value.where
    assert (where.file, where.line, where.product, where.rule) == (str(path), 5, "p1", "grade >= B")


def test_rules_may_never_use_a_protected_attribute(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="protected"):
        load_products(write(tmp_path, "- {id: p, lender: l, rules: [gender == f]}\n"), CATALOG)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {id: p, lender: l}\n", "field rules"),
        ("- {id: p, lender: l, rules: [], amount: {min: 9, max: 1}}\n", "min 9 is above max 1"),
        ("- {id: p, lender: l, rules: [], term_months: [0]}\n", "term_months must be positive"),
        ("- {id: p, lender: l, rules: []}\n- {id: p, lender: m, rules: []}\n", "used twice"),
        ("- {id: p, lender: l, rules: [], dimension: x}\n", "field dimension"),
        ("[]\n", "non-empty YAML list"),
    ],
)
def test_a_malformed_product_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProductsError, match=message):
        load_products(write(tmp_path, text), CATALOG)


def test_a_rule_with_an_unknown_dimension_is_refused(tmp_path: Path) -> None:
    text = "- id: p\n  lender: l\n  rules:\n    - {rule: age >= 1, dimension: mood}\n"
    with pytest.raises(ProductsError, match="dimension"):
        load_products(write(tmp_path, text), CATALOG)
