"""Find the knowledge-base entry an owner's message asks about, in Chinese or English.

Every phrasing of every entry (its question and examples, both languages) is a document. A message
is compared with all documents by two TF-IDF views, and an entry scores its best document:

- words: Chinese is segmented with jieba (its bundled dictionary, offline, plus the knowledge
  base's vocabulary); English is lower-cased, stop words dropped and lightly stemmed; both map
  synonyms to the words the examples use ("利息" -> "利率", "interest" -> "rate");
- characters: Chinese character unigrams and bigrams, English character 3-4-grams inside words,
  which forgive a different segmentation, a typo or another inflection.

score = 0.6 * cosine(words) + 0.4 * cosine(characters), in [0, 1].
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from loanmatch.assistant.knowledge import Entry, KbLang, KnowledgeBase, default_knowledge

LANGS: tuple[KbLang, ...] = ("zh", "en")

__all__ = ["Match", "Retriever", "default_retriever", "language_of"]

WORD_WEIGHT = 0.6
CHAR_WEIGHT = 0.4
PHRASING_WEIGHT = 0.2

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ZH_STOP = frozenset(
    {"的", "了", "吗", "呢", "啊", "吧", "呀", "嘛", "么", "我", "我们", "你", "你们", "请问",
     "一下", "那", "这", "哦", "嗯"}
)  # fmt: skip
_EN_STOP = frozenset(
    {
        "a", "an", "the", "is", "are", "am", "be", "been", "to", "of", "for", "in", "on", "at",
        "it", "its", "this", "that", "these", "those", "i", "i'm", "me", "my", "mine", "we",
        "our", "you", "your", "yours", "he", "she", "they", "them", "their", "there", "here",
        "and", "or", "but", "so", "if", "as", "by", "with", "from", "up", "please", "just",
        "also", "really", "very", "any", "some", "would", "could", "should", "shall", "will",
        "can", "may", "might", "do", "does", "did", "have", "has", "had", "get", "got", "go",
        "going", "let", "us", "then", "than", "too", "yes", "ok", "okay",
    }
)  # fmt: skip


def language_of(text: str) -> KbLang:
    """``zh`` when the text has any Chinese character, else ``en``."""
    return "zh" if _CJK.search(text) else "en"


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'")


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=4)
def _jieba(vocabulary: tuple[str, ...]) -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # the dictionary bundled with the package: no download
    for word in vocabulary:
        tokenizer.add_word(word, freq=200_000)
    return tokenizer


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


class _Analyzer:
    """Words and characters of a text, with the knowledge base's vocabulary and synonyms."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._segmenter = _jieba(kb.vocabulary)

    def words(self, text: str) -> list[str]:
        text = _normalise(text)
        out: list[str] = []
        zh_syn, en_syn = self._kb.synonyms("zh"), self._kb.synonyms("en")
        for token in self._segmenter.lcut(text, HMM=True):
            token = token.strip()
            if not token:
                continue
            if _CJK.search(token):
                if token not in _ZH_STOP:
                    out.append(zh_syn.get(token, token))
                continue
            for word in _EN_WORD.findall(token):
                if word in _EN_STOP:
                    continue
                mapped = en_syn.get(word) or en_syn.get(_stem(word)) or word
                out.append(_stem(mapped))
        return out

    def chars(self, text: str) -> list[str]:
        grams: list[str] = []
        for word in self.words(text):
            if _CJK.search(word):
                grams.extend(word)
                grams.extend(word[i : i + 2] for i in range(len(word) - 1))
            else:
                padded = f" {word} "
                for n in (3, 4):
                    grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams


def _vectorizer(analyzer: Callable[[str], list[str]]) -> Any:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, norm="l2")


class Retriever:
    """Rank a knowledge base's entries by how close a message is to their phrasings."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        analyzer = _Analyzer(kb)
        documents: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(kb.entries):
            for lang in LANGS:
                phrasings = entry.phrasings(lang)
                documents.extend(phrasings)
                owners.extend([index] * len(phrasings))
        self._owners = np.asarray(owners, dtype=np.int64)
        self._words = _vectorizer(analyzer.words)
        self._chars = _vectorizer(analyzer.chars)
        self._word_docs = self._words.fit_transform(documents)
        self._char_docs = self._chars.fit_transform(documents)
        whole = [
            " ".join((*e.phrasings("zh"), *e.phrasings("en"), e.answer.zh, e.answer.en))
            for e in kb.entries
        ]
        self._word_entries = self._words.transform(whole)
        self._char_entries = self._chars.transform(whole)

    def search(self, text: str) -> list[Match]:
        """Every entry with its score, best first (ties keep the file's order)."""
        if not text.strip():
            return [Match(entry, 0.0) for entry in self.kb.entries]
        words = self._words.transform([text])
        chars = self._chars.transform([text])
        similarity = WORD_WEIGHT * np.asarray((self._word_docs @ words.T).todense()).ravel()
        similarity += CHAR_WEIGHT * np.asarray((self._char_docs @ chars.T).todense()).ravel()
        best = np.zeros(len(self.kb.entries))
        np.maximum.at(best, self._owners, similarity)
        whole = WORD_WEIGHT * np.asarray((self._word_entries @ words.T).todense()).ravel()
        whole += CHAR_WEIGHT * np.asarray((self._char_entries @ chars.T).todense()).ravel()
        best = PHRASING_WEIGHT * best + (1.0 - PHRASING_WEIGHT) * whole
        order = np.argsort(-best, kind="stable")
        return [Match(self.kb.entries[int(i)], float(best[i])) for i in order]

    def best(self, text: str) -> Match:
        return self.search(text)[0]


@lru_cache(maxsize=1)
def default_retriever() -> Retriever:
    """A retriever over the shipped knowledge base, built once (jieba loads in about a second)."""
    return Retriever(default_knowledge())
