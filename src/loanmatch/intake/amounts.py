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
from loanmatch.intake.approximate import read_amount
from loanmatch.intake.dates import read_year_answer
from loanmatch.intake.english import english_number
from loanmatch.intake.numerals import split_duration, split_percent
from loanmatch.intake.phrases import clean, yes_or_no
from loanmatch.intake.problems import check_range, problem
from loanmatch.intake.ranges import Range, is_upper_bound
from loanmatch.intake.units import MONEY_UNITS, PERCENT_UNITS, TIME_UNITS, is_money, unit_key

__all__ = ["read_number"]

Number = float | Range

_UPPER = (
    "不超过", "不高于", "不大于", "最多", "顶多", "最高", "至多", "不到", "少于", "低于", "小于",
    "以内", "之内", "以下", "内", "under", "below", "less than", "at most", "up to", "within",
    "no more than", "not more than", "max", "maximum", "tops", "or less", "or below", "<",
)  # fmt: skip
_LOWER = (
    "超过", "至少", "起码", "最少", "不少于", "不低于", "多于", "高于", "大于", "以上", "往上",
    "over", "above", "more than", "at least", "min", "minimum", "or more", "plus", "+", ">",
)  # fmt: skip
_SUFFIX_ONLY = frozenset({"以内", "之内", "以下", "内", "以上", "往上", "or less", "or below",
                          "or more", "plus", "+", "tops"})  # fmt: skip
_LEAD = (
    "大概是", "大概有", "一共", "总共", "合计", "大约", "想借", "想贷", "想要", "需要", "打算借",
    "借", "贷", "要", "有", "就", "只有", "只", "才", "差不多有", "也就", "今年", "现在", "目前",
    "已经", "已", "年收入", "年营收", "营收", "营业额", "流水", "年化", "年利率", "利率", "利息",
    "大概", "交了", "缴了", "持证", "开了", "干了", "做了",
    "成立", "经营了", "成立了", "逾期过", "逾期了", "逾期", "查过", "查了", "被查了", "被告过",
    "罚过", "处罚过", "员工", "有员工", "招了", "雇了", "在", "欠", "还欠", "负债", "贷款",
    "about", "around", "roughly", "approximately", "approx", "nearly", "almost", "maybe",
    "we have", "i have", "we had", "i had", "we owe", "i owe", "it's", "its", "it is", "i'm",
    "i am", "we are", "we need", "i need", "need", "we made", "made", "roughly", "just",
    "only", "since", "for", "~", "约",
)  # fmt: skip
_NUMBER_UNITS = (
    "块钱", "人民币", "元钱", "个人", "个员工", "名员工", "个工人", "家银行", "家机构", "家",
    "个月", "块", "元", "人", "名", "个", "次", "岁", "套", "笔", "起", "张", "户", "位", "期",
    "项",
    "yuan", "rmb", "cny", "people", "persons", "staff", "employees", "workers", "lenders",
    "banks", "loans", "times", "points", "years old", "yrs old", "y/o",
)  # fmt: skip
_TRAILERS = ("了", "的", "吧", "左右", "上下", "前后", "的样子", "样子", "这样子", "这样", "过")
_MONTHLY_RATE = ("月息", "月利率", "月利", "每月", "per month", "a month", "monthly")
_RISE = ("增长了", "增长", "涨了", "上涨", "多了", "增加了", "增加", "提高了", "上升了", "升了",
         "涨", "up", "grew", "grown", "increased", "rose")  # fmt: skip
_FALL = ("下降了", "下降", "降了", "下滑了", "下滑", "减少了", "减少", "少了", "跌了", "亏了",
         "降低了", "down", "fell", "dropped", "decreased", "declined", "shrank")  # fmt: skip
_FLAT = frozenset({"持平", "差不多", "没变", "没变化", "没什么变化", "一样", "跟去年一样",
                   "和去年差不多", "flat", "same", "no change", "unchanged",
                   "about the same"})  # fmt: skip
_ONLY_ME = frozenset({"就我一个", "就我自己", "只有我", "只有我一个", "我一个人", "我自己", "就我",
                      "只有我自己", "一个人", "just me", "only me", "me alone",
                      "myself"})  # fmt: skip
_ASAP = frozenset({"越快越好", "马上", "马上要", "急用", "急需", "现在就要", "尽快", "今天",
                   "立刻", "asap", "now", "right away", "immediately", "today", "urgent",
                   "as soon as possible"})  # fmt: skip
