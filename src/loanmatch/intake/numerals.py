"""Numbers as people write them in Chinese: ``五十万``, ``一百二十万``, ``三千``, ``两亿五千万``,
``一点五``, ``1万2千``, ``百分之六点五``, and durations such as ``3年``, ``18个月``, ``半年``.

Everything here works on text already normalised (NFKC, lower case, no spaces or thousands
separators) and returns ``None`` when the text is not such a number, so the caller decides what
to tell the owner.

Whole numbers in plain Chinese numerals (``一千零五万``, ``两万五``, ``壹仟贰佰``) are read by
`cn2an <https://pypi.org/project/cn2an/>`_ (0.5.24, pinned in pyproject); what it refuses and
people still write (``一点五万``, ``1万2千``, ``3十万``) by the small reader below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import cn2an

__all__ = ["DURATION_UNITS", "parse_chinese_number", "split_duration", "split_percent"]

_DIGITS: Mapping[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL_UNITS: Mapping[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS: Mapping[str, float] = {"万": 1e4, "亿": 1e8}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")

DURATION_UNITS: Mapping[str, str] = {
    "个月": "months",
    "months": "months",
    "month": "months",
    "mo": "months",
    "月": "months",
    "年": "years",
    "years": "years",
    "year": "years",
    "yrs": "years",
    "yr": "years",
    "天": "days",
    "日": "days",
    "days": "days",
    "day": "days",
}
"""Suffixes that say a number is a duration, and in which unit (longest suffixes first)."""

_HALF = {"半年": ("6", "months"), "一年半": ("18", "months"), "半个月": ("15", "days")}


def _tokens(text: str) -> list[float | str] | None:
    """Split into numbers (arabic or single Chinese digits) and unit characters."""
    out: list[float | str] = []
    i = 0
    while i < len(text):
        match = _ARABIC.match(text, i)
        if match is not None:
            out.append(float(match.group()))
            i = match.end()
            continue
        char = text[i]
        if char in _DIGITS:
            out.append(float(_DIGITS[char]))
        elif char in _SMALL_UNITS or char in _BIG_UNITS:
            out.append(char)
        else:
            return None
        i += 1
    return out


def _section(tokens: list[float | str]) -> float | None:
    """A number below 10,000 written with 十/百/千 (``一百二十``, ``三千``, ``十五``)."""
    total, current = 0.0, None
    for token in tokens:
        if isinstance(token, float):
            if token == 0 and current is None:
                continue  # 零 holds a place (一百零五)
            if current is not None:
                return None  # two digits in a row (一二) is not a number here
            current = token
        else:
            total += (1.0 if current is None else current) * _SMALL_UNITS[token]
            current = None
    return total + (current or 0.0)


def _integer_part(text: str) -> float | None:
    tokens = _tokens(text)
    if not tokens:
        return None
    total, start = 0.0, 0
    for index, token in enumerate(tokens):
        if isinstance(token, str) and token in _BIG_UNITS:
            part = _section(tokens[start:index]) if index > start else 1.0
            if part is None:
                return None
            total = (total + part) * _BIG_UNITS[token] if token == "亿" else total + part * 1e4
            start = index + 1
    rest = _section(tokens[start:]) if start < len(tokens) else 0.0
    if rest is None:
        return None
    return total + rest


_LIBRARY_CHARS = frozenset(_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS)


def _by_library(text: str) -> float | None:
    """cn2an's reading of a whole number in Chinese numerals only (None when it refuses)."""
    if not text or any(ch not in _LIBRARY_CHARS for ch in text):
        return None
    try:
        number = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return float(number) if isinstance(number, int | float) else None


def parse_chinese_number(text: str) -> float | None:
    """``五十万`` -> 500000, ``一点五万`` -> 15000, ``1万2千`` -> 12000; None if not a number."""
    chinese = any(ch in _DIGITS or ch in _SMALL_UNITS for ch in text)
    mixed = any(ch in _BIG_UNITS for ch in text) and _ARABIC.search(text) is not None
    if not chinese and not mixed:
        return None
    text = text.replace("个亿", "亿").replace("个万", "万")
    library = _by_library(text) if "点" not in text else None
    if library is not None:
        return library
    if "点" in text:
        whole, _, tail = text.partition("点")
        scale = 1.0
        for unit, size in (("亿", 1e8), ("万", 1e4), ("千", 1e3)):
            if tail.endswith(unit):
                tail, scale = tail[: -len(unit)], size
                break
        if not tail or any(ch not in _DIGITS for ch in tail):
            return None
        base = _integer_part(whole) if whole else 0.0
        if base is None:
            return None
        fraction = float("0." + "".join(str(_DIGITS[ch]) for ch in tail))
        return (base + fraction) * scale
    return _integer_part(text)


def split_percent(text: str) -> str | None:
    """The number part of ``百分之六`` / ``百分之6.5`` (None when the text is not written so)."""
    if text.startswith("百分之") and len(text) > 3:
        return text[3:]
    return None


def split_duration(text: str) -> tuple[str, str] | None:
    """``3年`` -> (``3``, ``years``); ``18个月`` -> (``18``, ``months``); None without a unit."""
    if text in _HALF:
        return _HALF[text]
    for suffix in sorted(DURATION_UNITS, key=len, reverse=True):
        if text.endswith(suffix) and len(text) > len(suffix):
            number = text[: -len(suffix)]
            if number.endswith("个") and suffix == "月":
                number = number[:-1]
            return number, DURATION_UNITS[suffix]
    return None
