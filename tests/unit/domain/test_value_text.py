"""A value in the owner's language: labels for categories, units in words, one unit a range."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.catalog import Feature, Text
from loanmatch.domain.value_text import (
    format_code,
    format_money,
    format_range,
    format_value,
    short_label,
)

CATALOG = load_catalog(DEFAULT_CATALOG)


def test_numbers_carry_their_unit_in_the_owners_language() -> None:
    cases = [
        ("enterprise_age_years", 5, "5年", "5 years"),
        ("enterprise_age_years", 1, "1年", "1 year"),
        ("hard_inquiries_3m", 0, "0次", "0"),
        ("loan_term_months", 12, "12个月", "12 months"),
        ("days_until_needed", 30, "30天", "30 days"),
        ("owner_age", 45, "45岁", "45 years old"),
        ("employees", 12, "12人", "12"),
        ("lenders_outstanding", 2, "2家", "2"),
        ("owner_bureau_score", 650, "650分", "650 points"),
        ("max_acceptable_rate", 12.5, "12.5%", "12.5%"),
        ("debt_to_revenue", 0.35, "0.35", "0.35"),
    ]
    for name, value, zh, en in cases:
        assert format_value(CATALOG[name], value, "zh") == zh, name
        assert format_value(CATALOG[name], value, "en") == en, name


def test_amounts_read_in_wan_in_chinese_exact_to_the_yuan() -> None:
    amount = CATALOG["loan_amount"]
    assert format_value(amount, 300_000, "zh") == "30万元"
    assert format_value(amount, 123_400, "zh") == "12.34万元"
    assert format_value(amount, 150_000_000, "zh") == "1.5亿元"
    assert format_value(amount, 800, "zh") == "800元"
    assert format_value(amount, 300_000, "en") == "300,000 yuan"
    assert format_money(12_345.67, "zh") == "1.2345万"  # rounded down, never up


def test_categories_and_booleans_read_by_their_labels() -> None:
    assert format_value(CATALOG["region"], "jiangsu", "zh") == "江苏"
    assert format_value(CATALOG["region"], "jiangsu", "en") == "Jiangsu"
    assert format_code(CATALOG["industry"], 9.0, "zh") == "金融业"
    assert format_value(CATALOG["current_overdue"], False, "zh") == "否"
    assert format_value(CATALOG["current_overdue"], True, "en") == "yes"
    assert format_value(CATALOG["region"], None, "zh") == "未知"
    assert format_code(CATALOG["loan_amount"], math.nan, "en") == "unknown"


def test_a_range_says_its_unit_once() -> None:
    assert format_range(CATALOG["loan_amount"], 10_000, 300_000, "zh") == "1万-30万元"
    assert format_range(CATALOG["loan_amount"], 10_000, 300_000, "en") == "10,000-300,000 yuan"
    assert format_range(CATALOG["owner_age"], 18, 60, "zh") == "18-60岁"
    assert format_range(CATALOG["loan_term_months"], 3, 12, "en") == "3-12 months"


def test_a_unit_the_module_does_not_know_stays_in_its_own_script() -> None:
    chinese = Feature("shops", "number", unit="家", label=Text("门店数", "shops"))
    latin = Feature("area", "number", unit="m2", label=Text("面积", "area"))
    assert format_value(chinese, 3, "zh") == "3家"
    assert format_value(chinese, 3, "en") == "3"
    assert format_value(latin, 120, "zh") == "120"
    assert format_value(latin, 120, "en") == "120 m2"


def test_a_label_drops_its_bracketed_unit_in_a_sentence() -> None:
    assert short_label(CATALOG["loan_amount"], "zh") == "申请金额"
    assert short_label(CATALOG["loan_amount"], "en") == "Amount requested"
    assert short_label(CATALOG["outstanding_debt"], "zh") == "经营性负债余额（企业及实控人）"
    assert short_label(CATALOG["region"], "zh") == "注册地（省份）"


@given(st.integers(min_value=10_000, max_value=99_999_999))
def test_a_whole_amount_in_wan_reads_back_to_the_same_yuan(yuan: int) -> None:
    text = format_money(yuan)
    assert text.endswith("万")
    assert round(float(text[:-1]) * 10_000) == yuan


def test_an_amount_that_floats_cannot_hold_exactly_is_not_shortened() -> None:
    assert format_money(10_050) == "1.005万"  # 10050 / 1e4 * 1e4 is 10049.999... in floats
