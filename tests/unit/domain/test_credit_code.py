"""The 统一社会信用代码 check of GB 32100-2015: length, alphabet, division, check character."""

from __future__ import annotations

import pytest

from loanmatch.domain.credit_code import (
    ALPHABET,
    check_character,
    credit_code_problem,
    make_credit_code,
    normalize_credit_code,
    valid_credit_code,
)
from loanmatch.errors import CreditCodeError

STANDARD_EXAMPLE = "91350100M000100Y43"
"""GB 32100-2015's worked example, whose first 17 characters sum to 1640 (mod 31 = 28): the
check is 31 - 28 = 3; the standard shows the same code ending in Z as one that fails."""
PUBLISHED = ("91440300MA5H0HLK5U", "914403001922038216")
"""Codes companies publish (a Shenzhen firm's site footer; Huawei Technologies Co., Ltd.)."""


def test_the_standards_worked_example_has_check_character_3() -> None:
    assert check_character(STANDARD_EXAMPLE[:17]) == "3"
    assert credit_code_problem(STANDARD_EXAMPLE) is None


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_pass_the_check(code: str) -> None:
    assert credit_code_problem(code) is None


def test_the_standards_example_ending_in_z_fails_saying_which_character_is_expected() -> None:
    problem = credit_code_problem("91350100M000100Y4Z")
    assert problem is not None
    assert problem.zh.startswith("统一社会信用代码校验位不符：第18位应为3")
    assert "91350100M000100Y4Z" in problem.zh
    assert "the check character of the unified social credit code does not match" in (
        problem.en.lower()
    )


def test_a_check_value_of_31_is_written_as_0() -> None:
    # find a 17-character prefix whose weighted sum is a multiple of 31
    prefix = next(
        p
        for k in range(1000)
        if (p := f"9111000000000{k:04d}")
        and sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(p)) % 31 == 0
    )
    assert check_character(prefix) == "0"


def test_one_mistyped_character_is_always_caught() -> None:
    code = STANDARD_EXAMPLE
    for position in range(18):
        for char in ALPHABET:
            if char == code[position] or (2 <= position < 8 and not char.isdigit()):
                continue
            typo = code[:position] + char + code[position + 1 :]
            assert credit_code_problem(typo) is not None, typo


def test_two_neighbouring_characters_swapped_are_caught() -> None:
    code = STANDARD_EXAMPLE
    for position in range(17):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code:
            assert credit_code_problem(swapped) is not None, swapped


def test_a_code_of_the_wrong_length_names_the_length_received() -> None:
    problem = credit_code_problem("91350100M000100Y4")
    assert problem is not None
    assert "应为18位" in problem.zh
    assert "17位" in problem.zh


def test_a_letter_outside_the_alphabet_is_named_with_its_position() -> None:
    problem = credit_code_problem("91350100M00O100Y43")
    assert problem is not None
    assert "第12位“O”" in problem.zh
    assert "Character 12" in problem.en


def test_letters_in_the_division_code_are_refused() -> None:
    problem = credit_code_problem("9135A100M000100Y43")
    assert problem is not None
    assert "行政区划代码" in problem.zh


def test_spaces_hyphens_full_width_and_lower_case_are_forgiven() -> None:
    typed = "９１３５ 0100-m000100y43"
    assert normalize_credit_code(typed) == STANDARD_EXAMPLE
    assert valid_credit_code(typed) == STANDARD_EXAMPLE


def test_an_invalid_code_is_an_input_credit_code_error_naming_the_field() -> None:
    with pytest.raises(CreditCodeError) as caught:
        valid_credit_code("91350100M000100Y4Z")
    error = caught.value
    assert error.status == 422
    assert error.code == "input.credit_code"
    body = error.to_dict()
    assert body["where"] == {"setting": "enterprise_id"}
    assert body["message_zh"].startswith("统一社会信用代码校验位不符：第18位应为3")


def test_made_codes_are_valid_and_carry_a_valid_organisation_code() -> None:
    code = make_credit_code("330100", "12345678")
    assert credit_code_problem(code) is None
    assert code.startswith("91330100")
    # GB 11714: 3 7 9 10 5 8 4 2 over 1..8 = 3+14+27+40+25+48+28+16 = 201; 11 - 201 mod 11 = 8
    assert code[16] == "8"
