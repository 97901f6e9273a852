"""Number answers as owners write them, in the feature's unit: ``想借30万``, ``六七十万``,
``三年期``, ``快六年了``, ``2019年成立的``, ``十几个人``, ``就一家银行``, ``逾期过一次``,
``从来没逾期过`` (0 for a count), ``年化6%以内``, ``月息一分`` (12% a year), ``涨了两成``,
``about 50k``, ``six years``, ``under 10%``.

:func:`read_number` returns a float or a :class:`Range` (checked against the feature's min and
max), or raises :class:`NotUnderstoodError` naming the feature and the text. Bounds: ``以内`` /
``不超过`` / ``under`` give ``Range(None, n)``, ``以上`` / ``超过`` / ``over`` ``Range(n, None)``.
"""

from __future__ import annotations

import re
from datetime import date

from loanmatch.domain.catalog import Feature
from loanmatch.errors import NotUnderstoodError
from loanmatch.intake.amount_words import (
    ALL_MONTHS,
    ASAP,
    DOUBLED,
    FALL,
    FLAT,
    LEAD,
    LOWER,
    MONTHLY_RATE,
    NUMBER_UNITS,
    ONLY_ME,
    PERIOD_MONTH,
    PERIOD_YEAR,
    RISE,
    SOON,
    SUFFIX_ONLY,
    TRAILERS,
    UPPER,
)
from loanmatch.intake.approximate import read_amount
from loanmatch.intake.dates import read_year_answer
from loanmatch.intake.english import english_number
from loanmatch.intake.numerals import split_duration, split_percent
from loanmatch.intake.phrases import answer_length, clean, yes_or_no
from loanmatch.intake.problems import check_range, problem
from loanmatch.intake.ranges import Range, is_upper_bound
from loanmatch.intake.units import MONEY_UNITS, PERCENT_UNITS, TIME_UNITS, is_money, unit_key

__all__ = ["read_number"]

Number = float | Range

_WEEKS = re.compile(r"^(.+?)(个星期|星期|个礼拜|礼拜|周|weeks|week)$")
_HALF_AFTER = re.compile(r"^(.+?)(年|个月)半$")
_MOVE_MARK = re.compile(r"^(.+?)(个月|年|岁|天|周|个人|个|人|名|家|次|套|笔|万|亿|千)(多|出头|来)$")
_CN_POINTS = re.compile(r"^(.+?)个?点$")
_THOUSANDS = re.compile(r"(?<=\d)[,，'’_ ](?=\d{3}(?!\d))")
_SPAN = re.compile(
    r"(?:快|将近|接近)?[0-9.零〇一二两三四五六七八九十百千万亿几]+(?:个)?(?:亿|万|w|k)?"
    r"(?:多|出头|来)?(?:亿|万)?(?:个月|个人|个|年|月|天|周|岁|人|名|家|次|套|笔|起|元|块|%)?(?:多|出头|左右)?"
)
_NONE_AT_ALL = re.compile(r"^(?:连)?一[次个家笔起张套件位]?(?:都|也)(?:没|没有|无)")
"""``一次都没有``, ``一家也没``: not one."""
_SPAN_CHARS = 14
"""Longest answer (characters, without spaces) whose one number is read out of other words."""
_TO = re.compile(r"^(.+?)\s*(?:到|至|~|-|–|—|to)\s*(.+)$")
_FEN_LI = re.compile(r"^(.+?)(分|厘)(利|钱)?$")


def _strip_words(text: str, words: tuple[str, ...], *, start: bool) -> tuple[str, bool]:
    for word in sorted(words, key=len, reverse=True):
        latin = word[-1:].isascii() and word[-1:].isalpha()
        if start and text.startswith(word) and len(text) > len(word):
            if latin and text[len(word)].isalpha():
                continue  # "for" is not the start of "forty"
            return text[len(word) :].strip(), True
        if not start and text.endswith(word) and len(text) > len(word):
            if word[:1].isascii() and word[:1].isalpha() and text[-len(word) - 1].isalpha():
                continue
            return text[: -len(word)].strip(), True
    return text, False


