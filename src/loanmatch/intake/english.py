"""Numbers written in English words: ``six``, ``twenty five``, ``half a million``,
``1.5 million``, ``50k``, ``once``, ``twice``, ``three times``. Text is lower case with single
spaces; :func:`english_number` returns None when it is not such a number."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["english_number"]

_ONES: Mapping[str, int] = {
    "zero": 0, "none": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
_SCALES: Mapping[str, float] = {
    "hundred": 100, "thousand": 1e3, "k": 1e3, "grand": 1e3, "million": 1e6, "mil": 1e6,
    "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
}  # fmt: skip
_TIMES: Mapping[str, int] = {"once": 1, "twice": 2, "thrice": 3, "never": 0}
_FLOAT = re.compile(r"^\d+(?:\.\d+)?$")


def english_number(text: str) -> float | None:
    """``twenty five`` -> 25, ``half a million`` -> 500000, ``1.5 million`` -> 1500000."""
    words = re.sub(r"(\d)([a-z])", r"\1 \2", text.replace("-", " ")).split()
    words = [w for w in words if w not in ("and", "of")]
    if words[-1:] in (["years"], ["year"], ["months"], ["month"]) and len(words) > 1:
        return None  # the unit is the caller's (a half year is not half a month)
    if words and words[-1] in ("times", "time"):
        words = words[:-1]
    if len(words) == 1 and words[0] in _TIMES:
        return float(_TIMES[words[0]])
    if not words:
        return None
    if words[-2:] == ["a", "half"] and len(words) > 2:
        whole = english_number(" ".join(words[:-2]))
        return None if whole is None else whole + 0.5
    if words[0] == "half" and len(words) >= 2:
        rest = english_number(" ".join(words[1:]))
        return None if rest is None else rest / 2
    total, current, seen = 0.0, 0.0, False
    for word in words:
        if _FLOAT.match(word):
            if seen and current:
                return None
            current += float(word)
        elif word in _ONES:
            current += _ONES[word]
        elif word in _SCALES and seen:
            scale = _SCALES[word]
            current = (current or 1.0) * scale
            if scale >= 1e3:
                total, current = total + current, 0.0
        else:
            return None
        seen = True
    return total + current
