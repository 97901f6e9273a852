"""Turn an owner's message into the words and characters retrieval compares, in zh or en.

Everything language-specific is data in the knowledge base (``knowledge.yaml``), so the words
owners really type can be added without touching code:

1. ``colloquial``: chat forms rewritten to plain ones. Chinese substrings, longest first
   (``咋`` -> ``怎么``, ``啥`` -> ``什么``), after two question forms rewritten in code
   (``会不会`` -> ``会``, ``靠不靠谱`` -> ``靠谱``; a final ``不`` / ``没`` -> ``吗``:
   ``靠谱不`` -> ``靠谱吗``); English whole tokens (``u`` -> ``you``, ``dunno`` -> ``do not know``);
2. segmentation: Chinese with jieba (its bundled dictionary, offline), told the knowledge base's
   vocabulary and synonyms so they stay whole; English by a word pattern, then a Snowball
   (Porter 2) stemmer, so "rejected", "rejection" and "rejects" are one word; a number is
   :data:`NUMBER`;
3. ``synonyms`` map a word -- or, in English, a phrase of several stemmed words, never across a
   comma -- to one concept word: "利息", "几厘", "年化" -> "利率"; "turned down", "reject" ->
   "declin" (the stem of "declined");
4. ``stop_words`` are dropped ("的", "吗", "please", "the"; an English phrase may hold them).

Characters: Chinese character uni- and bigrams, English character 3-5-grams inside words, of the
concept words and of the words the message used, which forgive another segmentation, a typo or
a word the synonyms lack.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]
from spellchecker import SpellChecker

from loanmatch.assistant.knowledge import KnowledgeBase

__all__ = ["NUMBER", "TextAnalyzer", "clauses", "has_chinese", "normalise"]

logger = logging.getLogger(__name__)

NUMBER = "<num>"
"""The token every number becomes: "借50万" and "借100万" ask the same thing."""

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_RUNS = re.compile(f"([{_CJK}]+)")
_EN_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|%")
_DIGITS = re.compile(r"\d")
_A_NOT_A = re.compile(f"([{_CJK}])[不没]\\1")  # 会不会 -> 会, 靠不靠谱 -> 靠谱
_NOT_AT_END = re.compile(f"(?<=[{_CJK}])[不没][\\s?？!！。.~～]*$")  # 能贷不 -> 能贷吗
_CLAUSES = re.compile(r"[,;:!?()\[\]\"/|。、\n]+|\.(?!\d)")
_CHAR_NGRAMS = (3, 4, 5)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SPELL_MIN = 4
"""An unknown English word at least this long is read as the known word one typo away."""


def has_chinese(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def clauses(text: str) -> list[str]:
    """The parts of a text between punctuation marks (full-width ones too)."""
    return [part for part in _CLAUSES.split(normalise(text)) if part.strip()]


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, one kind of apostrophe."""
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")


@lru_cache(maxsize=4)
def _jieba(vocabulary: tuple[str, ...]) -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # the dictionary bundled with the package: no download
    for word in vocabulary:
        tokenizer.add_word(word, freq=200_000)
    return tokenizer


@lru_cache(maxsize=1)
def _english_words() -> SpellChecker:
    """An English dictionary (pyspellchecker's word list, shipped with the package)."""
    return SpellChecker(language="en", distance=1)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("english")


