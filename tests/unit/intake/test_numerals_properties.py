"""Chinese numerals parse back to the number they write, whoever writes them (cn2an or us)."""

from __future__ import annotations

import cn2an
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.intake.approximate import read_amount
from loanmatch.intake.numerals import parse_chinese_number
from loanmatch.intake.ranges import Range


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_any_integer_written_by_cn2an_parses_back_to_itself(number: int) -> None:
    written = cn2an.an2cn(number)
    assert parse_chinese_number(written) == float(number)


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9999))
def test_wan_with_a_smaller_part_parses_to_its_sum(wan: int, rest: int) -> None:
    written = (
        cn2an.an2cn(wan)
        + "万"
        + (("零" if rest < 1000 else "") + cn2an.an2cn(rest) if rest else "")
    )
    assert parse_chinese_number(written) == float(wan * 10_000 + rest)


@given(st.integers(min_value=1, max_value=99), st.integers(min_value=0, max_value=9999))
def test_yi_and_wan_combine(yi: int, wan: int) -> None:
    written = (
        cn2an.an2cn(yi)
        + "亿"
        + (("零" if wan < 1000 else "") + cn2an.an2cn(wan) + "万" if wan else "")
    )
    assert parse_chinese_number(written) == float(yi * 10**8 + wan * 10**4)


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["万", "亿", "w"]))
def test_arabic_digits_with_wan_or_yi_scale_exactly(number: int, unit: str) -> None:
    size = {"万": 1e4, "w": 1e4, "亿": 1e8}[unit]
    assert read_amount(f"{number}{unit}") == number * size


@given(st.integers(min_value=1, max_value=8), st.sampled_from(["十", "百", "千"]))
def test_two_neighbouring_digits_before_a_unit_are_a_range(digit: int, unit: str) -> None:
    names = "一二三四五六七八九"
    size = {"十": 10, "百": 100, "千": 1000}[unit]
    got = read_amount(names[digit - 1] + names[digit] + unit + "万")
    assert isinstance(got, Range)
    assert (got.low, got.high) == (digit * size * 1e4, (digit + 1) * size * 1e4)
