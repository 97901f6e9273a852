"""Units of the catalog's number features as answers meet them: money (yuan and its multiples),
percent, durations, and how a number is shown back to the owner (``50万``, ``500,000``)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from loanmatch.domain.catalog import Feature
from loanmatch.lang import parse_lang

__all__ = [
    "MONEY_UNITS",
    "PERCENT_UNITS",
    "TIME_UNITS",
    "format_amount",
    "is_money",
    "normalise",
    "shown_number",
    "unit_key",
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

TIME_UNITS: Mapping[str, Mapping[str, float]] = {
    "months": {"months": 1.0, "years": 12.0, "days": 1.0 / 30.0, "weeks": 7.0 / 30.0},
    "years": {"years": 1.0, "months": 1.0 / 12.0, "days": 1.0 / 365.0, "weeks": 7.0 / 365.0},
    "days": {"days": 1.0, "months": 30.0, "years": 365.0, "weeks": 7.0},
}
"""Feature unit -> written unit -> factor (a month is 30 days, a year 365: *assumption*)."""


def normalise(raw: str) -> str:
    """NFKC, lower case, without spaces, underscores, apostrophes or thousands separators."""
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    return re.sub(r"[\s,_'’]", "", text)


def unit_key(feature: Feature) -> str:
    return normalise(feature.unit or "")


def is_money(feature: Feature) -> bool:
    """Whether the feature is an amount of money (its unit is yuan or a multiple of it)."""
    return feature.type == "number" and unit_key(feature) in MONEY_UNITS


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


def shown_number(feature: Feature, value: float, lang: str) -> str:
    """A value of ``feature`` as the owner reads it back: ``60万``, ``5年``, ``6%``, ``12人``."""
    zh = parse_lang(lang) != "en"
    if is_money(feature):
        return format_amount(value, lang) + ("元" if zh and abs(value) < 1e4 else "")
    number = _trim(round(value, 2))
    unit = unit_key(feature)
    if unit in PERCENT_UNITS:
        return f"{number}%"
    words = {"years": ("年", " years"), "months": ("个月", " months"), "days": ("天", " days")}
    if unit in words:
        return number + words[unit][0 if zh else 1]
    return number


def _exact(scaled: float, value: float, size: float) -> bool:
    return float(_trim(scaled)) * size == value


def _trim(number: float) -> str:
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
