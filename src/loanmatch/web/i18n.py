"""The pages' words, from the message catalogs (``data/messages/``, read by
:mod:`loanmatch.adapters.messages`)."""

from __future__ import annotations

from collections.abc import Mapping

from loanmatch.adapters.messages import lookup, section
from loanmatch.lang import Lang

__all__ = ["group_title", "strings", "unit_label"]

_UNLABELLED_UNITS = frozenset({"count", "ratio"})
"""Units shown without a label beside a field (a count of things, a ratio)."""


def strings(lang: Lang) -> Mapping[str, str]:
    """The form page's words (``page.*``), as its template reads them (``t.KEY``)."""
    return section("page", lang)


def group_title(group: str | None, lang: Lang) -> str:
    """A feature group's heading; a group the catalogs do not know is shown by its name."""
    key = group or "other"
    known = lookup(f"group.{key}", lang)
    return known if known is not None else key.replace("_", " ").capitalize()


def unit_label(unit: str | None, lang: Lang) -> str:
    """A catalog unit as shown beside a field; a unit the catalogs do not know is shown as is."""
    if not unit or unit in _UNLABELLED_UNITS:
        return ""
    known = lookup(f"unit.{unit}", lang)
    return known if known is not None else unit
