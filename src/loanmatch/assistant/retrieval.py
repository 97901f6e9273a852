"""Find the knowledge-base entry an owner's message asks about, in Chinese or English.

Every phrasing of every entry (its question and examples, both languages) is a document, read by
:class:`~loanmatch.assistant.text.TextAnalyzer` as concept words and as characters. A message is
scored against each entry by three channels:

- phrasings: TF-IDF cosine with the entry's closest phrasing (words and characters);
- entry: TF-IDF cosine with the entry as a whole (all its phrasings and cues together);
- cues: the share of the message's TF-IDF weight that falls on the entry's intent cues (the
  words that alone say what it is about, data in ``knowledge.yaml``), so that what an owner
  adds around the point ("你好，我是开饭店的，想问下……") and the words every entry shares ("贷款",
  "bank") count for little. An entry's topic nouns (``topics``: "银行流水", "statement") count
  less than its cues there, so that the intent, not the thing named, decides.

Words no phrasing has (filler, another topic) make every score smaller but never change the
order. The score is a weighted sum of the channels, in [0, 1]; :func:`loanmatch.assistant.
dialogue.route` reads a score at or above its threshold as a doubt.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from loanmatch.assistant.knowledge import Entry, KnowledgeBase, default_knowledge
from loanmatch.assistant.text import TextAnalyzer, clauses, has_chinese
from loanmatch.lang import LANGS, Lang

_Vector = np.ndarray[Any, np.dtype[np.float64]]

__all__ = [
    "MAX_CLAUSES",
    "WEIGHTS",
    "Match",
    "Retriever",
    "Weights",
    "default_retriever",
    "language_of",
]


@dataclass(frozen=True)
class Weights:
    """How the channels mix. They add up to 1, so the score stays in [0, 1]; chosen by
    leave-one-out over the knowledge base's own examples (each example routed by a retriever
    built without it), where the cue channel counted most and the rest hardly mattered."""

    phrasing_words: float = 0.1
    phrasing_chars: float = 0.1
    entry_words: float = 0.2
    entry_chars: float = 0.1
    cues: float = 0.5
    unknown: float = 1.0
    """How much a word no phrasing has weighs, against the rarest word the phrasings have."""
    topic: float = 0.3
    """How much a word matched only by an entry's topic nouns counts in its cue share, against
    one matched by an intent cue: "员工能看我的流水吗" asks who sees, not which documents."""


WEIGHTS = Weights()
MAX_CLAUSES = 8
"""A message's clauses scored on their own, at most (the rest still count in the whole)."""


MAX_GAP = 1
"""How many other words may stand between two words of a cue."""


@dataclass(frozen=True)
class _Cue:
    columns: tuple[int, ...]
    """Its words' columns, in order."""
    literal: str
    """A Chinese cue's text (prepared as a message is), matched as characters; else empty."""
    whole: bool
    """Whether its words are all it says (no stop word dropped), so they may match as words."""


@dataclass(frozen=True)
class _Message:
    text: str
    words: tuple[tuple[int, str], ...]
    """Each known word's column and the characters the message used for it, in order."""
    columns: tuple[int, ...]
    present: frozenset[int]


def _in_order(cue: tuple[int, ...], message: tuple[int, ...]) -> bool:
    """Whether the cue's words come in the message in order, at most MAX_GAP words apart."""
    for start, column in enumerate(message):
        if column != cue[0]:
            continue
        at, ok = start, True
        for word in cue[1:]:
            window = message[at + 1 : at + 2 + MAX_GAP]
            if word not in window:
                ok = False
                break
            at = at + 1 + window.index(word)
        if ok:
            return True
    return False


def language_of(text: str) -> Lang:
    """``zh-CN`` when the text has any Chinese character, else ``en``."""
    return "zh-CN" if has_chinese(text) else "en"


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


def _rows_normalised(matrix: Any) -> Any:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def _dense(matrix: Any) -> _Vector:
    return np.asarray(matrix.todense(), dtype=np.float64).ravel()


