"""A feature's value in the owner's language: labels for categories, units in words.

One place turns a value into text for every reader (reasons, the "not yet" plan, the chat's
echo of an answer): a category by its catalog label (``jiangsu`` -> 江苏 / Jiangsu), a boolean
as 是/否 or yes/no, an amount of yuan as ``30万元`` / ``300,000 yuan``, and a number with its
unit in the language of the text (``5年`` / ``5 years``, ``12个月`` / ``12 months``, ``0次`` /
``0``). A unit the catalog names and this module does not know is kept only where it is in
that language's script (a Chinese unit in Chinese text, a Latin one in English text), so an
English word never reaches a Chinese sentence nor the reverse.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, Decimal

from loanmatch.domain.catalog import Feature, Scalar
from loanmatch.lang import parse_lang

__all__ = [
    "format_code",
    "format_money",
    "format_number",
    "format_range",
    "format_value",
    "short_label",
]

_UNITS_EN: dict[str, tuple[str, str]] = {
    "yuan": ("yuan", "yuan"),
    "years": ("year", "years"),
    "months": ("month", "months"),
    "days": ("day", "days"),
    "points": ("point", "points"),
}
"""Known catalog units in English: (singular, plural)."""
_UNITS_ZH: dict[str, str] = {
    "yuan": "元",
    "years": "年",
    "months": "个月",
    "days": "天",
    "points": "分",
    "percent": "%",
}
_BARE = frozenset({"ratio"})
"""Units shown as a bare number in both languages."""
_UNIT_WORDS = frozenset(
    {"元", "%", "月", "个月", "年", "天", "分", "yuan", "months", "years", "days", "points"}
)
"""Words a label may end with in brackets to say its unit ("申请金额（元）")."""
_CJK = re.compile(r"[\u3400-\u9fff]")


def _is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def format_number(value: float) -> str:
    """A plain number: whole numbers with thousands separators, others to two decimals."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _trim(number: float) -> str:
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_money(yuan: float, lang: str = "zh") -> str:
    """An amount of yuan without the unit: ``30万``, ``12.34万``, ``1.5亿``, ``800`` in Chinese
    (exact to the yuan, never rounded up), ``300,000`` in English."""
    if parse_lang(lang) == "en" or not math.isfinite(yuan):
        return format_number(yuan)
    for word, size in (("亿", 1e8), ("万", 1e4)):
        if abs(yuan) >= size and float(_trim(yuan / size)) * size == yuan:
            return f"{_trim(yuan / size)}{word}"
    if abs(yuan) >= 1e4:  # to 0.0001万 (one yuan), rounded toward zero, in decimal arithmetic
        wan = (Decimal(repr(yuan)) / 10_000).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
        return f"{_trim(float(wan))}万"
    return _trim(yuan)


def _is_age(feature: Feature) -> bool:
    return "年龄" in feature.label.zh or re.search(r"\bage\b", feature.label.en.lower()) is not None


def _count_word(feature: Feature) -> str:
    """The Chinese measure word of a count: people, institutions, else times."""
    label = feature.label.zh
    if "人数" in label or "员工" in label:
        return "人"
    if "机构" in label or "家数" in label:
        return "家"
    if "案件" in label:
        return "起"
    return "次"


def _with_unit(feature: Feature, number: str, plural: bool, lang: str) -> str:
    unit = feature.unit or ""
    if parse_lang(lang) == "en":
        if unit == "percent":
            return f"{number}%"
        if unit in _UNITS_EN:
            singular, many = _UNITS_EN[unit]
            if unit == "years" and _is_age(feature):
                return f"{number} years old" if plural else f"{number} year old"
            return f"{number} {many if plural else singular}"
        if not unit or unit in _BARE or unit == "count" or _is_chinese(unit):
            return number
        return f"{number} {unit}"
    if unit == "years" and _is_age(feature):
        return f"{number}岁"
    if unit == "count":
        return f"{number}{_count_word(feature)}"
    if unit in _UNITS_ZH:
        return f"{number}{_UNITS_ZH[unit]}"
    if unit and _is_chinese(unit):
        return f"{number}{unit}"
    return number


def _number_text(feature: Feature, value: float, lang: str) -> str:
    if feature.unit == "yuan":
        return format_money(value, lang)
    return format_number(value)


def format_value(feature: Feature, value: Scalar | None, lang: str = "zh") -> str:
    """One value as the owner reads it in ``lang``: ``江苏``, ``是``, ``30万元``, ``5年``,
    ``12个月``, ``0次`` / ``Jiangsu``, ``yes``, ``300,000 yuan``, ``5 years``, ``12 months``."""
    en = parse_lang(lang) == "en"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown" if en else "未知"
    if feature.type == "category":
        return feature.category_label(str(value), lang)
    if feature.type == "boolean":
        truth = value if isinstance(value, bool) else str(value).lower() in ("true", "1", "1.0")
        if en:
            return "yes" if truth else "no"
        return "是" if truth else "否"
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
    else:
        number = float(value)
    return _with_unit(feature, _number_text(feature, number, lang), number != 1, lang)


def format_code(feature: Feature, code: float, lang: str = "zh") -> str:
    """An encoded value (``Values``: category index, 0/1, NaN unknown) as the owner reads it."""
    if math.isnan(code):
        return format_value(feature, None, lang)
    if feature.type == "category":
        index = int(code)
        if 0 <= index < len(feature.categories):
            return format_value(feature, feature.categories[index], lang)
        return format_number(code)
    if feature.type == "boolean":
        return format_value(feature, bool(code), lang)
    return format_value(feature, float(code), lang)


def format_range(feature: Feature, low: float, high: float, lang: str = "zh") -> str:
    """Two numbers of one feature with the unit said once: ``1万-30万元``, ``18-60岁``,
    ``10,000-300,000 yuan``, ``3-12 months``."""
    left = _number_text(feature, low, lang)
    return _with_unit(feature, f"{left}-{_number_text(feature, high, lang)}", True, lang)


def short_label(feature: Feature, lang: str = "zh") -> str:
    """The feature's label without a trailing unit in brackets ("申请金额（元）" -> "申请金额",
    "经营性负债余额（企业及实控人，元）" -> "经营性负债余额（企业及实控人）"): in a sentence the
    value carries its unit."""
    label = feature.display(lang).rstrip()
    match = re.search(r"\s*[（(]([^（）()]*)[）)]$", label)
    if match is None:
        return label
    parts = [p.strip() for p in re.split(r"[，,]", match.group(1))]
    if parts[-1].lower() not in _UNIT_WORDS:
        return label
    head = label[: match.start()]
    kept = parts[:-1]
    if not kept:
        return head
    separator = "，" if parse_lang(lang) != "en" else ", "
    opening, closing = ("(", ")") if parse_lang(lang) == "en" else ("（", "）")
    return f"{head}{opening}{separator.join(kept)}{closing}"
