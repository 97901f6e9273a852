"""Friendly parsing of an owner's answers (form fields, API values) into typed catalog values.

What an owner types is forgiving: ``50万`` is 500000, ``1.2亿`` is 120000000, ``1,250,000``
and full-width ``５０万`` work, a unit after the number (``元``, ``人``, ``个月``) is fine, booleans
accept 是/否, 有/无, yes/no, true/false, 1/0, and a blank answer means unknown. What does not fit
the catalog (a word in a number field, a value outside min/max, an unlisted category) raises an
:class:`AnswerFieldError` naming the feature, with its message in Chinese and English.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.errors import AnswerError, Location

__all__ = [
    "Answer",
    "AnswerFieldError",
    "ParsedAnswers",
    "format_amount",
    "is_money",
    "parse_answer",
    "parse_answers",
]

Answer = str | float | bool | None
"""A typed value as ``Catalog.encode_record`` takes it (None = unknown)."""

MONEY_UNITS: Mapping[str, float] = {
    "元": 1.0,
    "cny": 1.0,
    "rmb": 1.0,
    "yuan": 1.0,
    "万元": 1e4,
    "千元": 1e3,
}
"""Units that mark a money feature, and how many yuan one unit is."""

PERCENT_UNITS = frozenset({"%", "percent", "pct", "百分比"})
"""Units of features whose numbers are already percent: ``35%`` there means 35, not 0.35."""

_MULTIPLIERS: Mapping[str, float] = {"亿": 1e8, "万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3}
_SUFFIXES = (
    "人民币",
    "个月",
    "元",
    "rmb",
    "cny",
    "yuan",
    "人",
    "名",
    "岁",
    "年",
    "月",
    "个",
    "家",
    "次",
    "天",
    "日",
)
_PREFIXES = ("¥", "rmb", "cny")
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(亿|万|w|千|k)?(%)?$")
_TRUE = frozenset({"true", "yes", "y", "1", "是", "有", "对", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "无", "没有", "不是", "f"})


class AnswerFieldError(AnswerError):
    """An answer that does not fit its feature; ``text`` is the message in Chinese and English."""

    def __init__(self, feature: str, text: Text) -> None:
        self.text = text
        super().__init__(text.en, Location(feature=feature))

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["message_zh"] = self.text.zh
        return body


def is_money(feature: Feature) -> bool:
    """Whether the feature is an amount of money (its unit is yuan or a multiple of it)."""
    return feature.type == "number" and _unit_key(feature) in MONEY_UNITS


def _unit_key(feature: Feature) -> str:
    return _normalise(feature.unit or "")


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    return re.sub(r"[\s,_']", "", text)


def _problem(feature: Feature, zh: str, en: str) -> AnswerFieldError:
    return AnswerFieldError(feature.name, Text(zh=zh, en=en))


def _strip_units(feature: Feature, text: str) -> str:
    unit = _unit_key(feature)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if unit and unit not in PERCENT_UNITS and text.endswith(unit) and len(text) > len(unit):
        text = text[: -len(unit)]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _parse_number(feature: Feature, raw: str) -> float:
    text = _strip_units(feature, _normalise(raw))
    match = _NUMBER.match(text)
    if match is None:
        raise _problem(
            feature,
            f"“{raw.strip()}”不是有效的数字（可以写 500000 或 50万）",
            f"{raw.strip()!r} is not a number (write e.g. 500000 or 50万)",
        )
    number = float(match.group(1))
    multiplier = match.group(2)
    if multiplier is not None:
        number *= _MULTIPLIERS[multiplier]
        number /= MONEY_UNITS.get(_unit_key(feature), 1.0)
    if match.group(3) is not None and _unit_key(feature) not in PERCENT_UNITS:
        number /= 100.0
    return _check_range(feature, number)


def _check_range(feature: Feature, number: float) -> float:
    if not math.isfinite(number):
        raise _problem(feature, "数值太大", "the number is too large")
    if number == 0.0:
        number = 0.0  # no negative zero
    if feature.min is not None and number < feature.min:
        shown = format_amount(feature.min, "zh") if is_money(feature) else f"{feature.min:g}"
        raise _problem(
            feature,
            f"不能小于 {shown}",
            f"must be at least {feature.min:g}",
        )
    if feature.max is not None and number > feature.max:
        shown = format_amount(feature.max, "zh") if is_money(feature) else f"{feature.max:g}"
        raise _problem(
            feature,
            f"不能大于 {shown}",
            f"must be at most {feature.max:g}",
        )
    return number


def _parse_boolean(feature: Feature, raw: str) -> bool:
    text = _normalise(raw)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _problem(
        feature,
        f"“{raw.strip()}”不是“是”或“否”",
        f"{raw.strip()!r} is not yes or no",
    )


def _parse_category(feature: Feature, raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in feature.categories:
        return text
    folded = [c for c in feature.categories if c.casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0]
    listed = "、".join(feature.categories)
    raise _problem(
        feature,
        f"“{text}”不是可选项之一：{listed}",
        f"{text!r} is not one of: {', '.join(feature.categories)}",
    )


def parse_answer(feature: Feature, raw: object) -> Answer:
    """One answer as typed by a person (a string) or sent by a program (a JSON value)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if not raw.strip():
            return None
        if feature.type == "number":
            return _parse_number(feature, raw)
        if feature.type == "boolean":
            return _parse_boolean(feature, raw)
        return _parse_category(feature, raw)
    if isinstance(raw, bool):
        if feature.type == "boolean":
            return raw
    elif isinstance(raw, int | float):
        if feature.type == "number":
            return _check_range(feature, float(raw))
        if feature.type == "boolean" and raw in (0, 1):
            return bool(raw)
    expected = {"number": ("数字", "a number"), "boolean": ("是或否", "true or false")}.get(
        feature.type, ("可选项之一", "one of the categories")
    )
    raise _problem(
        feature,
        f"应为{expected[0]}，收到 {raw!r}",
        f"expected {expected[1]}, got {raw!r}",
    )


