"""A product's own test cases (products.yaml ``tests:``) run when the file loads: a case that
does not come out as it says refuses the product, naming product, case, rule, expectation and
outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products, load_products_text
from loanmatch.errors import ProductsError, RuleTestError
from tests.unit.small_market import small_catalog

CATALOG = small_catalog()
PRODUCT = """\
- id: p1
  lender: l
  rules:
    - age between [18, 60]
    - rule: grade in [A, B]
      code: R02
    - rule: debt_ratio <= 0.5
      dimension: loan
  tests:
"""


def _load(cases: str) -> None:
    load_products_text(PRODUCT + cases, CATALOG, "products.yaml")


def test_cases_that_come_out_as_they_say_let_the_product_load() -> None:
    _load(
        "    - name: fits\n      facts: {age: 40, grade: A, revenue: 100, debt: 10}\n"
        "      expect: eligible\n"
        "    - facts: {grade: C}\n      expect: ineligible\n      failing: [R02]\n"
        "    - facts: {age: 70, debt: 90, revenue: 100}\n      expect: ineligible\n"
        "      failing: ['age between [18, 60]', 'debt_ratio <= 0.5']\n"
    )


def test_an_eligible_case_that_a_rule_fails_names_product_case_rule_and_line() -> None:
    with pytest.raises(RuleTestError) as raised:
        _load("    - name: too old\n      facts: {age: 70, grade: A, revenue: 1, debt: 0}\n"
              "      expect: eligible\n")  # fmt: skip
    error = raised.value
    assert (error.where.product, error.where.rule, error.where.line) == (
        "p1", "age between [18, 60]", 10,
    )  # fmt: skip
    assert "'too old'" in error.message
    assert "expected eligible" in error.message
    assert "fails" in error.message
    body = error.to_dict()
    assert body["code"] == "input.products.rule_test"
    assert (body["case"], body["expected"], body["happened"]) == (
        "too old",
        "eligible",
        "ineligible",
    )
    assert body["rule"] == "age between [18, 60]"
    assert "测试用例" in body["message_zh"]
    assert isinstance(error, ProductsError)


def test_a_derived_feature_is_computed_from_the_cases_facts() -> None:
    with pytest.raises(RuleTestError, match=r"debt_ratio <= 0\.5"):
        _load("    - facts: {age: 30, grade: A, revenue: 100, debt: 80}\n      expect: eligible\n")


def test_an_eligible_case_missing_a_fact_says_which_rule_cannot_be_decided() -> None:
    with pytest.raises(RuleTestError, match="cannot be decided: the case gives no debt_ratio"):
        _load("    - facts: {age: 30, grade: A}\n      expect: eligible\n")


def test_an_ineligible_case_that_passes_or_fails_by_another_rule_is_refused() -> None:
    with pytest.raises(RuleTestError, match="but every rule passes") as raised:
        _load("    - facts: {age: 30, grade: A, revenue: 100, debt: 0}\n"
              "      expect: ineligible\n      failing: [R02]\n")  # fmt: skip
    assert raised.value.where.rule == "grade in [A, B]"
    with pytest.raises(RuleTestError, match="the failing rules are 'age between") as raised:
        _load("    - facts: {age: 70, grade: A}\n      expect: ineligible\n      failing: [R02]\n")
    assert raised.value.happened == "ineligible"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("- {facts: {height: 3}, expect: eligible}", "'height' is no feature of the catalog"),
        ("- {facts: {gender: f}, expect: ineligible}", "protected attribute"),
        ("- {facts: {grade: Z}, expect: ineligible}", "not one of the categories of grade"),
        ("- {facts: {age: 200}, expect: ineligible}", "above the maximum 120"),
        ("- {facts: {age: 20}, expect: eligible, failing: [R02]}", "expect: ineligible only"),
        ("- {facts: {age: 20}, expect: ineligible, failing: [R99]}", "neither the text nor"),
        ("- {facts: {age: 20}, expect: maybe}", "field tests.0.expect"),
        ("- {facts: {age: 20}, expect: eligible, extra: 1}", "extra"),
    ],
)
def test_a_malformed_case_is_a_products_error_naming_product_and_case(
    case: str, message: str
) -> None:
    with pytest.raises(ProductsError, match=message) as raised:
        _load("    " + case + "\n")
    assert not isinstance(raised.value, RuleTestError)
    assert raised.value.where.product == "p1"


def test_the_shipped_market_carries_cases_and_they_pass() -> None:
    path = Path(__file__).resolve().parents[3] / "src/loanmatch/data/market/products.yaml"
    market = load_products(path, load_catalog(DEFAULT_CATALOG))
    with_cases = [p for p in market.products if p.tests]
    assert len(with_cases) >= 3
    assert sum(len(p.tests) for p in with_cases) >= 6


def test_a_file_without_tests_loads_as_before() -> None:
    market = load_products_text("- {id: p, lender: l, rules: [age >= 18]}\n", CATALOG)
    assert market.products[0].tests == ()
