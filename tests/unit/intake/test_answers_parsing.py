"""The demo page's and the API's friendly parsing of answers (loanmatch.intake.answers)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.catalog import Catalog, Feature, Scalar
from loanmatch.errors import AnswerError, AnswerFieldError
from loanmatch.intake.answers import (
    format_amount,
    is_money,
    parse_answer,
    parse_answers,
)

MONEY = Feature(name="loan_amount", type="number", min=0, max=1e10, unit="yuan")
WAN_MONEY = Feature(name="capital_wan", type="number", min=0, unit="万元")
AGE = Feature(name="owner_age", type="number", min=16, max=100, unit="years")
RATE = Feature(name="max_rate", type="number", min=0, max=36, unit="percent")
SHARE = Feature(name="share", type="number", min=0, max=1)
GRADE = Feature(name="tax_grade", type="category", categories=("A", "B", "M", "C", "D"))
FLAG = Feature(name="owns_property", type="boolean")
CATALOG = Catalog([MONEY, AGE, RATE, GRADE, FLAG])


def test_fifty_wan_is_five_hundred_thousand_yuan() -> None:
    assert parse_answer(MONEY, "50万") == 500_000.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.2亿", 120_000_000.0),
        ("1,250,000", 1_250_000.0),
        ("５０万", 500_000.0),
        ("50万元", 500_000.0),
        (" 300 000 元 ", 300_000.0),
        ("¥80k", 80_000.0),
        ("20w", 200_000.0),
        ("3千", 3_000.0),
        ("1e6", 1_000_000.0),
    ],
)
def test_money_is_accepted_as_people_write_it(raw: str, expected: float) -> None:
    assert parse_answer(MONEY, raw) == expected


def test_a_field_kept_in_wan_takes_wan_as_its_own_unit() -> None:
    assert parse_answer(WAN_MONEY, "50万") == 50.0
    assert parse_answer(WAN_MONEY, "1亿") == 10_000.0


def test_a_unit_after_the_number_is_ignored() -> None:
    assert parse_answer(AGE, "45岁") == 45.0
    assert parse_answer(AGE, "45 years") == 45.0


def test_a_percent_sign_on_a_percent_field_keeps_the_number() -> None:
    assert parse_answer(RATE, "6.5%") == 6.5


def test_a_percent_sign_on_a_fraction_field_divides_by_a_hundred() -> None:
    assert parse_answer(SHARE, "35%") == pytest.approx(0.35)


@pytest.mark.parametrize("raw", ["", "   ", "\t", None])
def test_a_blank_answer_means_unknown(raw: str | None) -> None:
    assert parse_answer(MONEY, raw) is None
    assert parse_answer(GRADE, raw) is None
    assert parse_answer(FLAG, raw) is None


def test_words_in_a_number_field_are_an_error_naming_the_feature_in_both_languages() -> None:
    with pytest.raises(AnswerFieldError) as caught:
        parse_answer(MONEY, "a lot")
    assert caught.value.where.feature == "loan_amount"
    assert "not a number" in caught.value.text.en
    assert "不是有效的数字" in caught.value.text.zh
    assert caught.value.to_dict()["error"] == "invalid_answer"


def test_a_number_below_the_minimum_is_an_error() -> None:
    with pytest.raises(AnswerError, match="at least 16"):
        parse_answer(AGE, "15")


def test_a_number_above_the_maximum_is_an_error() -> None:
    with pytest.raises(AnswerError, match="at most 36"):
        parse_answer(RATE, "40")


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("有", True),
                                                ("无", False), ("YES", True), ("false", False),
                                                ("1", True), ("0", False)])  # fmt: skip
def test_yes_and_no_are_understood_in_chinese_and_english(raw: str, expected: bool) -> None:
    assert parse_answer(FLAG, raw) is expected


def test_a_category_is_matched_exactly_or_ignoring_case() -> None:
    assert parse_answer(GRADE, "A") == "A"
    assert parse_answer(GRADE, "m") == "M"


def test_an_unlisted_category_is_an_error_listing_the_choices() -> None:
    with pytest.raises(AnswerFieldError, match="A, B, M, C, D"):
        parse_answer(GRADE, "AAA")


def test_typed_json_values_are_checked_like_typed_text() -> None:
    assert parse_answer(MONEY, 500_000) == 500_000.0
    assert parse_answer(FLAG, True) is True
    assert parse_answer(FLAG, 0) is False
    with pytest.raises(AnswerFieldError, match="expected a number"):
        parse_answer(MONEY, True)
    with pytest.raises(AnswerFieldError, match="expected true or false"):
        parse_answer(FLAG, 2.5)


def test_parse_answers_collects_every_problem_and_keeps_the_good_answers() -> None:
    parsed = parse_answers(CATALOG, {"loan_amount": "50万", "owner_age": "old", "tax_grade": "Z"})
    assert parsed.record == {"loan_amount": 500_000.0}
    assert set(parsed.problems) == {"owner_age", "tax_grade"}
    with pytest.raises(AnswerFieldError, match="1 more: tax_grade"):
        parsed.raise_first()


def test_a_name_outside_the_catalog_is_a_problem_only_when_strict() -> None:
    assert "colour" in parse_answers(CATALOG, {"colour": "red"}).problems
    assert not parse_answers(CATALOG, {"colour": "red"}, strict=False).problems


def test_money_features_of_the_default_catalog_are_recognised() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    assert is_money(catalog["loan_amount"])
    assert not is_money(catalog["owner_age"])


@given(st.integers(min_value=0, max_value=10**10))
def test_any_whole_amount_parses_back_from_its_chinese_display(amount: int) -> None:
    assert parse_answer(MONEY, format_amount(float(amount), "zh")) == float(amount)


@given(st.integers(min_value=0, max_value=10**10))
def test_any_whole_amount_parses_back_from_its_english_display(amount: int) -> None:
    assert parse_answer(MONEY, format_amount(float(amount), "en")) == float(amount)


@given(st.integers(min_value=0, max_value=999_999), st.integers(min_value=0, max_value=99))
def test_wan_with_decimals_is_ten_thousand_times_the_number(whole: int, cents: int) -> None:
    text = f"{whole}.{cents:02d}万"
    assert parse_answer(MONEY, text) == pytest.approx(float(f"{whole}.{cents:02d}") * 1e4)


@given(st.integers(min_value=16, max_value=100))
def test_full_width_digits_read_like_ascii_digits(age: int) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in str(age))
    assert parse_answer(AGE, wide) == parse_answer(AGE, str(age)) == float(age)


def _outcome(feature: Feature, raw: str) -> tuple[Scalar | None, AnswerError | None]:
    try:
        return parse_answer(feature, raw), None
    except AnswerError as problem:
        return None, problem


@given(st.text(max_size=30))
def test_any_text_either_parses_to_a_valid_value_or_is_an_answer_error(raw: str) -> None:
    for feature in (MONEY, AGE, RATE, GRADE, FLAG):
        value, problem = _outcome(feature, raw)
        if problem is not None:
            assert problem.where.feature == feature.name
        elif isinstance(value, float):
            assert math.isfinite(value)
            assert feature.min is None or value >= feature.min
            assert feature.max is None or value <= feature.max
        elif isinstance(value, str):
            assert value in feature.categories


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_outside_min_and_max_is_always_rejected(number: float) -> None:
    if 16 <= number <= 100:
        assert parse_answer(AGE, number) == number
    else:
        with pytest.raises(AnswerError):
            parse_answer(AGE, number)