@dataclass(frozen=True)
class ParsedAnswers:
    """Typed answers that parsed, and a problem per answer that did not."""

    record: dict[str, Answer]
    problems: dict[str, AnswerFieldError]

    def raise_first(self) -> None:
        """Raise the first problem, mentioning how many more there are."""
        if not self.problems:
            return
        first = next(iter(self.problems.values()))
        if len(self.problems) == 1:
            raise first
        others = ", ".join(list(self.problems)[1:])
        text = Text(
            zh=f"{first.text.zh}（另有 {len(self.problems) - 1} 项有误：{others}）",
            en=f"{first.text.en} (and {len(self.problems) - 1} more: {others})",
        )
        raise AnswerFieldError(first.where.feature or "", text)


def parse_answers(
    catalog: Catalog, raw: Mapping[str, object], *, strict: bool = True
) -> ParsedAnswers:
    """Parse every answer. With ``strict``, a name outside the catalog or a derived feature
    is a problem; without, it is skipped (a web form may carry other fields)."""
    record: dict[str, Answer] = {}
    problems: dict[str, AnswerFieldError] = {}
    for name, value in raw.items():
        feature = catalog.get(name)
        if feature is None or feature.derived:
            if strict:
                why = (
                    "不是本目录中的特征" if feature is None else "由其他特征计算得出，不能直接填写"
                )
                why_en = "is not a feature of the catalog" if feature is None else "is derived"
                problems[name] = AnswerFieldError(
                    name, Text(zh=f"{name} {why}", en=f"{name} {why_en}")
                )
            continue
        try:
            record[name] = parse_answer(feature, value)
        except AnswerFieldError as problem:
            problems[name] = problem
    return ParsedAnswers(record=record, problems=problems)


def format_amount(value: float, lang: str) -> str:
    """An amount of yuan: ``50万`` or ``1.2亿`` in Chinese, ``500,000`` in English.

    The Chinese form parses back to exactly ``value`` whenever ``value`` is a whole number.
    """
    if lang.startswith("en") or not math.isfinite(value):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    for word, size in (("亿", 1e8), ("万", 1e4)):
        if abs(value) >= size and _exact(value / size, value, size):
            return f"{_trim(value / size)}{word}"
    return _trim(value)


def _exact(scaled: float, value: float, size: float) -> bool:
    return float(_trim(scaled)) * size == value


def _trim(number: float) -> str:
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