def _edits(word: str) -> set[str]:
    """Every word one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        *(a + c + b for a, b in splits for c in _LETTERS),
    }


def _longest_first(table: dict[str, str]) -> re.Pattern[str] | None:
    if not table:
        return None
    return re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))


class TextAnalyzer:
    """Words and characters of a text, with a knowledge base's language resources."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._zh_colloquial = dict(kb.colloquial("zh"))
        self._zh_colloquial_pattern = _longest_first(self._zh_colloquial)
        self._en_colloquial = {k: v.split() for k, v in kb.colloquial("en").items()}
        self._zh_stop = kb.stop_words("zh")
        self._zh_synonyms = dict(kb.synonyms("zh"))
        self._en_stop = frozenset(self._stem(w) for w in kb.stop_words("en"))
        words = {*kb.vocabulary, *self._zh_synonyms, *self._zh_synonyms.values()}
        self._segmenter = _jieba(tuple(sorted(w for w in words if has_chinese(w))))
        self._en_phrases: dict[tuple[str, ...], str] = {}
        self.conflicts: list[str] = []
        """English synonyms that stem alike but name other concepts (the first one is kept)."""
        for key, concept in kb.synonyms("en").items():
            phrase = tuple(self._stem(w) for t in _EN_TOKEN.findall(key)
                           for w in self._en_colloquial.get(t, [t]))  # fmt: skip
            if not phrase:
                continue
            known = self._en_phrases.setdefault(phrase, self._stem(concept))
            if known != self._stem(concept):
                self.conflicts.append(f"{key!r} -> {concept!r} stems like a word -> {known!r}")
        if self.conflicts:
            logger.warning("English synonyms in conflict: %s", "; ".join(self.conflicts))
        self._longest = max((len(p) for p in self._en_phrases), default=0)
        self._known = self._english_lexicon(kb)

    def _english_lexicon(self, kb: KnowledgeBase) -> Counter[str]:
        """How often each English word appears in the knowledge base (typos are mended to
        these)."""
        texts = [
            *(t for e in kb.entries for t in (*e.phrasings("en"), e.answer.en, *e.cues("en"))),
            *kb.synonyms("en"), *kb.synonyms("en").values(), *kb.stop_words("en"),
            *kb.colloquial("en"), *kb.colloquial("en").values(),
        ]  # fmt: skip
        return Counter(t for text in texts for t in _EN_TOKEN.findall(normalise(text)))

    def _spelt(self, token: str) -> str:
        """The token, or -- when it is no English word -- the knowledge base's most frequent
        word one typo away from it ("documnets" -> "documents", but "reply" stays "reply")."""
        if len(token) < _SPELL_MIN or token in self._known or not token.isalpha():
            return token
        if token in _english_words():
            return token
        near = [w for w in _edits(token) if w in self._known]
        return max(near, key=lambda w: (self._known[w], w)) if near else token

    @staticmethod
    def _stem(word: str) -> str:
        if word.endswith("'s"):
            word = word[:-2]
        stem: str = _stemmer().stemWord(word)
        return stem

    def _english(self, run: str) -> list[tuple[str, str]]:
        """(concept, surface) of a non-Chinese run's content words: colloquial forms rewritten,
        stemmed, phrases mapped, stop words dropped."""
        words: list[str] = []
        for token in _EN_TOKEN.findall(run):
            token = self._spelt(token)
            for word in self._en_colloquial.get(token, [token]):
                words.append(NUMBER if _DIGITS.match(word) else self._stem(word))
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                concept = self._en_phrases.get(tuple(words[i : i + size]))
                if concept is not None:
                    out.append((concept, " ".join(words[i : i + size])))
                    i += size
                    break
            else:
                if words[i] not in self._en_stop:
                    out.append((words[i], words[i]))
                i += 1
        return out

    def _chinese(self, run: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for token in self._segmenter.lcut(run, HMM=False):
            if token not in self._zh_stop:
                out.append((self._zh_synonyms.get(token, token), token))
        return out

    def prepare(self, text: str) -> str:
        """The text normalised, with Chinese question and colloquial forms rewritten."""
        text = normalise(text)
        if not has_chinese(text):
            return text
        text = _NOT_AT_END.sub("吗", _A_NOT_A.sub(r"\1", text))
        if self._zh_colloquial_pattern is not None:
            text = self._zh_colloquial_pattern.sub(lambda m: self._zh_colloquial[m[0]], text)
        return text

    def tokens(self, text: str) -> list[tuple[str, str]]:
        """Each content word as (concept word, the words the message used for it), in order."""
        out: list[tuple[str, str]] = []
        for i, run in enumerate(_RUNS.split(self.prepare(text))):
            if i % 2 == 1:
                out.extend(self._chinese(run))
                continue
            for piece in _CLAUSES.split(run):  # an English phrase never spans a comma
                out.extend(self._english(piece))
        return out

    def words(self, text: str) -> list[str]:
        """Concept words, in order: Chinese words and stemmed English words."""
        return [concept for concept, _ in self.tokens(text)]

    def chars(self, text: str) -> list[str]:
        """Character grams of the concept words and of the words the message used."""
        return self.chars_of(self.tokens(text))

    @staticmethod
    def chars_of(tokens: list[tuple[str, str]]) -> list[str]:
        """Chinese character uni- and bigrams; English character 3-5-grams inside words."""
        grams: list[str] = []
        for concept, surface in tokens:
            for word in {concept, *surface.split()}:
                if word == NUMBER:
                    grams.append(word)
                elif has_chinese(word):
                    grams.extend(word)
                    grams.extend(word[i : i + 2] for i in range(len(word) - 1))
                else:
                    padded = f" {word} "
                    for n in _CHAR_NGRAMS:
                        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams
