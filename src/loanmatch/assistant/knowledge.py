"""The guiding assistant's knowledge base: entries as data (``knowledge.yaml``), zh and en.

An entry is a question owners ask ("is my data safe?"), several other phrasings of it, its intent
cues (the few words that alone say what it is about: "泄露", "leak") and the answer. The file also
holds the language resources retrieval uses (:mod:`loanmatch.assistant.text`): words jieba keeps
whole, colloquial forms (``咋`` -> ``怎么``, ``u`` -> ``you``), synonyms mapped to one concept
word, and stop words.

A contextual entry (``context: feature | rate | declined | consent | progress``) has a
``{context}`` slot that :mod:`loanmatch.assistant.replies` fills from the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from loanmatch.domain.catalog import Text
from loanmatch.errors import InputError, Location
from loanmatch.lang import parse_lang

__all__ = [
    "CONTEXTS",
    "DEFAULT_KNOWLEDGE",
    "ContextKind",
    "Entry",
    "KnowledgeBase",
    "default_knowledge",
    "load_knowledge",
]

ContextKind = Literal["feature", "rate", "declined", "consent", "progress"]
CONTEXTS: tuple[ContextKind, ...] = ("feature", "rate", "declined", "consent", "progress")
DEFAULT_KNOWLEDGE = Path(str(resources.files("loanmatch") / "assistant" / "knowledge.yaml"))


@dataclass(frozen=True)
class Entry:
    id: str
    question: Text
    answer: Text
    examples_zh: tuple[str, ...] = ()
    examples_en: tuple[str, ...] = ()
    cues_zh: tuple[str, ...] = ()
    cues_en: tuple[str, ...] = ()
    topics_zh: tuple[str, ...] = ()
    topics_en: tuple[str, ...] = ()
    context: ContextKind | None = None
    no_context: Text = field(default_factory=Text)

    def phrasings(self, lang: str) -> tuple[str, ...]:
        """The question and every example in ``lang`` (what retrieval indexes)."""
        if parse_lang(lang) == "zh-CN":
            return (self.question.zh, *self.examples_zh)
        return (self.question.en, *self.examples_en)

    def cues(self, lang: str) -> tuple[str, ...]:
        """Words or short phrases that on their own point at this entry (for retrieval)."""
        return self.cues_zh if parse_lang(lang) == "zh-CN" else self.cues_en

    def topics(self, lang: str) -> tuple[str, ...]:
        """Topic nouns ("银行流水", "statement"): what the entry is about but other entries'
        doubts mention too ("who sees my bank statements?"); they count less than the cues."""
        return self.topics_zh if parse_lang(lang) == "zh-CN" else self.topics_en


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    vocabulary: tuple[str, ...] = ()
    synonyms_zh: Mapping[str, str] = field(default_factory=dict)
    synonyms_en: Mapping[str, str] = field(default_factory=dict)
    colloquial_zh: Mapping[str, str] = field(default_factory=dict)
    colloquial_en: Mapping[str, str] = field(default_factory=dict)
    stop_words_zh: frozenset[str] = frozenset()
    stop_words_en: frozenset[str] = frozenset()
    features_why: Mapping[str, Text] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def __getitem__(self, entry_id: str) -> Entry:
        by_id = cast(dict[str, Entry], self.__dict__["_by_id"])
        return by_id[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in cast(dict[str, Entry], self.__dict__["_by_id"])

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def synonyms(self, lang: str) -> Mapping[str, str]:
        return self.synonyms_zh if parse_lang(lang) == "zh-CN" else self.synonyms_en

    def colloquial(self, lang: str) -> Mapping[str, str]:
        return self.colloquial_zh if parse_lang(lang) == "zh-CN" else self.colloquial_en

    def stop_words(self, lang: str) -> frozenset[str]:
        return self.stop_words_zh if parse_lang(lang) == "zh-CN" else self.stop_words_en


def _fail(path: Path, message: str, entry: str | None = None) -> InputError:
    where = Location(file=str(path), rule=f"entry {entry}" if entry else None)
    return InputError(message, where)


def _text(raw: object, path: Path, what: str, entry: str | None) -> Text:
    if (
        not isinstance(raw, Mapping)
        or not isinstance(raw.get("zh", ""), str)
        or not isinstance(raw.get("en", ""), str)
    ):
        raise _fail(path, f"{what} must be a mapping {{zh: ..., en: ...}}", entry)
    return Text(zh=str(raw.get("zh", "")), en=str(raw.get("en", "")))


def _strings(raw: object, path: Path, what: str, entry: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise _fail(path, f"{what} must be a list of non-empty texts", entry)
    return tuple(s.strip() for s in raw)


def _entry(raw: object, path: Path, seen: set[str]) -> Entry:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        raise _fail(path, "every entry needs an id (a text)")
    entry_id = str(raw["id"])
    if entry_id in seen:
        raise _fail(path, f"duplicate entry id {entry_id!r}", entry_id)
    seen.add(entry_id)
    context = raw.get("context")
    if context is not None and context not in CONTEXTS:
        raise _fail(path, f"context must be one of {', '.join(CONTEXTS)}", entry_id)
    question = _text(raw.get("question"), path, "question", entry_id)
    answer = _text(raw.get("answer"), path, "answer", entry_id)
    if not (question.zh and question.en and answer.zh and answer.en):
        raise _fail(path, "question and answer need both zh and en", entry_id)
    examples = raw.get("examples") or {}
    if not isinstance(examples, Mapping):
        raise _fail(path, "examples must be a mapping {zh: [...], en: [...]}", entry_id)
    cues = raw.get("cues") or {}
    if not isinstance(cues, Mapping):
        raise _fail(path, "cues must be a mapping {zh: [...], en: [...]}", entry_id)
    topics = raw.get("topics") or {}
    if not isinstance(topics, Mapping):
        raise _fail(path, "topics must be a mapping {zh: [...], en: [...]}", entry_id)
    no_context = raw.get("no_context")
    return Entry(
        id=entry_id,
        question=question,
        answer=answer,
        examples_zh=_strings(examples.get("zh"), path, "examples.zh", entry_id),
        examples_en=_strings(examples.get("en"), path, "examples.en", entry_id),
        cues_zh=_strings(cues.get("zh"), path, "cues.zh", entry_id),
        cues_en=_strings(cues.get("en"), path, "cues.en", entry_id),
        topics_zh=_strings(topics.get("zh"), path, "topics.zh", entry_id),
        topics_en=_strings(topics.get("en"), path, "topics.en", entry_id),
        context=cast(ContextKind | None, context),
        no_context=_text(no_context, path, "no_context", entry_id) if no_context else Text(),
    )


def _word_map(raw: object, path: Path, what: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise _fail(path, f"{what} must map words to words")
    return {str(k).lower(): str(v).lower() for k, v in raw.items()}


def _by_lang(data: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise _fail(path, f"{key} must be a mapping {{zh: ..., en: ...}}")
    return value


def _words(raw: object, path: Path, what: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise _fail(path, f"{what} must be a list of words")
    return frozenset(w.strip().lower() for w in raw)


def load_knowledge(path: Path = DEFAULT_KNOWLEDGE) -> KnowledgeBase:
    """Read and check a knowledge base file; an :class:`InputError` names the file and entry."""
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise _fail(path, f"cannot read the knowledge base: {error}") from error
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise _fail(path, "the file must be a mapping with a list of entries")
    seen: set[str] = set()
    entries = tuple(_entry(raw, path, seen) for raw in data["entries"])
    synonyms = _by_lang(data, "synonyms", path)
    colloquial = _by_lang(data, "colloquial", path)
    stop_words = _by_lang(data, "stop_words", path)
    vocabulary = data.get("vocabulary") or []
    if not isinstance(vocabulary, list) or not all(isinstance(w, str) for w in vocabulary):
        raise _fail(path, "vocabulary must be a list of words")
    why = data.get("features_why") or {}
    if not isinstance(why, Mapping):
        raise _fail(path, "features_why must map feature names to {zh, en}")
    return KnowledgeBase(
        entries=entries,
        vocabulary=tuple(vocabulary),
        synonyms_zh=_word_map(synonyms.get("zh"), path, "synonyms.zh"),
        synonyms_en=_word_map(synonyms.get("en"), path, "synonyms.en"),
        colloquial_zh=_word_map(colloquial.get("zh"), path, "colloquial.zh"),
        colloquial_en=_word_map(colloquial.get("en"), path, "colloquial.en"),
        stop_words_zh=_words(stop_words.get("zh"), path, "stop_words.zh"),
        stop_words_en=_words(stop_words.get("en"), path, "stop_words.en"),
        features_why={
            str(name): _text(text, path, f"features_why.{name}", None) for name, text in why.items()
        },
    )


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """The knowledge base shipped with loanmatch, read once."""
    return load_knowledge(DEFAULT_KNOWLEDGE)
