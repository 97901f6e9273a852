"""Numbers said roughly: ``六七十万`` (60万-70万), ``十几`` (11-19), ``五十多万`` (50万-60万),
``五十出头`` (50-54), ``八百来万`` and ``两百万左右`` (about the number itself), ``快六`` (5-6),
``20多`` (20-30), ``1.2个亿``, ``30w``, ``3十万``.

:func:`read_amount` works on normalised text holding just the number (the unit after it, such as
元 or 人, already taken off) and returns a float, a :class:`Range`, or None when the text is not
a number. Arabic digits with 万 / 亿 / w / k and whole Chinese numerals go through
:func:`parse_chinese_number` (cn2an); the rough forms are this module's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from loanmatch.intake.numerals import parse_chinese_number
from loanmatch.intake.ranges import Range

__all__ = ["place_of", "read_amount"]

_DIGIT_VALUES: Mapping[str, int] = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_DIGIT_OF = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}
_SCALES: tuple[tuple[str, float], ...] = (
    ("个亿", 1e8),
    ("亿", 1e8),
    ("个万", 1e4),
    ("万", 1e4),
    ("w", 1e4),
    ("k", 1e3),
    ("千", 1e3),
)
_ABOUT_AFTER = ("左右", "上下", "前后", "的样子", "这样", "这样子", "样子", "来")
_ABOUT_BEFORE = ("大概", "大约", "约莫", "约", "差不多", "估计", "应该", "可能", "大致", "将就")
_NEARLY_BEFORE = ("快到", "快", "将近", "接近", "差不多快", "马上")
_ARABIC = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$")
_PAIR = re.compile(r"([一二两三四五六七八九])([二两三四五六七八九])")


def place_of(number: float) -> float:
    """The place of the last significant digit: 50 -> 10, 55 -> 1, 100 -> 100, 1.2 -> 0.1."""
    if number <= 0 or not math.isfinite(number):
        return 1.0
    if float(number).is_integer():
        place = 1.0
        while number % (place * 10) == 0:
            place *= 10
        return place
    decimals = len(f"{number:.6f}".rstrip("0").split(".")[1])
    return float(10.0**-decimals)


def _nearly_step(number: float) -> float:
    """How far below ``number`` 快 / 将近 reaches: 快六 5-6, 快五十 40-50, 快一百 90-100."""
    place = place_of(number)
    leading = int(number // place) % 10 if place >= 1 else 2
    return place if leading > 1 else place / 10


def _exact(text: str) -> float | None:
    if not text:
        return None
    if _ARABIC.match(text):
        return float(text)
    return parse_chinese_number(text)


def _spread(body: str) -> tuple[float, float] | None:
    """A body with 几 or a pair of neighbouring digits (六七十, 十一二): its lowest and highest."""
    if "几" in body:
        if body.count("几") != 1:
            return None
        i = body.index("几")
        after_unit = i > 0 and body[i - 1] in "十百千万"
        low_digit = 1 if after_unit else 2
        low = _exact(body.replace("几", _DIGIT_OF[low_digit]) if body != "几" else "二")
        high = _exact(body.replace("几", "九") if body != "几" else "九")
        return None if low is None or high is None else (low, high)
    match = _PAIR.search(body)
    if match is None:
        return None
    first, second = _DIGIT_VALUES[match.group(1)], _DIGIT_VALUES[match.group(2)]
    if not 0 < second - first <= 2:
        return None
    start, end = match.span()
    low = _exact(body[:start] + match.group(1) + body[end:])
    high = _exact(body[:start] + match.group(2) + body[end:])
    return None if low is None or high is None else (low, high)


def _strip_scale(text: str) -> tuple[str, float]:
    scale = 1.0
    for _ in range(2):
        for word, size in _SCALES:
            if text.endswith(word) and len(text) > len(word):
                body = text[: -len(word)]
                if word == "千" and not body.endswith(("多", "几", "来", "出头")):
                    continue  # 三千 is a plain numeral; 三千多 / 几千 are rough thousands
                text, scale = body, scale * size
                break
        else:
            break
    return text, scale


def read_amount(text: str) -> float | Range | None:
    """The number in ``text`` (normalised: NFKC, lower case, no spaces), possibly rough."""
    for word in _ABOUT_BEFORE:
        if text.startswith(word) and len(text) > len(word):
            return read_amount(text[len(word) :])
    for word in _NEARLY_BEFORE:
        if text.startswith(word) and len(text) > len(word):
            inner = read_amount(text[len(word) :])
            if isinstance(inner, float) and inner > 0:
                return Range(inner - _nearly_step(inner), inner)
            return None
    for word in _ABOUT_AFTER:
        if text.endswith(word) and len(text) > len(word):
            inner = read_amount(text[: -len(word)])
            return inner
    exact = None if _PAIR.search(text) or "几" in text else _exact(text)
    if exact is not None:
        return exact
    body, scale = _strip_scale(text)
    mark = ""
    for word in ("出头", "多", "余", "来"):
        if body.endswith(word) and len(body) > len(word):
            body, mark = body[: -len(word)], word
            break
    if body.endswith(("万", "亿")) and mark:
        head, head_scale = _strip_scale(body)
        body, scale = head, scale * head_scale
    spread = _spread(body)
    if spread is not None:
        low, high = spread
    else:
        number = _exact(body)
        if number is None:
            return None
        low = high = number
    if mark in ("多", "余"):
        high = high + place_of(high)
    elif mark == "出头":
        high = high + 0.4 * _nearly_step(high) if high >= 10 else high + 0.5
    if low == high:
        return low * scale
    return Range(low * scale, high * scale)
