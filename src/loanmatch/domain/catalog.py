"""The feature catalog: every fact about an applicant, declared once (docs/design.md §3).

Values travel as ``float64`` so that one applicant and a million applicants share one code path:
numbers as themselves, booleans as 0.0 / 1.0, categories as the index into ``Feature.categories``,
and ``NaN`` for unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from loanmatch.errors import AnswerError, Location
from loanmatch.lang import parse_lang

__all__ = [
    "Actionable",
    "Catalog",
    "Feature",
    "FeatureType",
    "Scalar",
    "Text",
    "Values",
    "encode_value",
]

FeatureType = Literal["number", "boolean", "category"]
Actionable = Literal["reduce", "increase", "choose", "time", "start", "decay"]
FEATURE_TYPES: tuple[FeatureType, ...] = ("number", "boolean", "category")
Values = dict[str, npt.NDArray[np.float64]]
"""Encoded columns: feature name -> float64 array, one entry per applicant (NaN = unknown)."""
Scalar = str | int | float | bool
"""One typed value before encoding: a feature's value as a connector returns it, an owner's
parsed answer or its JSON, a rule's literal, a journey event's detail. ``Scalar | None`` where
unknown (or nothing) is allowed."""


@dataclass(frozen=True)
class Text:
    """A text in Chinese (default) and English."""

    zh: str = ""
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang`` (anything :func:`~loanmatch.lang.parse_lang` reads), else the
        other one."""
        if parse_lang(lang) == "en":
            return self.en or self.zh
        return self.zh or self.en


@dataclass(frozen=True)
class Feature:
    """One catalog entry. Only ``name`` and ``type`` are required (docs/design.md §9)."""

    name: str
    type: FeatureType
    categories: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    label: Text = field(default_factory=Text)
    question: Text = field(default_factory=Text)
    source: str = "ask"
    formula: str | None = None
    ask_cost: float = 1.0
    personal: bool = False
    protected: bool = False
    unit: str | None = None
    group: str | None = None
    monotone: int = 0
    """+1 when a higher value never lowers approval, -1 when it never raises it, 0 unknown."""
    category_labels: tuple[Text, ...] = ()
    """Display texts aligned with ``categories`` (empty: show the category itself)."""
    actionable: Actionable | None = None
    """How the owner can change it (the "not yet" plan): ``reduce`` / ``increase`` / ``choose``
    (something the owner may lower, raise, or move either way), ``time`` (grows as time passes
    once started), ``start`` (a clock the owner can start now, e.g. social-security
    contributions), ``decay`` (recent events that fall out of a ``window_months`` window as
    time passes); None: a fact that cannot be changed."""
    window_months: float | None = None
    inquiry_counter: bool = False
    """Counts hard credit inquiries (征信硬查询): every application adds one, so the inquiry
    budget of the ranking raises it for each application ranked above a product."""
    purpose: Text = field(default_factory=Text)
    """Why a data source reads it and what for (the consent screen shows it; empty: not said)."""

    @property
    def derived(self) -> bool:
        return self.source == "derived"

    def display(self, lang: str = "zh") -> str:
        return self.label.get(lang) or self.name

    def category_label(self, value: str, lang: str = "zh") -> str:
        """How to show one category to a person (its label, else the category itself)."""
        index = self.category_index(value)
        if index is None or index >= len(self.category_labels):
            return value
        return self.category_labels[index].get(lang) or value

    def category_index(self, value: str) -> int | None:
        try:
            return self.categories.index(value)
        except ValueError:
            return None

    def decode(self, code: float) -> Scalar | None:
        """The human value of an encoded number (None for unknown)."""
        if math.isnan(code):
            return None
        if self.type == "boolean":
            return bool(code)
        if self.type == "category":
            return self.categories[int(code)]
        return float(code)


def encode_value(feature: Feature, value: object) -> float:
    """Encode one already-typed Python value (str category, bool, number, None) to float64.

    Raises ``ValueError`` with a message that names the value when it does not fit the feature.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if feature.type == "category":
        index = feature.category_index(str(value))
        if index is None:
            raise ValueError(
                f"{value!r} is not one of the categories of {feature.name}: "
                f"{', '.join(feature.categories)}"
            )
        return float(index)
    if feature.type == "boolean":
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        raise ValueError(f"{value!r} is not true or false")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if feature.min is not None and number < feature.min:
        raise ValueError(f"{value!r} is below the minimum {feature.min:g} of {feature.name}")
    if feature.max is not None and number > feature.max:
        raise ValueError(f"{value!r} is above the maximum {feature.max:g} of {feature.name}")
    return number


class Catalog(Mapping[str, Feature]):
    """An ordered, read-only set of features, looked up by name."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self._features: dict[str, Feature] = {}
        for feature in features:
            if feature.name in self._features:
                raise ValueError(f"feature {feature.name!r} is declared twice")
            self._features[feature.name] = feature

    def __getitem__(self, name: str) -> Feature:
        return self._features[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._features)

    def __len__(self) -> int:
        return len(self._features)

    @property
    def features(self) -> tuple[Feature, ...]:
        return tuple(self._features.values())

    @property
    def model_features(self) -> tuple[Feature, ...]:
        """Features a model may use: everything but protected attributes."""
        return tuple(f for f in self._features.values() if not f.protected)

    @property
    def asked(self) -> tuple[Feature, ...]:
        return tuple(f for f in self._features.values() if f.source == "ask")

    def empty_values(self, n: int) -> Values:
        return {name: np.full(n, np.nan) for name in self._features}

    def encode_record(self, record: Mapping[str, object]) -> Values:
        """One applicant's typed values (keys not in the catalog ignored, missing keys unknown)
        as a one-row ``Values``; a value that does not fit is an ``AnswerError`` naming it."""
        values = self.empty_values(1)
        for name, value in record.items():
            if name not in self._features:
                continue
            try:
                values[name][0] = encode_value(self._features[name], value)
            except ValueError as error:
                raise AnswerError(str(error), Location(feature=name)) from None
        return values