def _zero_allowed(feature: Feature) -> bool:
    """A "no" is 0 where 0 is a value (a count, an amount held, months of something)."""
    return feature.min is not None and feature.min <= 0 and feature.name != "revenue_growth"


def _scale(value: Number, factor: float) -> Number:
    return value * factor if isinstance(value, float) else value.scaled(factor)


def _core(feature: Feature, text: str) -> Number | None:
    """One number with its unit (``30万``, ``三年``, ``6.5%``, ``十几个``), no other words."""
    unit = unit_key(feature)
    text = text.strip()
    if not text:
        return None
    spoken = split_percent(text.replace(" ", ""))
    if spoken is not None:
        text = spoken + "%"
    percent = text.endswith(("%", "percent", "pct"))
    if percent:
        text = re.sub(r"\s*(%|percent|pct)$", "", text)
    points = _CN_POINTS.match(text.replace(" ", "")) if unit in PERCENT_UNITS else None
    if points is not None and not percent:
        text, percent = points.group(1), True
    compact = text.replace(" ", "")
    moved = _MOVE_MARK.match(compact)
    if moved is not None and unit in TIME_UNITS and moved.group(2) in ("年", "个月", "天", "周"):
        whole = _core(feature, moved.group(1) + moved.group(2))
        if isinstance(whole, float) and moved.group(3) in ("多", "出头"):
            one = _core(feature, "1" + moved.group(2))
            if isinstance(one, float):
                return Range(whole, whole + one)
        return whole
    if moved is not None:
        compact = moved.group(1) + moved.group(3) + moved.group(2)
    if unit in TIME_UNITS:
        half = _HALF_AFTER.match(compact)
        weeks = _WEEKS.match(compact)
        if half is not None:
            inner = _core(feature, half.group(1) + half.group(2))
            step = TIME_UNITS[unit]["years" if half.group(2) == "年" else "months"] / 2
            return None if inner is None else _add(inner, step)
        if weeks is not None:
            inner = _amount(feature, weeks.group(1))
            return None if inner is None else _scale(inner, TIME_UNITS[unit]["weeks"])
        duration = split_duration(compact.removesuffix("期") if len(compact) > 1 else compact)
        if duration is None and " " in text:
            duration = split_duration(text.rsplit(" ", 1)[0] + text.rsplit(" ", 1)[1])
        if duration is not None:
            inner = _amount(feature, duration[0].strip())
            if inner is not None:
                return _scale(inner, TIME_UNITS[unit][duration[1]])
    body = compact
    for _ in range(2):
        body, _found = _strip_words(body, NUMBER_UNITS, start=False)
        if unit and unit not in PERCENT_UNITS:
            body = body.removesuffix(unit) or body
    body = body.removeprefix("¥").removeprefix("rmb").removeprefix("cny")
    value = _amount(feature, body)
    if value is None:
        english = re.sub(r"\s*(" + "|".join(map(re.escape, NUMBER_UNITS)) + r")$", "", text)
        value = _amount(feature, english)
    if value is None:
        return None
    if percent and unit not in PERCENT_UNITS:
        value = _scale(value, 0.01)
    return value


def _add(value: Number, step: float) -> Number:
    if isinstance(value, float):
        return value + step
    return Range(
        None if value.low is None else value.low + step,
        None if value.high is None else value.high + step,
    )


def _amount(feature: Feature, text: str) -> Number | None:
    if not text:
        return None
    negative = text.startswith(("-", "负", "−"))
    body = text[1:] if negative else text
    value: Number | None = read_amount(body.replace(" ", ""))
    if value is None:
        english = english_number(body)
        value = None if english is None else float(english)
    if value is None:
        return None
    if any(mark in body for mark in ("万", "亿", "千", "w", "k", "million", "thousand")):
        value = _scale(value, 1.0 / MONEY_UNITS.get(unit_key(feature), 1.0))
    return _scale(value, -1.0) if negative else value


