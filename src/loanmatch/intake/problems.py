"""The polite zh/en errors of an answer that does not fit its feature, and the range check."""

from __future__ import annotations

import math

from loanmatch.domain.catalog import Feature, Text
from loanmatch.errors import AnswerFieldError, OutOfRangeError
from loanmatch.intake.units import format_amount, is_money

__all__ = ["check_range", "problem"]


def _names(feature: Feature) -> tuple[str, str]:
    return feature.label.zh or feature.name, feature.label.en or feature.name


def problem(kind: type[AnswerFieldError], feature: Feature, zh: str, en: str) -> AnswerFieldError:
    """``kind`` with the message prefixed by the feature's label in each language."""
    name_zh, name_en = _names(feature)
    return kind(feature.name, Text(zh=f"“{name_zh}”：{zh}", en=f"{name_en}: {en}"))


def check_range(feature: Feature, number: float) -> float:
    """``number`` if it lies within the feature's min / max, else an OutOfRangeError."""
    if not math.isfinite(number):
        raise problem(OutOfRangeError, feature, "数值太大", "the number is too large")
    if number == 0.0:
        number = 0.0  # no negative zero
    got = f"{number:g}"
    if feature.min is not None and number < feature.min:
        shown = format_amount(feature.min, "zh") if is_money(feature) else f"{feature.min:g}"
        raise problem(
            OutOfRangeError,
            feature,
            f"不能小于 {shown}（收到 {got}）",
            f"must be at least {feature.min:g} (got {got})",
        )
    if feature.max is not None and number > feature.max:
        shown = format_amount(feature.max, "zh") if is_money(feature) else f"{feature.max:g}"
        raise problem(
            OutOfRangeError,
            feature,
            f"不能大于 {shown}（收到 {got}）",
            f"must be at most {feature.max:g} (got {got})",
        )
    return number
