"""Three-valued rule evaluation, vectorised and one applicant at a time."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.rule_grammar import parse_condition
from loanmatch.domain.rules import FAIL, PASS, UNKNOWN, combine
from tests.unit.small_market import small_catalog, small_market

CATALOG = small_catalog()
maybe_age = st.one_of(st.none(), st.floats(min_value=0, max_value=120))


def scalar_status(op: str, bound: float, value: float | None) -> int:
    if value is None:
        return -1
    holds = {
        ">=": value >= bound,
        ">": value > bound,
        "<=": value <= bound,
        "<": value < bound,
        "==": value == bound,
        "!=": value != bound,
    }[op]
    return 1 if holds else 0


@given(
    op=st.sampled_from([">=", ">", "<=", "<", "==", "!="]),
    bound=st.integers(min_value=0, max_value=120),
    ages=st.lists(maybe_age, min_size=1, max_size=30),
)
def test_vectorised_evaluation_equals_one_at_a_time(
    op: str, bound: int, ages: list[float | None]
) -> None:
    condition = parse_condition(f"age {op} {bound}", CATALOG)
    column = np.array([math.nan if a is None else a for a in ages])
    statuses = condition.status({"age": column})
    assert list(statuses) == [scalar_status(op, bound, a) for a in ages]


def test_an_unknown_value_makes_a_rule_unknown_not_failed() -> None:
    condition = parse_condition("grade in [A, B]", CATALOG)
    status = condition.status({"grade": np.array([0.0, 3.0, np.nan])})
    assert list(status) == [PASS, FAIL, UNKNOWN]


def test_not_in_is_unknown_for_an_unknown_value() -> None:
    condition = parse_condition("grade not in [C, D]", CATALOG)
    assert list(condition.status({"grade": np.array([np.nan, 3.0, 1.0])})) == [UNKNOWN, FAIL, PASS]


def test_between_includes_both_bounds() -> None:
    condition = parse_condition("age between [18, 60]", CATALOG)
    assert list(condition.status({"age": np.array([17.9, 18, 60, 60.1])})) == [0, 1, 1, 0]


def test_a_failure_dominates_an_unknown_when_rules_are_combined() -> None:
    fail = np.array([FAIL, PASS, PASS], dtype=np.int8)
    unknown = np.array([UNKNOWN, UNKNOWN, PASS], dtype=np.int8)
    assert list(combine([fail, unknown], 3)) == [FAIL, UNKNOWN, PASS]


def test_a_product_with_no_rules_passes_everyone() -> None:
    assert list(combine([], 2)) == [PASS, PASS]


def test_market_eligibility_names_the_failing_rule_with_its_reason() -> None:
    market = small_market()
    values = CATALOG.encode_record({"age": 30, "grade": "C", "overdue_now": False})
    values["debt_ratio"] = np.array([0.2])
    eligibility = market.eligibility(values)
    assert list(eligibility.status[0]) == [FAIL, PASS]
    failing = eligibility.failing_rules(market, 0, 0)
    assert [r.text for r in failing] == ["grade in [A, B]"]
    assert failing[0].explain(CATALOG["grade"], "en") == "Tax grade must be A or B"


def test_a_rule_without_reason_explains_itself_from_the_catalog() -> None:
    market = small_market()
    rule = market.products[0].rules[0]
    assert "age" in rule.explain(CATALOG["age"], "en")
    assert "18" in rule.explain(CATALOG["age"], "zh")