def _bounded(feature: Feature, text: str) -> tuple[str, str]:
    """``text`` without a bound word, and which bound it was ("upper", "lower" or "")."""
    for kind, words in (("upper", UPPER), ("lower", LOWER)):
        for word in sorted(words, key=len, reverse=True):
            if word not in SUFFIX_ONLY and text.startswith(word) and len(text) > len(word):
                return text[len(word) :].strip(), kind
            if text.endswith(word) and len(text) > len(word) and (word != "内" or "以" not in text):
                return text[: -len(word)].strip(), kind
    return text, ""


def _span(feature: Feature, text: str) -> Number | None:
    """The one number of a longer sentence (``去年做了600多万``, ``在建行有一笔``): of the number
    spans that read, the only one; or for money the only one with a scale (万, 元, k)."""
    compact = text.replace(" ", "")
    if answer_length(text) > _SPAN_CHARS:
        return None  # a long message is more likely a question or a story than an answer
    spans = [m.group(0) for m in _SPAN.finditer(compact)]
    if is_money(feature):
        spans = [span for span in spans if re.search(r"[0-9万亿元块wk]", span)]
    read = [(span, _core(feature, span)) for span in spans if span.strip("点.多来余")]
    found = [(span, value) for span, value in read if value is not None]
    if len(found) > 1 and is_money(feature):
        found = [(span, v) for span, v in found if re.search(r"[万亿元块wk]", span)]
    if len(found) > 1:
        units = (*NUMBER_UNITS, "年", "月", "天", "周", "%")
        found = [(span, v) for span, v in found if span.endswith(units)]
    return found[0][1] if len(found) == 1 else None


def _between(feature: Feature, text: str) -> Number | None:
    """``20万到30万``, ``一到两年``, ``3-5年``, ``20 to 30``: both ends (the second's unit)."""
    match = _TO.match(text)
    if match is None:
        return None
    high = _core(feature, match.group(2))
    if not isinstance(high, float):
        return None
    tail = re.sub(r"^[0-9.零〇一二两三四五六七八九十百千]+", "", match.group(2))
    bare = re.fullmatch(r"[0-9.零〇一二两三四五六七八九十百千]+", match.group(1)) is not None
    low = _core(feature, match.group(1) + tail) if tail and bare else _core(feature, match.group(1))
    if not isinstance(low, float) and tail:
        low = _core(feature, match.group(1))
    if not isinstance(low, float) or low > high:
        return None
    return Range(low, high) if low != high else low


def _fen_li(text: str) -> float | None:
    """``一分`` (1%), ``八厘`` (0.8%): a monthly rate as people say it."""
    match = _FEN_LI.match(text)
    if match is None:
        return None
    number = read_amount(match.group(1))
    if not isinstance(number, float):
        return None
    return number if match.group(2) == "分" else number / 10


def _phrase(feature: Feature, text: str, compact: str) -> Number | None:
    """Whole-answer phrases: just me, as soon as possible, every month, flat, no (0)."""
    unit = unit_key(feature)
    if feature.name == "employees" and (compact in ONLY_ME or text in ONLY_ME):
        return 1.0
    if unit == "days" and (compact in ASAP or text in ASAP):
        return 0.0
    if unit == "months" and feature.max is not None and any(w in text for w in ALL_MONTHS):
        return float(feature.max)
    if unit in PERCENT_UNITS and feature.min is not None and feature.min < 0:
        versus = re.sub(r"^(跟|和|与|比)(去年|上年|往年)", "", compact)
        if compact in FLAT or text in FLAT or versus in FLAT:
            return 0.0
        if any(word in compact for word in DOUBLED):
            return 100.0
    if unit == "days":
        for words, days in SOON:
            if any(compact.startswith(word) for word in words):
                return days
    if _zero_allowed(feature) and _NONE_AT_ALL.match(compact):
        return 0.0
    numeral = re.search(r"[0-9一二两三四五六七八九十百千几]", compact)
    if _zero_allowed(feature) and not numeral and yes_or_no(text) is False:
        return 0.0
    return None


def _read(feature: Feature, text: str, today: date) -> Number | None:
    compact = text.replace(" ", "")
    phrase = _phrase(feature, text, compact)
    if phrase is not None:
        return phrase
    year = read_year_answer(feature, compact if not re.search("[a-z]", text) else text, today)
    if year is not None:
        return year
    monthly_rate = False
    if unit_key(feature) in PERCENT_UNITS:
        text, monthly_rate = _strip_words(text, MONTHLY_RATE, start=True)
    sign = 1.0
    if feature.min is not None and feature.min < 0:
        signs: tuple[tuple[tuple[str, ...], float], ...] = ((FALL, -1.0), (RISE, 1.0))
        for words, direction in signs:
            text, found = _strip_words(text, words, start=True)
            if found:
                sign = direction
                break
    text, _found = _strip_words(text, TRAILERS, start=False)
    text, bound = _bounded(feature, text)
    period = ""
    periods: tuple[tuple[tuple[str, ...], str], ...] = (
        (PERIOD_MONTH, "month"),
        (PERIOD_YEAR, "year"),
    )
    for _ in range(3):
        for words, name in periods if is_money(feature) and not period else ():
            stripped, found = _strip_words(text, words, start=True)
            if found:
                text, period = stripped, name
                break
        text, _found = _strip_words(text, LEAD, start=True)
        text, _found = _strip_words(text, TRAILERS, start=False)
    if not bound:
        text, bound = _bounded(feature, text)
    if is_money(feature) and not period:
        for words, name in periods:
            stripped, found = _strip_words(text, words, start=False)
            if found:
                text, period = stripped, name
                break
    if unit_key(feature) in PERCENT_UNITS and not monthly_rate:
        text, monthly_rate = _strip_words(text, MONTHLY_RATE, start=False)
    value = _core(feature, text)
    if value is None and not text.startswith("-"):
        value = _between(feature, text)
    if value is None:
        year = read_year_answer(feature, text.replace(" ", ""), today)
        if year is not None:
            return year
    if value is None and unit_key(feature) in PERCENT_UNITS:
        if text.replace(" ", "").endswith("成"):
            inner = _core(feature, text.replace(" ", "")[:-1])
            value = None if inner is None else _scale(inner, 10.0)
        elif (fen := _fen_li(text.replace(" ", ""))) is not None:
            value, monthly_rate = fen, True
    if value is None:
        value = _span(feature, text)
    if value is None:
        return None
    if monthly_rate and unit_key(feature) in PERCENT_UNITS:
        value = _scale(value, 12.0)
    name = feature.name
    if period == "month" and ("annual" in name or "last_year" in name or name.endswith("12m")):
        value = _scale(value, 12.0)
    elif period == "year" and "monthly" in name:
        value = _scale(value, 1.0 / 12.0)
    value = _scale(value, sign)
    if bound and isinstance(value, float):
        value = Range(None, value) if bound == "upper" else Range(value, None)
        if is_upper_bound(feature) and value.high is not None:
            return value.high
    return value


def read_number(feature: Feature, raw: str, today: date) -> Number:
    """The number (or range) ``raw`` gives for ``feature``; NotUnderstoodError otherwise."""
    text = _THOUSANDS.sub("", clean(raw))
    value = _read(feature, text, today)
    if value is None:
        shown = raw.strip()
        raise problem(
            NotUnderstoodError,
            feature,
            f"抱歉，“{shown}”不是有效的数字（可以写 500000、50万 或 五十万）",
            f"sorry, {shown!r} is not a number (write e.g. 500000, 50万 or 五十万)",
        )
    if isinstance(value, float):
        return check_range(feature, value)
    low = None if value.low is None else check_range(feature, value.low)
    high = None if value.high is None else value.high
    if high is not None and feature.max is not None and high > feature.max:
        high = float(feature.max)
    if high is not None and low is not None and high < low:
        return check_range(feature, value.high if value.high is not None else low)
    return Range(low, high) if low != high or low is None else low
