"""Derived features computed from formulas."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_formula
from loanmatch.domain.formula import evaluation_order, fill_derived
from tests.unit.small_market import small_catalog

CATALOG = small_catalog()


def test_a_formula_is_computed_for_every_applicant_and_unknown_propagates() -> None:
    formulas = {"debt_ratio": parse_formula("debt / revenue", CATALOG, "debt_ratio")}
    values = {
        "debt": np.array([10.0, np.nan, 5.0]),
        "revenue": np.array([100.0, 100.0, 0.0]),
        "debt_ratio": np.full(3, np.nan),
    }
    fill_derived(formulas, values)
    np.testing.assert_array_equal(values["debt_ratio"], [0.1, np.nan, np.nan])


def test_a_given_derived_value_is_kept() -> None:
    formulas = {"debt_ratio": parse_formula("debt / revenue", CATALOG, "debt_ratio")}
    values = {"debt": np.array([10.0]), "revenue": np.array([100.0]), "debt_ratio": np.array([0.7])}
    fill_derived(formulas, values)
    assert values["debt_ratio"][0] == pytest.approx(0.7)


def test_min_max_and_precedence_follow_arithmetic() -> None:
    expr = parse_formula("max(debt, 1) + 2 * -revenue", CATALOG, "x")
    out = expr.evaluate({"debt": np.array([0.0, 5.0]), "revenue": np.array([1.0, 2.0])}, 2)
    np.testing.assert_array_equal(out, [-1.0, 1.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("debt / nothing", "unknown feature 'nothing'"),
        ("grade + 1", "category feature 'grade'"),
        ("debt /", "cannot parse"),
    ],
)
def test_a_bad_formula_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message):
        parse_formula(text, CATALOG, "x")


def test_a_cycle_between_derived_features_is_refused() -> None:
    from loanmatch.domain.formula import Ref

    with pytest.raises(ValueError, match="cycle"):
        evaluation_order({"a": Ref("b"), "b": Ref("a")})
