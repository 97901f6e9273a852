"""The 统一社会信用代码 (unified social credit code) of an enterprise, checked before any pull.

GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》: 18 characters from the alphabet
``0-9 A-H J-N P-R T-U W-Y`` (no I, O, S, V, Z), each with a value 0-30 (``A`` = 10 ... ``Y`` =
30): position 1 the registration authority, 2 the kind of entity, 3-8 the administrative
division of the registering office (GB/T 2260, six digits), 9-17 the subject identifier (the
GB 11714 organisation code), 18 the check character. With position ``i`` from 1, the weight is
``W_i = 3^(i-1) mod 31`` (1, 3, 9, 27, 19, 26, ...), and the check value is
``31 - (sum of C_i * W_i over i = 1..17) mod 31``, 31 written as ``0``.

The standard's own worked example: ``91350100M000100Y4Z`` sums to 1640, 1640 mod 31 = 28, the
check is 31 - 28 = 3, so ``91350100M000100Y43`` is valid and the example with ``Z`` is not; a
published code such as ``91440300MA5H0HLK5U`` checks (``tests/unit/domain/test_credit_code.py``).

Pure: the standard library only. A mistyped code is refused with :class:`CreditCodeError`
(naming the field and what was received) before any source is asked, so a source is never blamed
for the owner's typing.
"""

from __future__ import annotations

import unicodedata

from loanmatch.domain.catalog import Text
from loanmatch.errors import CreditCodeError

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "FIELD",
    "check_character",
    "credit_code_problem",
    "make_credit_code",
    "normalize_credit_code",
    "valid_credit_code",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015, in the order of their values 0-30."""
CODE_LENGTH = 18
FIELD = "enterprise_id"
"""The field a code is entered in (API, chat page, ``loanmatch intake --enterprise-id``)."""
_VALUE = {c: k for k, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(CODE_LENGTH - 1))
_DROPPED = str.maketrans("", "", " -\u3000\t")


def normalize_credit_code(raw: str) -> str:
    """What the owner typed as a code: full-width characters made half-width, upper case,
    spaces and hyphens taken out (``９１３５ 0100-m000100y43`` -> ``91350100M000100Y43``)."""
    return unicodedata.normalize("NFKC", raw).translate(_DROPPED).upper()


def check_character(first17: str) -> str:
    """The check character (position 18) of the first 17 characters of a code."""
    if len(first17) != CODE_LENGTH - 1 or any(c not in _VALUE for c in first17):
        raise ValueError(f"{first17!r} is not 17 characters of the code's alphabet")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(raw: str) -> Text | None:
    """Why ``raw`` is not a valid code (zh/en, naming the field and what was received), or
    None when it is one (after :func:`normalize_credit_code`)."""
    code = normalize_credit_code(raw)
    shown = raw.strip()
    if len(code) != CODE_LENGTH:
        return Text(
            zh=f"统一社会信用代码应为18位，收到“{shown}”（{len(code)}位）。",
            en=(
                f"The unified social credit code has 18 characters; received {shown!r} "
                f"({len(code)})."
            ),
        )
    for position, char in enumerate(code[:17], start=1):
        if char not in _VALUE:
            return Text(
                zh=(
                    f"统一社会信用代码第{position}位“{char}”不是有效字符"
                    f"（只用数字和除 I、O、S、V、Z 以外的大写字母），收到“{shown}”。"
                ),
                en=(
                    f"Character {position} of the unified social credit code, {char!r}, is "
                    "not allowed (digits and capital letters except I, O, S, V, Z); "
                    f"received {shown!r}."
                ),
            )
    if not code[2:8].isdigit():
        return Text(
            zh=f"统一社会信用代码第3-8位应为6位数字的行政区划代码，收到“{shown}”。",
            en=(
                "Characters 3-8 of the unified social credit code are a six-digit "
                f"administrative division code; received {shown!r}."
            ),
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return Text(
            zh=f"统一社会信用代码校验位不符：第18位应为{expected}，收到“{shown}”，请核对是否输错。",
            en=(
                "The check character of the unified social credit code does not match: "
                f"character 18 should be {expected}; received {shown!r}. Please check for a typo."
            ),
        )
    return None


def valid_credit_code(raw: str) -> str:
    """The code ``raw`` normalised; :class:`CreditCodeError` (input.credit_code, 422) when it is
    not a valid one."""
    problem = credit_code_problem(raw)
    if problem is not None:
        raise CreditCodeError(problem, FIELD)
    return normalize_credit_code(raw)


def _organisation_check(body8: str) -> str:
    """The GB 11714-1997 check character of an 8-character organisation code body (weights
    3 7 9 10 5 8 4 2; 11 - sum mod 11, 10 written X and 11 written 0)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body8, weights, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def make_credit_code(region: str, body8: str, authority: str = "9", kind: str = "1") -> str:
    """A valid code: ``authority`` and ``kind`` (``9``/``1`` a company registered with the market
    regulator, ``9``/``2`` an individual business), a six-digit ``region``, an organisation code of
    ``body8`` (8 digits) and its GB 11714 check, then the GB 32100 check character. For simulated
    enterprises and tests: real codes are issued, never made."""
    if len(region) != 6 or not region.isdigit() or len(body8) != 8 or not body8.isdigit():
        raise ValueError("region is six digits and body8 eight digits")
    first17 = f"{authority}{kind}{region}{body8}{_organisation_check(body8)}"
    return first17 + check_character(first17)
