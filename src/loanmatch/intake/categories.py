"""Category answers in everyday words: ``做贸易的`` is 批发和零售业 (F), ``开饭店`` 住宿和餐饮业
(H), ``进货`` working capital, ``苏州`` Jiangsu, ``纳税信用B`` grade B.

The words are data, this domain's own: ``data/answer_words.yaml`` (industry, purpose, entity
type, gender) and ``data/places.yaml`` (prefecture-level cities of GB/T 2260 and some county
cities -> province). :func:`match_category` tries, in order: the code or label itself (exact),
a single-letter code named in a short answer (``纳税信用B``, ``grade a``), a place for the
province feature, the everyday words (the longest word found wins; two categories with a word of
that length: no answer), then a unique part of a label. None when nothing fits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from loanmatch.domain.catalog import Feature
from loanmatch.intake.phrases import answer_length, strip_leading

__all__ = ["match_category", "place_province", "words_for"]

_PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "区", "县", "盟", "州")
_PLACE_PREFIXES = ("在", "位于", "注册在", "注册地", "地址", "我们在", "我在", "公司在", "就在")
_PLACE_FEATURES = frozenset({"region", "province"})
_FILLERS = (
    "我们是", "我们做", "我们", "我是", "我做", "我", "是做", "做的是", "主要做", "主要是", "主要",
    "开了个", "开了家", "开了一家", "开个", "开家", "开一家", "做", "搞", "干", "弄", "是", "用来",
    "用于", "拿来", "想", "要", "打算", "准备", "给", "用在",
)  # fmt: skip
_ENGLISH = re.compile(r"[a-z]")
_WORDED_CHARS = 20
_GRADE_WORDS = re.compile(r"grade|level|class|rating|rated|级|类|等")


def _load(name: str) -> dict[str, Any]:
    path = resources.files("loanmatch") / "data" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): v for k, v in data.items()}


@cache
def _words() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = _load("answer_words.yaml")
    return {
        feature: {str(code): tuple(_plain(str(w)) for w in words) for code, words in codes.items()}
        for feature, codes in raw.items()
    }


@cache
def _places() -> dict[str, str]:
    raw: dict[str, list[object]] = {str(k): v for k, v in _load("places.yaml").items()}
    return {_plain(str(name)): code for code, names in raw.items() for name in names}


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def words_for(feature: str) -> Mapping[str, tuple[str, ...]]:
    """The everyday words of each category of ``feature`` (empty when there are none)."""
    return _words().get(feature, {})


def place_province(text: str) -> str | None:
    """The province code of a place name (``苏州`` / ``苏州市`` / ``江苏省`` -> ``jiangsu``)."""
    places = _places()
    key = _plain(text).replace(" ", "") if not _ENGLISH.search(text) else _plain(text)
    for prefix in _PLACE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            key = key[len(prefix) :]
    if key in places:
        return places[key]
    for suffix in _PLACE_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in places:
            return places[key[: -len(suffix)]]
    found = {
        code
        for name, code in places.items()
        if len(name) >= 2 and not _ENGLISH.search(name) and name in key
    }
    if not found and _ENGLISH.search(key):
        found = {
            code
            for name, code in places.items()
            if _ENGLISH.search(name) and re.search(rf"\b{re.escape(name)}\b", key)
        }
    return found.pop() if len(found) == 1 else None


def _contains(text: str, word: str) -> bool:
    if _ENGLISH.search(word):
        return re.search(rf"(?<![a-z]){re.escape(word)}", text) is not None
    return word in text


def _by_words(feature: Feature, text: str) -> str | None:
    """The category of the longest word found; between words of one length, the first said."""
    found: list[tuple[int, int, str]] = []
    for code, words in words_for(feature.name).items():
        if code not in feature.categories:
            continue
        for word in words:
            if _contains(text, word):
                found.append((-len(word), text.find(word), code))
    if not found:
        return None
    found.sort()
    best = [item for item in found if item[:2] == found[0][:2]]
    codes = {code for _length, _at, code in best}
    return codes.pop() if len(codes) == 1 else None


def _letter_code(feature: Feature, raw: str) -> str | None:
    """A one-letter code named in a short answer (``纳税信用B``, ``grade a``, ``it's an A``).
    In English a lower-case ``a`` or ``i`` is a word, so it counts only beside a word for a
    grade (``grade a``) or written as a capital."""
    letters = {c.upper() for c in feature.categories if len(c) == 1}
    if not letters or len(raw) > 16:
        return None
    found: set[str] = set()
    for match in re.finditer(r"(?<![A-Za-z])([A-Za-z])(?![A-Za-z])", raw):
        letter = match.group(1)
        if letter in "ai" and not _GRADE_WORDS.search(raw) and _ENGLISH.search(raw.lower()[:1]):
            continue
        found.add(letter.upper())
    found &= letters
    return found.pop() if len(found) == 1 else None


def match_category(feature: Feature, raw: str) -> str | None:
    """The category code ``raw`` names, or None (see the module docstring for the order)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in feature.categories:
        return text
    key = _plain(text)
    compact = key.replace(" ", "")
    names: dict[str, set[str]] = {}
    for index, code in enumerate(feature.categories):
        forms = {_plain(code).replace(" ", "")}
        if index < len(feature.category_labels):
            label = feature.category_labels[index]
            forms |= {_plain(label.zh).replace(" ", ""), _plain(label.en).replace(" ", "")} - {""}
        names[code] = forms
    exact = [code for code, forms in names.items() if compact in forms]
    if len(exact) == 1:
        return exact[0]
    letter = _letter_code(feature, text)
    if letter is not None and letter in feature.categories:
        return letter
    if feature.name in _PLACE_FEATURES:
        province = place_province(key)
        if province is not None and province in feature.categories:
            return province
    stripped = strip_leading(compact, _FILLERS)
    if answer_length(key) > _WORDED_CHARS:
        return None  # a long message names many things; only short answers are read by word
    worded = _by_words(feature, key) or _by_words(feature, stripped)
    if worded is not None:
        return worded
    for candidate in (compact, stripped):
        if len(candidate) >= 2:
            partial = [c for c, forms in names.items() if any(candidate in f for f in forms)]
            if len(partial) == 1:
                return partial[0]
    return None
