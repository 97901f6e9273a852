"""The section-9 rule grammar, parsed and type-checked against the catalog."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_condition
from tests.unit.small_market import small_catalog

CATALOG = small_catalog()


@pytest.mark.parametrize(
    ("text", "op", "values"),
    [
        ("age >= 18", ">=", (18.0,)),
        ("age>18", ">", (18.0,)),
        ("age <= 60.5", "<=", (60.5,)),
        ("age < 60", "<", (60.0,)),
        ("age == 30", "==", (30.0,)),
        ("age != 30", "!=", (30.0,)),
        ("age in [30, 40]", "in", (30.0, 40.0)),
        ("age between [18, 60]", "between", (18.0, 60.0)),
        ("grade in [A, 'B']", "in", (0.0, 1.0)),
        ('grade not in ["C", D]', "not in", (3.0, 4.0)),
        ("grade == M", "==", (2.0,)),
        ("overdue_now == false", "==", (0.0,)),
        ("overdue_now != true", "!=", (1.0,)),
    ],
)
def test_every_operator_of_the_grammar_parses(
    text: str, op: str, values: tuple[float, ...]
) -> None:
    condition = parse_condition(text, CATALOG)
    assert (condition.op, condition.values) == (op, values)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("income >= 3", "unknown feature 'income'"),
        ("age >= young", "expected a number, got 'young'"),
        ("grade >= B", "category; use ==, !=, in or not in"),
        ("grade == Z", "'Z' is not a category of grade"),
        ("overdue_now == 1", "expected true or false"),
        ("overdue_now > false", "boolean; use == or !="),
        ("age between [60, 18]", "bounds reversed"),
        ("age >= 200", "above the maximum 120"),
        ("age => 3", "cannot parse 'age => 3' at column 5"),
        ("age in []", "list in 'age in \\[\\]' is empty"),
        ("grade between [A, B]", "between needs a number"),
        ("", "cannot parse"),
    ],
)
def test_a_bad_rule_is_refused_with_a_message_that_says_why(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message):
        parse_condition(text, CATALOG)


@given(st.text(max_size=40))
def test_any_text_either_parses_or_raises_a_rule_syntax_error(text: str) -> None:
    with contextlib.suppress(RuleSyntaxError):
        parse_condition(text, CATALOG)
