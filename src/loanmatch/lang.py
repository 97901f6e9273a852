"""The languages loanmatch speaks: one type, :data:`Lang`, and one parser, :func:`parse_lang`.

Chinese (``zh-CN``) is the default; English (``en``) the other. Whatever names a language from
outside (a URL's ``?lang=``, a form field, a JSON body, an ``Accept-Language`` header, a command
option, a stored session, the settings) is read with :func:`parse_lang`, so ``en``, ``en-US``,
``EN``, ``zh``, ``zh-CN`` and ``zh-Hans`` all mean what they say everywhere. The module imports
nothing of loanmatch: every layer, the settings included, may use it.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DEFAULT_LANG", "LANGS", "Lang", "ShortCode", "parse_lang", "short_code"]

Lang = Literal["zh-CN", "en"]
"""A language loanmatch speaks, as a BCP 47 tag (what ``<html lang>`` and a session store)."""
LANGS: tuple[Lang, ...] = ("zh-CN", "en")
DEFAULT_LANG: Lang = "zh-CN"

ShortCode = Literal["zh", "en"]
"""The two-letter form the pages put in their links and forms (``?lang=zh``)."""

_EXACT: dict[str, Lang] = {"zh-CN": "zh-CN", "en": "en", "zh": "zh-CN"}


def _tag(tag: str) -> Lang | None:
    primary = tag.strip().lower()
    if primary.startswith("en"):  # en, en-US, en_GB, english
        return "en"
    if primary.startswith("zh"):  # zh, zh-CN, zh-Hans, zh_CN
        return "zh-CN"
    return None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, number = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(number)
            except ValueError:
                return 0.0
    return 1.0


def parse_lang(value: str | None, default: Lang = DEFAULT_LANG) -> Lang:
    """The language ``value`` names: ``en``, ``en-US``, ``EN`` -> ``en``; ``zh``, ``zh-CN``,
    ``zh-Hans`` -> ``zh-CN``; an ``Accept-Language`` list -> its most preferred of the two
    (``fr, en;q=0.8, zh;q=0.5`` -> ``en``); None, empty or anything else -> ``default``."""
    if not value:
        return default
    exact = _EXACT.get(value)
    if exact is not None:
        return exact
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate(value.split(",")):
        tag, _, params = item.partition(";")
        found = _tag(tag)
        quality = _quality(params)
        if found is None or quality <= 0:
            continue
        candidate = (-quality, position, found)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else default


def short_code(lang: Lang) -> ShortCode:
    """``zh`` or ``en``: ``lang`` as the pages' links and forms carry it."""
    return "en" if lang == "en" else "zh"
