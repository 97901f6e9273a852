"""Friendly parsing of an owner's answers (chat, form fields, API values) into typed values.

What an owner types is forgiving: ``50万`` and ``五十万`` are 500000, ``1.2亿`` is 120000000,
``一百二十万``, ``三千``, ``1,250,000`` and full-width ``５０万`` work; a unit after the number
(``元``, ``人``) is fine; durations convert to the feature's unit (``3年`` is 36 for a feature in
months and 3 for one in years, ``18个月`` is 18 months); percentages accept ``6.5%`` and
``百分之六``; booleans accept 是/否, 有/没有, 对/不是, yes/no, y/n, true/false, 1/0; a category is
matched by its code or its label in Chinese or English (``制造业``, ``Manufacturing``, ``C``).
``不知道`` / ``不清楚`` / ``don't know`` / ``skip`` give :data:`DONT_KNOW` (:func:`parse_reply`);
a blank answer means unknown. What does not fit the catalog raises an :class:`AnswerFieldError`
subclass naming the feature and what was received, politely, in Chinese and English.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from loanmatch.domain.catalog import Catalog, Feature, Scalar, Text
from loanmatch.errors import (
    AnswerFieldError,
    NotAskableError,
    NotUnderstoodError,
    OutOfRangeError,
    WrongTypeError,
)
from loanmatch.intake.numerals import parse_chinese_number, split_duration, split_percent
from loanmatch.lang import parse_lang

__all__ = [
    "DONT_KNOW",
    "DontKnow",
    "ParsedAnswers",
    "Reply",
    "format_amount",
    "is_money",
    "parse_answer",
    "parse_answers",
    "parse_reply",
]

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
_TRUE = frozenset(
    {"true", "yes", "y", "1", "是", "有", "对", "t", "是的", "有的", "对的", "嗯", "yeah", "yep"}
)
_FALSE = frozenset(
    {"false", "no", "n", "0", "否", "无", "没有", "没", "不是", "不", "不对", "没有的", "f", "nope"}
)
_DONT_KNOW_WORDS = frozenset(
    {
        "不知道",
        "不清楚",
        "不确定",
        "不记得",
        "记不清",
        "忘了",
        "跳过",
        "dontknow",
        "donotknow",
        "idontknow",
        "notsure",
        "unsure",
        "skip",
        "idk",
        "?",
        "？",
    }
)
_TIME_UNITS: Mapping[str, Mapping[str, float]] = {
    "months": {"months": 1.0, "years": 12.0, "days": 1.0 / 30.0},
    "years": {"years": 1.0, "months": 1.0 / 12.0, "days": 1.0 / 365.0},
    "days": {"days": 1.0, "months": 30.0, "years": 365.0},
}
"""Feature unit -> written unit -> factor (a month is 30 days, a year 365: *assumption*)."""


class DontKnow:
    """The owner said they do not know (不知道); one instance, :data:`DONT_KNOW`."""

    _instance: DontKnow | None = None

    def __new__(cls) -> DontKnow:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DONT_KNOW"


DONT_KNOW = DontKnow()
Reply = Scalar | None | DontKnow
"""What an owner's reply means: a typed value, unknown (None), or "don't know"."""


def is_money(feature: Feature) -> bool:
    """Whether the feature is an amount of money (its unit is yuan or a multiple of it)."""
    return feature.type == "number" and _unit_key(feature) in MONEY_UNITS


def _unit_key(feature: Feature) -> str:
    return _normalise(feature.unit or "")


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    return re.sub(r"[\s,_'’]", "", text)


def _names(feature: Feature) -> tuple[str, str]:
    return feature.label.zh or feature.name, feature.label.en or feature.name


def _problem(kind: type[AnswerFieldError], feature: Feature, zh: str, en: str) -> AnswerFieldError:
    name_zh, name_en = _names(feature)
    return kind(feature.name, Text(zh=f"“{name_zh}”：{zh}", en=f"{name_en}: {en}"))


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


def _plain_number(feature: Feature, text: str) -> float | None:
    """A number written with digits (and 万 / k / %), or in Chinese numerals; None otherwise."""
    percent = text.endswith("%")
    match = _NUMBER.match(text)
    if match is not None:
        number = float(match.group(1))
        multiplier = match.group(2)
        if multiplier is not None:
            number *= _MULTIPLIERS[multiplier]
            number /= MONEY_UNITS.get(_unit_key(feature), 1.0)
    else:
        body = text[:-1] if percent else text
        if body.startswith(("-", "负")):
            negative, body = True, body[1:]
        else:
            negative = False
        parsed = parse_chinese_number(body)
        if parsed is None:
            return None
        if any(unit in body for unit in ("万", "亿", "千")):
            parsed /= MONEY_UNITS.get(_unit_key(feature), 1.0)
        number = -parsed if negative else parsed
    if percent and _unit_key(feature) not in PERCENT_UNITS:
        number /= 100.0
    return number


