"""Answers as owners say them become values; rough ones stay ranges until the safe end is
chosen (loanmatch.intake.answers.read_answer, loanmatch.intake.ranges.safe_value)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.catalog import Feature
from loanmatch.errors import AnswerFieldError, NotUnderstoodError
from loanmatch.intake.answers import (
    DONT_KNOW,
    Range,
    parse_answer,
    parse_answers,
    parse_reply,
    read_answer,
    understand,
)
from loanmatch.intake.ranges import safe_value

CATALOG = load_catalog(DEFAULT_CATALOG)
TODAY = date(2026, 6, 30)


def test_a_range_of_revenue_counts_its_low_end_and_says_so() -> None:
    reading = read_answer(CATALOG["annual_revenue"], "六七十万", today=TODAY)
    assert reading.range == Range(600_000.0, 700_000.0)
    assert reading.value == 600_000.0
    assert reading.note is not None
    assert reading.note.zh == "您说的是60万到70万之间，按60万计算"
    assert "600,000" in reading.note.en


def test_a_range_of_overdue_payments_counts_its_high_end() -> None:
    assert parse_answer(CATALOG["overdue_count_24m"], "两三次", today=TODAY) == 3.0


def test_a_range_for_a_feature_without_a_direction_asks_for_one_number() -> None:
    with pytest.raises(NotUnderstoodError) as caught:
        parse_answer(CATALOG["loan_amount"], "二三十万", today=TODAY)
    assert "请给一个具体的数" in caught.value.text.zh
    assert "二三十万" in caught.value.text.zh
    assert "please give one number" in caught.value.text.en


def test_safe_value_follows_the_catalogs_monotone_direction() -> None:
    rough = Range(10.0, 20.0)
    assert safe_value(CATALOG["employees"], rough) == 10.0  # monotone +1
    assert safe_value(CATALOG["lenders_outstanding"], rough) == 20.0  # monotone -1
    assert safe_value(CATALOG["owner_age"], rough) is None  # no direction
    assert safe_value(CATALOG["max_acceptable_rate"], Range(None, 6.0)) == 6.0  # a ceiling


def test_a_founding_year_is_counted_to_the_day_given() -> None:
    got = understand(CATALOG["enterprise_age_years"], "2019年成立的", today=TODAY)
    assert isinstance(got, Range)
    assert got.low == pytest.approx(6.5, abs=0.01)
    assert got.high == pytest.approx(7.5, abs=0.02)
    later = understand(CATALOG["enterprise_age_years"], "2019年成立的", today=date(2030, 6, 30))
    assert isinstance(later, Range)
    assert later.low == pytest.approx(10.5, abs=0.01)
    assert parse_answer(CATALOG["enterprise_age_years"], "2019年成立的", today=TODAY) == 6.5


def test_a_birth_year_gives_an_age() -> None:
    assert understand(CATALOG["owner_age"], "七五年的", today=TODAY) == Range(50.0, 51.0)


@pytest.mark.parametrize(
    ("feature", "raw", "expected"),
    [
        ("industry", "批发零售", "F"),
        ("industry", "做贸易的", "F"),
        ("industry", "开饭店", "H"),
        ("industry", "搞装修", "E"),
        ("region", "苏州", "jiangsu"),
        ("region", "深圳", "guangdong"),
        ("annual_revenue", "1.2个亿", 120_000_000.0),
        ("annual_revenue", "八百来万", 8_000_000.0),
        ("annual_revenue", "30W", 300_000.0),
        ("annual_revenue", "3十万", 300_000.0),
        ("annual_revenue", "about 50k", 50_000.0),
        ("enterprise_age_years", "三年半", 3.5),
        ("enterprise_age_years", "six years", 6.0),
        ("owns_property", "有一套房", True),
        ("owns_property", "没房", False),
        ("overdue_count_24m", "从来没逾期过", 0.0),
        ("overdue_count_24m", "逾期过一次", 1.0),
        ("overdue_count_24m", "no overdue ever", 0.0),
        ("lenders_outstanding", "就一家银行", 1.0),
        ("has_tobacco_licence", "有烟草证", True),
        ("tax_grade", "纳税信用B", "B"),
        ("loan_term_months", "三年期", 36.0),
        ("max_acceptable_rate", "年化6%以内", 6.0),
        ("max_acceptable_rate", "不超过百分之八", 8.0),
        ("max_acceptable_rate", "月息一分", 12.0),
        ("loan_purpose", "进货", "working_capital"),
        ("loan_purpose", "买设备", "equipment"),
        ("loan_purpose", "开分店", "expansion"),
    ],
)
def test_the_issues_examples_are_understood(feature: str, raw: str, expected: object) -> None:
    assert parse_answer(CATALOG[feature], raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("有的", True), ("没有呢", False), ("算是吧", True), ("不是", False), ("木有", False),
     ("当然", True), ("nope", False), ("yeah", True)],
)  # fmt: skip
def test_yes_and_no_are_understood_every_way(raw: str, expected: bool) -> None:
    assert parse_answer(CATALOG["owns_property"], raw) is expected


def test_a_range_understood_for_employees_is_kept_for_display() -> None:
    reading = read_answer(CATALOG["employees"], "十几个人")
    assert reading.range == Range(11.0, 19.0)
    assert reading.value == 11.0


def test_a_question_back_is_not_a_yes_or_a_no() -> None:
    with pytest.raises(NotUnderstoodError):
        parse_answer(CATALOG["owns_property"], "不明白什么意思")


def test_what_cannot_be_understood_names_the_feature_and_the_text_in_both_languages() -> None:
    with pytest.raises(AnswerFieldError) as caught:
        parse_reply(CATALOG["annual_revenue"], "很多很多")
    assert caught.value.where.feature == "annual_revenue"
    assert "很多很多" in caught.value.text.zh
    assert "很多很多" in caught.value.text.en
    assert caught.value.text.zh.startswith("“年营业收入（元）”")


def test_a_longer_dont_know_is_dont_know() -> None:
    assert parse_reply(CATALOG["annual_revenue"], "记不太清了") is DONT_KNOW
    assert parse_reply(CATALOG["invoice_amount_12m"], "要问会计") is DONT_KNOW


def test_parse_answers_passes_today_through() -> None:
    record = parse_answers(CATALOG, {"enterprise_age_years": "since 2019"}, today=TODAY).record
    assert record["enterprise_age_years"] == pytest.approx(6.5, abs=0.01)


_PIECES = [
    *"0123456789.-万亿千百十几多来余快出头左右一二两三四五六七八九零",
    *"年月天周岁个人家次%分厘到至~ 没有是不wk",
    "since ", "about ", "half ", "a ", "million", "times", "年成立", "出生", "以上", "以内",
    "不超过", "月息", "百分之", "涨了", "下降", "就", "快",
]  # fmt: skip
_ASKABLE = [f for f in CATALOG.features if not f.derived]


@given(
    st.sampled_from(_ASKABLE),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map("".join),
)
def test_any_answer_to_any_feature_reads_or_is_an_answer_error(feature: Feature, raw: str) -> None:
    try:
        reading = read_answer(feature, raw, today=TODAY)
    except AnswerFieldError:
        return
    if isinstance(reading.value, float):
        assert feature.min is None or reading.value >= feature.min
        assert feature.max is None or reading.value <= feature.max