class _View:
    """One TF-IDF view of texts -- their words or their characters -- fitted on the phrasings."""

    def __init__(self, analyzer: Callable[[str], list[str]], texts: list[str]) -> None:
        self._vectorizer: Any = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, norm="l2")
        self._vectorizer.fit(texts)
        self.vocabulary: dict[str, int] = self._vectorizer.vocabulary_
        self._idf: _Vector = self._vectorizer.idf_
        self._unknown_idf = float(self._idf.max())

    def transform(self, texts: list[str]) -> Any:
        return self._vectorizer.transform(texts)

    def embed(self, tokens: list[str], unknown_weight: float) -> Any:
        """A message's TF-IDF row, normalised by the weight of all its tokens: a token no
        phrasing has weighs as a token of one phrasing (times ``unknown_weight``). What the
        vocabulary lacks never changes which entry is best, but makes every score smaller, so
        that a message mostly about something else is no doubt."""
        columns: list[int] = []
        values: list[float] = []
        unknown = 0.0
        for token, count in Counter(tokens).items():
            tf = 1.0 + math.log(count)
            column = self.vocabulary.get(token)
            if column is None:
                unknown += (tf * unknown_weight * self._unknown_idf) ** 2
            else:
                columns.append(column)
                values.append(tf * float(self._idf[column]))
        norm = math.sqrt(sum(v * v for v in values) + unknown) or 1.0
        rows = np.zeros(len(columns), dtype=np.int64)
        data = np.asarray(values, dtype=np.float64) / norm
        return sparse.csr_matrix((data, (rows, columns)), shape=(1, len(self.vocabulary)))


