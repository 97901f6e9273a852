"""Answers that give a year instead of a duration: ``2019年成立的``, ``since 2019``, ``19年开的``
(a firm's age, counted to ``today``), ``七五年的``, ``1980年出生``, ``80后`` (an owner's age).

The owner did not say the day, so the answer is a :class:`Range`: founded in 2019 is from
(today - 31 Dec 2019) to (today - 1 Jan 2019); born in 1975 is ``today.year - 1976`` to
``today.year - 1975`` years old. ``today`` is always passed in (tests fix it).
"""

from __future__ import annotations

import re
from datetime import date

from loanmatch.domain.catalog import Feature
from loanmatch.intake.ranges import Range

__all__ = ["read_year_answer"]

_DIGITS = {
    "零": "0", "〇": "0", "○": "0", "o": "0", "一": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_YEAR_WORDS = r"[0-9零〇○一二两三四五六七八九]"
_STARTED = (
    "成立", "注册", "开业", "开张", "开的", "开始", "创办", "创立", "办的", "办理", "办下来",
    "拿到", "拿的", "领的", "起", "以来", "至今", "到现在", "开", "办", "干", "做", "交",
)  # fmt: skip
_CN_YEAR = re.compile(
    rf"^(?:从|自|于|是|在)?({_YEAR_WORDS}{{2}}|{_YEAR_WORDS}{{4}})年(?:(\d{{1,2}})月)?(.*)$"
)
_EN_YEAR = re.compile(
    r"^(?:since|from|in|founded|founded in|started|started in|established|established in|"
    r"registered|registered in|opened|opened in|born|born in|est\.?)?\s*((?:19|20)\d{2})$"
)
_GENERATION = re.compile(rf"^({_YEAR_WORDS}{{2}})后$")


def _is_owner_age(feature: Feature) -> bool:
    return feature.name == "owner_age" or (feature.label.zh or "").endswith("年龄")


def _elapsed_feature(feature: Feature) -> bool:
    return feature.type == "number" and feature.unit in ("years", "months")


def _year(digits: str, today: date, feature: Feature) -> int | None:
    text = "".join(_DIGITS.get(ch, ch) for ch in digits)
    if not text.isdigit():
        return None
    year = int(text)
    if len(text) == 2:
        year = 2000 + year if 2000 + year <= today.year else 1900 + year
        if _is_owner_age(feature) and feature.min is not None and today.year - year < feature.min:
            year -= 100
    return year if 1900 <= year <= today.year else None


def _since(year: int, month: int | None, today: date, unit: str | None) -> Range | None:
    if month is not None and not 1 <= month <= 12:
        return None
    first = date(year, month or 1, 1)
    if month is None or month == 12:
        last = date(year, 12, 31)
    else:
        last = date(year, month + 1, 1).replace(day=1)
        last = date.fromordinal(last.toordinal() - 1)
    if first > today:
        return None
    last = min(last, today)
    factor = 12.0 if unit == "months" else 1.0
    low = (today - last).days / 365.25 * factor
    high = (today - first).days / 365.25 * factor
    return Range(round(low, 2), round(high, 2))


def _age(born_low: int, born_high: int, today: date) -> Range:
    return Range(float(today.year - born_high - 1), float(today.year - born_low))


def read_year_answer(feature: Feature, text: str, today: date) -> Range | None:
    """The firm's age or the owner's age from a year in ``text`` (cleaned, compact for
    Chinese), or None when ``text`` does not give a year."""
    if not _elapsed_feature(feature):
        return None
    owner = _is_owner_age(feature)
    generation = _GENERATION.match(text)
    if generation is not None and owner:
        decade = _year(generation.group(1), today, feature)
        return None if decade is None else _age(decade, min(decade + 9, today.year), today)
    match = _CN_YEAR.match(text)
    if match is not None:
        digits, month, rest = match.group(1), match.group(2), match.group(3)
        rest = rest.rstrip("的了")
        if (
            rest
            and not (owner and rest in ("生", "出生", "生的", "出生的", "人", "属"))
            and not any(rest.startswith(word) for word in _STARTED)
        ):
            return None
        if not owner and len(digits) == 2 and not rest:
            return None  # 十五年 is fifteen years, not 2015
        year = _year(digits, today, feature)
        if year is None:
            return None
        if owner:
            return _age(year, year, today)
        return _since(year, int(month) if month else None, today, feature.unit)
    english = _EN_YEAR.match(text)
    if english is not None:
        year = _year(english.group(1), today, feature)
        if year is None or (feature.max is not None and year <= feature.max):
            return None
        return _age(year, year, today) if owner else _since(year, None, today, feature.unit)
    return None
