"""Consistency checks: a check holds, fails, or cannot tell yet (a fact it reads is unknown)."""

from __future__ import annotations

import math

from loanmatch.domain.catalog import Text
from loanmatch.domain.consistency import Check, contradictions
from loanmatch.domain.formula import BinOp, Num, Ref

NO_VALUE_WITHOUT_PROPERTY = Check(
    id="value_without_property",
    expr=BinOp("*", Ref("property_value"), BinOp("-", Num(1.0), Ref("owns_property"))),
    text=Text("无房产则无房产价值", "no property, no property value"),
)


def test_a_check_cannot_tell_until_every_fact_it_reads_is_known() -> None:
    assert NO_VALUE_WITHOUT_PROPERTY.holds({"property_value": 1e6}) is None
    assert (
        NO_VALUE_WITHOUT_PROPERTY.holds({"property_value": 1e6, "owns_property": math.nan}) is None
    )


def test_a_check_holds_on_consistent_facts_and_fails_on_impossible_ones() -> None:
    assert NO_VALUE_WITHOUT_PROPERTY.holds({"property_value": 1e6, "owns_property": 1.0})
    assert NO_VALUE_WITHOUT_PROPERTY.holds({"property_value": 0.0, "owns_property": 0.0})
    assert NO_VALUE_WITHOUT_PROPERTY.holds({"property_value": 1e6, "owns_property": 0.0}) is False


def test_contradictions_can_be_limited_to_the_checks_reading_one_fact() -> None:
    facts = {"property_value": 1e6, "owns_property": 0.0}
    assert contradictions([NO_VALUE_WITHOUT_PROPERTY], facts) == [NO_VALUE_WITHOUT_PROPERTY]
    assert contradictions([NO_VALUE_WITHOUT_PROPERTY], facts, touching="loan_amount") == []