_ALL_MONTHS = ("每个月都", "每月都", "都开", "一直都开", "一直开", "every month", "all of them")
_PERIOD_MONTH = ("每个月", "每月", "一个月", "月均", "月流水", "a month", "per month", "monthly")
_PERIOD_YEAR = ("一年", "每年", "全年", "年均", "a year", "per year", "annually", "yearly")
_WEEKS = re.compile(r"^(.+?)(个星期|星期|个礼拜|礼拜|周|weeks|week)$")
_HALF_AFTER = re.compile(r"^(.+?)(年|个月)半$")
_MOVE_MARK = re.compile(r"^(.+?)(个月|年|岁|天|周|个人|个|人|名|家|次|套|笔|万|亿|千)(多|出头|来)$")
_CN_POINTS = re.compile(r"^(.+?)个?点$")
_THOUSANDS = re.compile(r"(?<=\d)[,，'’_ ](?=\d{3}(?!\d))")
_FEN_LI = re.compile(r"^(.+?)(分|厘)(利|钱)?$")


def _strip_words(text: str, words: tuple[str, ...], *, start: bool) -> tuple[str, bool]:
    for word in sorted(words, key=len, reverse=True):
        if start and text.startswith(word) and len(text) > len(word):
            return text[len(word) :].strip(), True
        if not start and text.endswith(word) and len(text) > len(word):
            return text[: -len(word)].strip(), True
    return text, False


def _zero_allowed(feature: Feature) -> bool:
    question = (feature.question.zh or "") + (feature.question.en or "")
    return unit_key(feature) == "count" or "没有请填0" in question or "0 if none" in question


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
        body, _found = _strip_words(body, _NUMBER_UNITS, start=False)
        if unit and unit not in PERCENT_UNITS:
            body = body.removesuffix(unit) or body
    body = body.removeprefix("¥").removeprefix("rmb").removeprefix("cny")
    value = _amount(feature, body)
    if value is None:
        english = re.sub(r"\s*(" + "|".join(map(re.escape, _NUMBER_UNITS)) + r")$", "", text)
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
    for kind, words in (("upper", _UPPER), ("lower", _LOWER)):
        for word in sorted(words, key=len, reverse=True):
            if word not in _SUFFIX_ONLY and text.startswith(word) and len(text) > len(word):
                return text[len(word) :].strip(), kind
            if text.endswith(word) and len(text) > len(word) and (word != "内" or "以" not in text):
                return text[: -len(word)].strip(), kind
    return text, ""


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
    if feature.name == "employees" and (compact in _ONLY_ME or text in _ONLY_ME):
        return 1.0
    if unit == "days" and (compact in _ASAP or text in _ASAP):
        return 0.0
    if unit == "months" and feature.max is not None and any(w in text for w in _ALL_MONTHS):
        return float(feature.max)
    if (
        unit in PERCENT_UNITS
        and feature.min is not None
        and feature.min < 0
        and (compact in _FLAT or text in _FLAT)
    ):
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
        text, monthly_rate = _strip_words(text, _MONTHLY_RATE, start=True)
    sign = 1.0
    if feature.min is not None and feature.min < 0:
        signs: tuple[tuple[tuple[str, ...], float], ...] = ((_FALL, -1.0), (_RISE, 1.0))
        for words, direction in signs:
            text, found = _strip_words(text, words, start=True)
            if found:
                sign = direction
                break
    text, bound = _bounded(feature, text)
    period = ""
    periods: tuple[tuple[tuple[str, ...], str], ...] = (
        (_PERIOD_MONTH, "month"),
        (_PERIOD_YEAR, "year"),
    )
    for _ in range(3):
        for words, name in periods if is_money(feature) and not period else ():
            stripped, found = _strip_words(text, words, start=True)
            if found:
                text, period = stripped, name
                break
        text, _found = _strip_words(text, _LEAD, start=True)
        text, _found = _strip_words(text, _TRAILERS, start=False)
    if not bound:
        text, bound = _bounded(feature, text)
    value = _core(feature, text)
    if value is None and unit_key(feature) in PERCENT_UNITS:
        if text.replace(" ", "").endswith("成"):
            inner = _core(feature, text.replace(" ", "")[:-1])
            value = None if inner is None else _scale(inner, 10.0)
        elif (fen := _fen_li(text.replace(" ", ""))) is not None:
            value, monthly_rate = fen, True
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
