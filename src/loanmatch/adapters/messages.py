"""The words of the pages, the chat and the terminal as data: one message catalog per language.

``data/messages/zh-CN.yaml`` and ``data/messages/en.yaml`` map ``section.key`` to a text with
``str.format`` placeholders (``{n}``), in sections (``page``, ``result``, ``chat_page``, ``chat``,
``cli``, ...). :func:`t` gives one message in a language with its placeholders filled;
:func:`section` gives a section as a mapping, which is what a Jinja template reads as ``t.KEY``;
:func:`lookup` gives a message that may be missing (a feature group the catalog names freely).

The catalogs are read once and checked against each other as they are read: every key in every
language, no empty text, the same placeholders. A broken catalog is an
:class:`~loanmatch.errors.InputError` naming the file, the line and the key, at the first use.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from loanmatch.adapters.yaml_file import LINE_KEY, read_yaml
from loanmatch.errors import InputError, Location
from loanmatch.lang import LANGS, Lang, parse_lang

__all__ = [
    "MESSAGES_DIR",
    "Messages",
    "default_messages",
    "load_messages",
    "lookup",
    "placeholders",
    "section",
    "t",
]

MESSAGES_DIR = Path(str(resources.files("loanmatch") / "data" / "messages"))


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` of ``text`` (``{{`` and ``}}`` are literal braces)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


@dataclass(frozen=True)
class Messages:
    """The catalogs, one per language: ``section.key`` -> text."""

    catalogs: Mapping[Lang, Mapping[str, str]]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.catalogs["zh-CN"])

    def t(self, key: str, lang: str, **params: object) -> str:
        """The message ``key`` in ``lang`` (anything :func:`~loanmatch.lang.parse_lang` reads),
        its placeholders filled from ``params``; an unknown key is a ``KeyError``."""
        return self.catalogs[parse_lang(lang)][key].format(**params)

    def lookup(self, key: str, lang: str) -> str | None:
        """The message ``key`` as written (placeholders unfilled), or None when there is none."""
        return self.catalogs[parse_lang(lang)].get(key)

    def section(self, name: str, lang: str) -> Mapping[str, str]:
        """The messages of section ``name`` in ``lang``, by key within the section, as written."""
        prefix = f"{name}."
        catalog = self.catalogs[parse_lang(lang)]
        found = {k[len(prefix) :]: v for k, v in catalog.items() if k.startswith(prefix)}
        if not found:
            raise KeyError(name)
        return MappingProxyType(found)


def _fail(path: Path, message: str, line: object = None) -> InputError:
    where = Location(file=str(path), line=line if isinstance(line, int) else None)
    return InputError(message, where)


def _read(path: Path) -> tuple[dict[str, str], dict[str, int | None]]:
    """One catalog file, flattened to ``section.key`` -> text, and the line of each section."""
    data, problem = read_yaml(path)
    if problem:
        raise _fail(path, problem)
    if not isinstance(data, dict):
        raise _fail(path, "a message catalog is a mapping of sections")
    flat: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for name, body in data.items():
        if name == LINE_KEY:
            continue
        line = body.get(LINE_KEY) if isinstance(body, dict) else data.get(LINE_KEY)
        if not isinstance(name, str) or not isinstance(body, dict):
            raise _fail(path, f"section {name!r} must be a mapping of key: text", line)
        for key, text in body.items():
            if key == LINE_KEY:
                continue
            full = f"{name}.{key}"
            if not isinstance(key, str):  # yes / no / on / off read as booleans in YAML
                raise _fail(path, f"key {full!r} must be a name (quote it)", line)
            if not isinstance(text, str) or not text.strip():
                raise _fail(path, f"message {full} must be a non-empty text", line)
            try:
                placeholders(text)
            except ValueError as error:
                raise _fail(path, f"message {full}: {error}", line) from error
            flat[full] = text
            lines[full] = line
    return flat, lines


def load_messages(directory: Path = MESSAGES_DIR) -> Messages:
    """The catalogs of ``directory`` (``<lang>.yaml`` for each language of
    :data:`~loanmatch.lang.LANGS`), checked against each other."""
    read = {lang: _read(directory / f"{lang}.yaml") for lang in LANGS}
    reference, _ = read["zh-CN"]
    for lang in LANGS:
        catalog, lines = read[lang]
        path = directory / f"{lang}.yaml"
        missing = sorted(set(reference) - set(catalog))
        if missing:
            raise _fail(path, f"missing messages (in zh-CN.yaml): {', '.join(missing)}")
        extra = sorted(set(catalog) - set(reference))
        if extra:
            raise _fail(path, f"messages not in zh-CN.yaml: {', '.join(extra)}", lines[extra[0]])
        for key, text in catalog.items():
            want, got = placeholders(reference[key]), placeholders(text)
            if want != got:
                raise _fail(
                    path,
                    f"message {key} has placeholders {sorted(got)}, zh-CN.yaml {sorted(want)}",
                    lines[key],
                )
    return Messages({lang: MappingProxyType(read[lang][0]) for lang in LANGS})


@lru_cache(maxsize=1)
def default_messages() -> Messages:
    """The catalogs shipped with loanmatch, read once."""
    return load_messages(MESSAGES_DIR)


def t(key: str, lang: str, **params: object) -> str:
    """The shipped message ``key`` in ``lang`` with ``params`` filled in (:meth:`Messages.t`)."""
    return default_messages().t(key, lang, **params)


def lookup(key: str, lang: str) -> str | None:
    """The shipped message ``key`` in ``lang`` as written, or None (:meth:`Messages.lookup`)."""
    return default_messages().lookup(key, lang)


def section(name: str, lang: str) -> Mapping[str, str]:
    """The shipped messages of section ``name`` in ``lang`` (:meth:`Messages.section`)."""
    return default_messages().section(name, lang)
