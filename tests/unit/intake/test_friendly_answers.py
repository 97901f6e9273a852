"""Owners can answer the way they talk: Chinese numerals, durations, percentages, yes/no words,
category labels in either language, and "don't know"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.errors import NotAskableError, NotUnderstoodError, OutOfRangeError
from loanmatch.intake.answers import (
    DONT_KNOW,
    format_amount,
    parse_answer,
    parse_answers,
    parse_reply,
)

CATALOG = load_catalog(DEFAULT_CATALOG)
AMOUNT = CATALOG["loan_amount"]
TERM = CATALOG["loan_term_months"]
FIRM_AGE = CATALOG["enterprise_age_years"]
RATE = CATALOG["max_acceptable_rate"]
PROPERTY = CATALOG["owns_property"]
INDUSTRY = CATALOG["industry"]
GRADE = CATALOG["tax_grade"]
DAYS = CATALOG["days_until_needed"]

DIGITS = "零一二三四五六七八九"


def chinese(number: int) -> str:
    """Write a whole number below 10^12 in Chinese numerals (the test's own writer)."""

    def below_10k(n: int) -> str:
        out, zero = "", False
        for size, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // size % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += DIGITS[digit] + unit
        return out

    if number == 0:
        return "零"
    parts: list[str] = []
    for size, unit in ((10**8, "亿"), (10**4, "万"), (1, "")):
        chunk = number // size % 10_000 if size < 10**8 else number // size
        if chunk:
            text = below_10k(chunk)
            if parts and chunk < 1000:
                text = "零" + text
            parts.append(text + unit)
    return "".join(parts)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("五十万", 500_000.0),
        ("一百二十万", 1_200_000.0),
        ("三千", 3_000.0),
        ("两百万", 2_000_000.0),
        ("一点五万", 15_000.0),
        ("1万2千", 12_000.0),
        ("五十万元", 500_000.0),
        ("一千零五万", 10_050_000.0),
    ],
)
def test_amounts_in_chinese_numerals_parse_to_yuan(raw: str, expected: float) -> None:
    assert parse_answer(AMOUNT, raw) == expected


@given(st.integers(min_value=1_000, max_value=100_000_000))
def test_any_whole_amount_written_in_chinese_numerals_parses_back_exactly(yuan: int) -> None:
    assert parse_answer(AMOUNT, chinese(yuan)) == float(yuan)


@given(st.integers(min_value=1_000, max_value=100_000_000))
def test_any_whole_amount_written_in_wan_parses_back_exactly(yuan: int) -> None:
    assert parse_answer(AMOUNT, format_amount(float(yuan), "zh")) == float(yuan)


def test_years_become_months_for_a_term_and_stay_years_for_a_firm_age() -> None:
    assert parse_answer(TERM, "3年") == 36.0
    assert parse_answer(TERM, "18个月") == 18.0
    assert parse_answer(TERM, "半年") == 6.0
    assert parse_answer(TERM, "三年") == 36.0
    assert parse_answer(FIRM_AGE, "3年") == 3.0
    assert parse_answer(FIRM_AGE, "18个月") == 1.5
    assert parse_answer(DAYS, "1个月") == 30.0


def test_percentages_are_read_with_a_sign_or_in_words() -> None:
    assert parse_answer(RATE, "6.5%") == 6.5
    assert parse_answer(RATE, "百分之六") == 6.0
    assert parse_answer(RATE, "百分之六点五") == 6.5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("有", True),
        ("对", True),
        ("yes", True),
        ("Y", True),
        ("是的", True),
        ("否", False),
        ("没有", False),
        ("不是", False),
        ("no", False),
        ("n", False),
    ],
)
def test_yes_and_no_words_in_both_languages_are_booleans(raw: str, expected: bool) -> None:
    assert parse_answer(PROPERTY, raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("制造业", "C"), ("Manufacturing", "C"), ("c", "C"), ("批发和零售业", "F"), ("B级", "B")],
)
def test_a_category_is_found_by_its_code_or_its_label_in_either_language(
    raw: str, expected: str
) -> None:
    feature = GRADE if raw.endswith("级") else INDUSTRY
    assert parse_answer(feature, raw) == expected


@pytest.mark.parametrize("raw", ["不知道", "不清楚", "不确定", "don't know", "Not sure", "skip"])
def test_dont_know_is_its_own_reply_and_unknown_for_a_form(raw: str) -> None:
    assert parse_reply(AMOUNT, raw) is DONT_KNOW
    assert parse_answer(AMOUNT, raw) is None


def test_a_word_that_is_not_a_number_names_the_feature_and_what_was_received() -> None:
    with pytest.raises(NotUnderstoodError) as caught:
        parse_reply(AMOUNT, "很多")
    assert "申请金额" in caught.value.text.zh
    assert "很多" in caught.value.text.zh
    assert "Amount requested" in caught.value.text.en
    assert "很多" in caught.value.text.en
    assert caught.value.to_dict()["reason"] == "not_understood"


def test_a_number_out_of_range_says_the_limit_and_the_number_received() -> None:
    with pytest.raises(OutOfRangeError) as caught:
        parse_reply(TERM, "100年")
    assert "1200" in caught.value.text.en
    assert "360" in caught.value.text.en


def test_a_derived_feature_cannot_be_answered() -> None:
    problems = parse_answers(CATALOG, {"debt_to_revenue": "0.3"}).problems
    assert isinstance(problems["debt_to_revenue"], NotAskableError)
