"""Reasons in words: owners read them, in Chinese and English, for any catalog."""

from __future__ import annotations

import math

from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.products import Product
from loanmatch.domain.reason_texts import (
    ProductOutcome,
    counterfactual,
    format_value,
    low_probability_reason,
    no_offer_reasons,
    offer_reasons,
)
from loanmatch.domain.rules import Condition, Rule

GRADE = Feature(
    "grade",
    "category",
    categories=("A", "B", "M", "C"),
    monotone=-1,
    label=Text("纳税等级", "tax grade"),
)
SECTOR = Feature("sector", "category", categories=("farm", "shop", "plant"))
YEARS = Feature("years", "number", unit="年", label=Text("成立年限", "years in business"))
HOUSE = Feature("house", "boolean", label=Text("有房产", "owns property"))
CATALOG = Catalog([GRADE, SECTOR, YEARS, HOUSE])
TAX = Product("tax1", "bank", name=Text("税贷", "Tax loan"))


def rule(feature: str, op: str, *values: float, reason: Text | None = None) -> Rule:
    return Rule(f"{feature} {op} x", Condition(feature, op, values), reason=reason or Text())  # type: ignore[arg-type]


def test_values_read_as_the_owner_gave_them() -> None:
    assert format_value(GRADE, 1.0) == "B"
    assert format_value(HOUSE, 1.0, "en") == "yes"
    assert format_value(YEARS, 1250000.0) == "1,250,000 年"
    assert format_value(YEARS, math.nan, "en") == "unknown"


def test_an_ordered_category_prefix_reads_as_or_better() -> None:
    text = counterfactual(rule("grade", "in", 0, 1), GRADE, TAX)
    assert text.en == "With tax grade B or better, Tax loan opens"
    assert "B或更好" in text.zh
    assert "税贷" in text.zh


def test_an_unordered_category_set_is_listed() -> None:
    text = counterfactual(rule("sector", "in", 0, 2), SECTOR, TAX)
    assert text.en == "With sector one of farm, plant, Tax loan opens"


def test_a_minimum_reads_as_or_more() -> None:
    assert counterfactual(rule("years", ">=", 2), YEARS, TAX).en == (
        "With years in business of 2 年 or more, Tax loan opens"
    )


def test_offer_reasons_give_the_probability_and_the_rules_met() -> None:
    reasons = offer_reasons(
        0.934, [rule("years", ">=", 2, reason=Text("成立满2年", "2+ years"))], CATALOG
    )
    assert [r.en for r in reasons] == ["Estimated approval probability 93%", "Meets: 2+ years"]
    assert reasons[1].zh == "满足：成立满2年"


def test_low_probability_reason_names_the_threshold_or_that_none_is_certified() -> None:
    assert "80%" in low_probability_reason(0.5, 0.8).en
    assert "stand behind" in low_probability_reason(0.5, math.inf).en


def test_no_offer_reasons_put_the_most_common_failing_feature_first_and_say_what_opens() -> None:
    grade_rule = rule("grade", "in", 0, 1)
    outcomes = [
        ProductOutcome(TAX, (grade_rule,), (), 0.7),
        ProductOutcome(Product("tax2", "bank"), (grade_rule, rule("years", ">=", 3)), (), 0.2),
        ProductOutcome(Product("biz", "bank"), (), ("house",), None),
        ProductOutcome(Product("shop", "bank"), (), (), 0.4),
    ]
    reasons = [r.en for r in no_offer_reasons(CATALOG, outcomes, 0.8)]
    assert reasons[0].startswith("2 products are closed by tax grade")
    assert "With tax grade B or better, Tax loan opens" in reasons
    assert "Needs first: owns property, to check 1 more products" in reasons
    assert reasons[-1] == (
        "1 products' rules are met, but the best approval probability 40% is below the bar"
    )