class Retriever:
    """Rank a knowledge base's entries by how close a message is to them."""

    def __init__(self, kb: KnowledgeBase, weights: Weights = WEIGHTS) -> None:
        self.kb = kb
        self.weights = weights
        self.analyzer = TextAnalyzer(kb)
        documents: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(kb.entries):
            for lang in LANGS:
                phrasings = entry.phrasings(lang)
                documents.extend(phrasings)
                owners.extend([index] * len(phrasings))
        cue_texts = [
            "; ".join((*e.cues("zh"), *e.cues("en"), *e.topics("zh"), *e.topics("en")))
            for e in kb.entries
        ]
        self._owners = np.asarray(owners, dtype=np.int64)
        membership = sparse.csr_matrix(  # [entry, document] = 1 for the entry's phrasings
            (np.ones(len(owners)), (self._owners, np.arange(len(owners)))),
            shape=(len(kb.entries), len(owners)),
        )
        self._words = _View(self.analyzer.words, [*documents, *cue_texts])
        self._chars = _View(self.analyzer.chars, [*documents, *cue_texts])
        self._word_docs = self._words.transform(documents)
        self._char_docs = self._chars.transform(documents)
        self._word_entries = _rows_normalised(
            membership @ self._word_docs + self._words.transform(cue_texts)
        )
        self._char_entries = _rows_normalised(
            membership @ self._char_docs + self._chars.transform(cue_texts)
        )
        self._cues = [self._word_sets((*e.cues("zh"), *e.cues("en"))) for e in kb.entries]
        self._topics = [self._word_sets((*e.topics("zh"), *e.topics("en"))) for e in kb.entries]

    def _word_sets(self, cues: tuple[str, ...]) -> list[_Cue]:
        """Each cue as its words' columns in order (cues with a word no phrasing has drop), and
        for a Chinese cue its text, which matches wherever the message has it."""
        vocabulary = self._words.vocabulary
        out: list[_Cue] = []
        for cue in cues:
            tokens = self.analyzer.tokens(cue)
            words = [concept for concept, _ in tokens]
            literal = self.analyzer.prepare(cue) if has_chinese(cue) else ""
            if words and all(w in vocabulary for w in words):
                # a cue a stop word was dropped from ("都申请" -> 申请) matches only as typed
                whole = not literal or sum(len(u) for _, u in tokens) == len(literal)
                out.append(_Cue(tuple(vocabulary[w] for w in words), literal, whole))
            elif literal:
                out.append(_Cue((), literal, False))
        return out

    def _covered(self, cues: list[_Cue], message: _Message) -> frozenset[int]:
        """The message's columns an entry's matched cues cover. A cue's words match in order,
        at most ``MAX_GAP`` other words apart ("many banks" is not "how many days til bank");
        a Chinese cue also matches as characters ("几家" in "好几家", "赶得上" however cut),
        covering the message's words inside it or around it."""
        covered: set[int] = set()
        for cue in cues:
            if cue.literal and cue.literal in message.text:
                covered.update(c for c, u in message.words if cue.literal in u or u in cue.literal)
                covered.update(c for c in cue.columns if c in message.present)
            elif cue.whole and cue.columns and _in_order(cue.columns, message.columns):
                covered.update(cue.columns)
        return frozenset(covered)

    def _cue_shares(self, words: Any, message: _Message) -> _Vector:
        """Per entry, the share of the message's squared TF-IDF weight on its matched cues;
        words matched only by its topic nouns count ``weights.topic`` times as much."""
        weight = dict(zip(words.indices.tolist(), (words.data**2).tolist(), strict=True))
        shares = np.zeros(len(self._cues))
        for index, (cues, topics) in enumerate(zip(self._cues, self._topics, strict=True)):
            covered = self._covered(cues, message) & weight.keys()
            topical = (self._covered(topics, message) & weight.keys()) - covered
            shares[index] = sum(weight[w] for w in covered) + self.weights.topic * sum(
                weight[w] for w in topical
            )
        return shares

    def _best_phrasing(self, similarity: _Vector) -> _Vector:
        best = np.zeros(len(self.kb.entries))
        np.maximum.at(best, self._owners, similarity)
        return best

    def scores(self, text: str) -> dict[str, _Vector]:
        """Each channel's score for every entry, in the file's order (for tuning and tests)."""
        tokens = self.analyzer.tokens(text)
        words = self._words.embed([concept for concept, _ in tokens], self.weights.unknown)
        vocabulary = self._words.vocabulary
        known = [(vocabulary[c], u) for c, u in tokens if c in vocabulary]
        message = _Message(
            self.analyzer.prepare(text),
            tuple(known),
            tuple(c for c, _ in known),
            frozenset(c for c, _ in known),
        )
        chars = self._chars.embed(self.analyzer.chars_of(tokens), self.weights.unknown)
        return {
            "phrasing_words": self._best_phrasing(_dense(self._word_docs @ words.T)),
            "phrasing_chars": self._best_phrasing(_dense(self._char_docs @ chars.T)),
            "entry_words": _dense(self._word_entries @ words.T),
            "entry_chars": _dense(self._char_entries @ chars.T),
            "cues": self._cue_shares(words, message),
        }

    def _total(self, text: str) -> _Vector:
        total = np.zeros(len(self.kb.entries))
        for channel, score in self.scores(text).items():
            total += getattr(self.weights, channel) * score
        return total

    def search(self, text: str) -> list[Match]:
        """Every entry with its score, best first (ties keep the file's order).

        A message of several clauses scores each entry by the whole message or by its best
        clause, whichever is higher: "老板你好，我开了家小店，利息几个点？" asks in its last
        clause."""
        total = np.zeros(len(self.kb.entries))
        if text.strip():
            total = self._total(text)
            parts = clauses(text)
            if len(parts) > 1:
                for part in parts[:MAX_CLAUSES]:
                    total = np.maximum(total, self._total(part))
        order = np.argsort(-total, kind="stable")
        return [Match(self.kb.entries[int(i)], float(total[i])) for i in order]

    def best(self, text: str) -> Match:
        return self.search(text)[0]


@lru_cache(maxsize=1)
def default_retriever() -> Retriever:
    """A retriever over the shipped knowledge base, built once (jieba loads in about a second)."""
    return Retriever(default_knowledge())
