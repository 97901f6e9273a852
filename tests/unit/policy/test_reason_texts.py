"""Reasons in words: owners read them, in Chinese and English, for any catalog."""

from __future__ import annotations

import math

from loanmatch.domain.approval_band import Band
from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.products import Product
from loanmatch.domain.reason_texts import (
    ProductOutcome,
    change_kind,
    counterfactual,
    low_probability_reason,
    no_offer_reasons,
    offer_reasons,
    rule_reason,
)
from loanmatch.domain.rules import Condition, Rule
from loanmatch.domain.value_text import format_code

GRADE = Feature(
    "grade",
    "category",
    categories=("A", "B", "M", "C"),
    monotone=-1,
    label=Text("纳税等级", "tax grade"),
    actionable="increase",
)
SECTOR = Feature(
    "sector",
    "category",
    categories=("farm", "shop", "plant"),
    category_labels=(Text("农业", "Farming"), Text("零售", "Retail"), Text("制造", "Making")),
    actionable="choose",
)
PROVINCE = Feature(
    "province",
    "category",
    categories=("jiangsu", "zhejiang"),
    category_labels=(Text("江苏", "Jiangsu"), Text("浙江", "Zhejiang")),
    label=Text("注册地（省份）", "Province of registration"),
)
YEARS = Feature(
    "years", "number", unit="years", label=Text("成立年限", "years in business"), actionable="time"
)
AGE = Feature(
    "age", "number", unit="years", label=Text("经营者年龄", "owner's age"), actionable="time"
)
AMOUNT = Feature(
    "amount",
    "number",
    unit="yuan",
    label=Text("申请金额（元）", "Amount (yuan)"),
    actionable="reduce",
)
HOUSE = Feature("house", "boolean", label=Text("有房产", "owns property"))
CATALOG = Catalog([GRADE, SECTOR, PROVINCE, YEARS, AGE, AMOUNT, HOUSE])
TAX = Product("tax1", "bank", name=Text("税贷", "Tax loan"))


def rule(feature: str, op: str, *values: float, reason: Text | None = None) -> Rule:
    return Rule(f"{feature} {op} x", Condition(feature, op, values), reason=reason or Text())  # type: ignore[arg-type]


def test_values_read_as_the_owner_gave_them() -> None:
    assert format_code(GRADE, 1.0) == "B"
    assert format_code(PROVINCE, 0.0) == "江苏"
    assert format_code(HOUSE, 1.0, "en") == "yes"
    assert format_code(YEARS, 12.0) == "12年"
    assert format_code(YEARS, math.nan, "en") == "unknown"


def test_an_ordered_category_prefix_reads_as_or_better() -> None:
    text = counterfactual(rule("grade", "in", 0, 1), GRADE, TAX)
    assert text.en == "With tax grade B or better, Tax loan's requirements are met"
    assert "B或更好" in text.zh
    assert "税贷" in text.zh


def test_an_unordered_category_set_is_listed_by_its_labels() -> None:
    text = counterfactual(rule("sector", "in", 0, 2), SECTOR, TAX)
    assert text.en == "With sector one of Farming, Making, Tax loan's requirements are met"
    assert text.zh == "若sector为农业、制造之一，即符合税贷的申请条件"


def test_a_minimum_that_comes_with_time_reads_as_waiting() -> None:
    years = rule("years", ">=", 2)
    assert change_kind(years, YEARS) == "wait"
    text = counterfactual(years, YEARS, TAX, "wait")
    assert (
        text.en
        == "In time, with years in business of 2 years or more, Tax loan's requirements are met"
    )
    assert text.zh == "再等一段时间，成立年限达到2年或以上后，即符合税贷的申请条件"


def test_an_amount_range_reads_in_wan_in_chinese_and_with_one_unit_in_english() -> None:
    text = counterfactual(rule("amount", "between", 10_000, 300_000), AMOUNT, TAX)
    assert text.zh == "若申请金额在1万-30万元之间，即符合税贷的申请条件"
    assert text.en == "With amount of 10,000-300,000 yuan, Tax loan's requirements are met"


def test_a_rule_without_a_reason_text_is_said_with_labels_never_codes() -> None:
    text = rule_reason(rule("province", "in", 0), PROVINCE)
    assert text.zh == "要求注册地（省份）为江苏之一"
    assert text.en == "requires province of registration one of Jiangsu"