def _parse_number(feature: Feature, raw: str) -> float:
    text = _normalise(raw)
    spoken = split_percent(text)
    if spoken is not None:
        text = spoken + "%"
    number: float | None = None
    unit = _unit_key(feature)
    duration = split_duration(text) if unit in _TIME_UNITS else None
    if duration is not None:
        amount = _plain_number(feature, _strip_units(feature, duration[0]))
        if amount is not None:
            number = amount * _TIME_UNITS[unit][duration[1]]
    if number is None:
        number = _plain_number(feature, _strip_units(feature, text))
    if number is None:
        raise _problem(
            NotUnderstoodError,
            feature,
            f"抱歉，“{raw.strip()}”不是有效的数字（可以写 500000、50万 或 五十万）",
            f"sorry, {raw.strip()!r} is not a number (write e.g. 500000, 50万 or 五十万)",
        )
    return _check_range(feature, number)


def _check_range(feature: Feature, number: float) -> float:
    if not math.isfinite(number):
        raise _problem(OutOfRangeError, feature, "数值太大", "the number is too large")
    if number == 0.0:
        number = 0.0  # no negative zero
    got = f"{number:g}"
    if feature.min is not None and number < feature.min:
        shown = format_amount(feature.min, "zh") if is_money(feature) else f"{feature.min:g}"
        raise _problem(
            OutOfRangeError,
            feature,
            f"不能小于 {shown}（收到 {got}）",
            f"must be at least {feature.min:g} (got {got})",
        )
    if feature.max is not None and number > feature.max:
        shown = format_amount(feature.max, "zh") if is_money(feature) else f"{feature.max:g}"
        raise _problem(
            OutOfRangeError,
            feature,
            f"不能大于 {shown}（收到 {got}）",
            f"must be at most {feature.max:g} (got {got})",
        )
    return number


def _parse_boolean(feature: Feature, raw: str) -> bool:
    text = _normalise(raw).rstrip("。.!！")
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _problem(
        NotUnderstoodError,
        feature,
        f"抱歉，“{raw.strip()}”不是“是”或“否”",
        f"sorry, {raw.strip()!r} is not yes or no",
    )


def _parse_category(feature: Feature, raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in feature.categories:
        return text
    key = _normalise(text)
    names: dict[str, set[str]] = {}
    for index, code in enumerate(feature.categories):
        forms = {_normalise(code)}
        if index < len(feature.category_labels):
            label = feature.category_labels[index]
            forms |= {_normalise(label.zh), _normalise(label.en)} - {""}
        names[code] = forms
    exact = [code for code, forms in names.items() if key in forms]
    if len(exact) == 1:
        return exact[0]
    if len(key) >= 2:
        partial = [code for code, forms in names.items() if any(key in f for f in forms)]
        if len(partial) == 1:
            return partial[0]
    listed = ", ".join(feature.categories)
    shown = "、".join(feature.category_label(c, "zh") for c in feature.categories)
    raise _problem(
        NotUnderstoodError,
        feature,
        f"抱歉，“{text}”不是可选项之一：{shown}",
        f"sorry, {text!r} is not one of: {listed}",
    )


def parse_reply(feature: Feature, raw: object) -> Reply:
    """One reply: a typed value, None for a blank, or :data:`DONT_KNOW` for "don't know"."""
    if isinstance(raw, DontKnow):
        return DONT_KNOW
    if isinstance(raw, str) and _normalise(raw).rstrip("。.!！") in _DONT_KNOW_WORDS:
        return DONT_KNOW
    return parse_answer(feature, raw)


def parse_answer(feature: Feature, raw: object) -> Scalar | None:
    """One answer as typed by a person (a string) or sent by a program (a JSON value);
    "don't know" is unknown (None) here, see :func:`parse_reply` to tell them apart."""
    if raw is None or isinstance(raw, DontKnow):
        return None
    if isinstance(raw, str):
        if not raw.strip() or _normalise(raw).rstrip("。.!！") in _DONT_KNOW_WORDS:
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
        WrongTypeError,
        feature,
        f"应为{expected[0]}，收到 {raw!r}",
        f"expected {expected[1]}, got {raw!r}",
    )


@dataclass(frozen=True)
class ParsedAnswers:
    """Typed answers that parsed, and a problem per answer that did not."""

    record: dict[str, Scalar | None]
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
    record: dict[str, Scalar | None] = {}
    problems: dict[str, AnswerFieldError] = {}
    for name, value in raw.items():
        feature = catalog.get(name)
        if feature is None or feature.derived:
            if strict:
                why = (
                    "不是本目录中的特征" if feature is None else "由其他特征计算得出，不能直接填写"
                )
                why_en = "is not a feature of the catalog" if feature is None else "is derived"
                problems[name] = NotAskableError(
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
    if parse_lang(lang) == "en" or not math.isfinite(value):
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