def test_facts_that_cannot_change_are_never_advised() -> None:
    assert change_kind(rule("province", "in", 0), PROVINCE) == "never"
    assert change_kind(rule("age", "<=", 60), AGE, 63.0) == "never"
    assert change_kind(rule("age", "between", 18, 60), AGE, 63.0) == "never"
    assert change_kind(rule("age", "between", 18, 60), AGE, 17.0) == "wait"
    outcomes = [ProductOutcome(TAX, (rule("province", "in", 0),), (), 0.9, 0.8)]
    reasons = no_offer_reasons(CATALOG, outcomes, 0.8)
    assert not any("requirements are met" in r.en or "申请条件" in r.zh for r in reasons)


def test_offer_reasons_give_the_approval_band_and_the_rules_met() -> None:
    band = Band(0.91, 0.949, 400, 372, 0.92, 0.94)
    reasons = offer_reasons(
        0.934, [rule("years", ">=", 2, reason=Text("成立满2年", "2+ years"))], CATALOG, band
    )
    assert [r.en for r in reasons] == [
        "Estimated approval probability about 90%–95%",
        "Meets: 2+ years",
    ]
    assert reasons[0].zh == "预计获批概率约90%–95%"
    assert reasons[1].zh == "满足：成立满2年"


def test_an_offer_without_held_out_pairs_never_reads_as_certain() -> None:
    assert offer_reasons(0.9996, [], CATALOG)[0].zh == "预计获批概率约99%"


def test_low_probability_reason_names_the_threshold_or_that_none_is_certified() -> None:
    assert "below the threshold 80%" in low_probability_reason(0.5, 0.8).en
    assert "stand behind" in low_probability_reason(0.5, math.inf).en


def test_a_probability_just_under_its_threshold_never_reads_as_reaching_it() -> None:
    text = low_probability_reason(0.7996, 0.8)
    assert text.zh == "预计获批概率约79%，低于推荐门槛80%"
    assert "100%" not in low_probability_reason(0.9996, 0.9997).zh


def test_no_offer_reasons_name_the_most_common_failing_feature_first_and_what_meets_one() -> None:
    grade_rule = rule("grade", "in", 0, 1)
    outcomes = [
        ProductOutcome(TAX, (grade_rule,), (), 0.7),
        ProductOutcome(Product("tax2", "bank"), (grade_rule, rule("years", ">=", 3)), (), 0.2),
        ProductOutcome(Product("biz", "bank"), (), ("house",), None),
        ProductOutcome(Product("shop", "bank"), (), (), 0.4),
    ]
    reasons = [r.en for r in no_offer_reasons(CATALOG, outcomes, 0.8)]
    assert reasons[0].startswith("2 products are closed by tax grade")
    assert "With tax grade B or better, Tax loan's requirements are met" in reasons
    assert "Needs first: owns property, to check 1 more product" in reasons
    assert reasons[-1] == (
        "1 product's rules are met, but the best approval probability about 40% is below the "
        "threshold 80%"
    )


def test_the_best_probability_is_compared_with_its_own_threshold_and_never_reads_100() -> None:
    outcomes = [ProductOutcome(TAX, (), (), 0.996, math.inf)]
    (text,) = no_offer_reasons(CATALOG, outcomes, 0.8)
    assert "100%" not in text.zh
    assert text.zh == "1个产品条件符合，但预计获批概率（最高约99%）未达到可保证的推荐标准"
    raised = [ProductOutcome(TAX, (), (), 0.851, 0.852)]
    (text,) = no_offer_reasons(CATALOG, raised, 0.8)
    assert text.zh == "1个产品条件符合，但最高预计获批概率约85%，低于推荐门槛86%"


def test_products_above_the_threshold_but_priced_out_are_not_called_below_it() -> None:
    outcomes = [ProductOutcome(TAX, (), (), 0.9, 0.8)]
    (text,) = no_offer_reasons(CATALOG, outcomes, 0.8)
    assert "below" not in text.en
    assert text.zh.startswith("1个产品获批概率达标，但报价超出")


def test_an_overdue_to_clear_is_said_as_clearing_it() -> None:
    overdue = Feature(
        "overdue", "boolean", label=Text("当前有逾期", "Currently overdue"), actionable="reduce"
    )
    text = counterfactual(rule("overdue", "==", 0), overdue, TAX)
    assert text.zh == "先解决“当前有逾期”，即符合税贷的申请条件"
    assert text.en == "Once “currently overdue” is resolved, Tax loan's requirements are met"
