"""Rules: small declarative clauses over catalog features, three-valued (docs/design.md §4).

A rule's condition is ``<feature> <op> <value>``; it evaluates to PASS, FAIL or UNKNOWN (a feature
it needs is not known yet). Evaluation is vectorised: one call covers every applicant at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Feature, Scalar, Text, Values
from loanmatch.lang import parse_lang

__all__ = [
    "DIMENSIONS",
    "FAIL",
    "OPERATORS",
    "PASS",
    "UNKNOWN",
    "Condition",
    "Dimension",
    "Rule",
    "RuleCase",
    "Status",
    "combine",
]

Dimension = Literal["user", "product", "loan", "process"]
DIMENSIONS: tuple[Dimension, ...] = ("user", "product", "loan", "process")
Operator = Literal[">=", ">", "<=", "<", "==", "!=", "in", "not in", "between"]
OPERATORS: tuple[Operator, ...] = (">=", ">", "<=", "<", "==", "!=", "in", "not in", "between")
ORDERING: frozenset[str] = frozenset({">=", ">", "<=", "<", "between"})

Status = npt.NDArray[np.int8]
"""Per applicant: PASS (1), FAIL (0) or UNKNOWN (-1)."""
PASS, FAIL, UNKNOWN = np.int8(1), np.int8(0), np.int8(-1)


@dataclass(frozen=True)
class Condition:
    """A type-checked clause. ``values`` are encoded like the catalog encodes (category index)."""

    feature: str
    op: Operator
    values: tuple[float, ...]

    def holds(self, column: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Whether the clause holds where the value is known (unknown rows: False)."""
        v = self.values
        with np.errstate(invalid="ignore"):
            if self.op == ">=":
                return column >= v[0]
            if self.op == ">":
                return column > v[0]
            if self.op == "<=":
                return column <= v[0]
            if self.op == "<":
                return column < v[0]
            if self.op == "==":
                equal: npt.NDArray[np.bool_] = column == v[0]
                return equal
            if self.op == "!=":
                differ: npt.NDArray[np.bool_] = (column != v[0]) & ~np.isnan(column)
                return differ
            if self.op == "between":
                return (column >= v[0]) & (column <= v[1])
            inside: npt.NDArray[np.bool_] = np.isin(column, np.asarray(v))
            return inside if self.op == "in" else (~inside & ~np.isnan(column))

    def status(self, values: Values) -> Status:
        column = values[self.feature]
        out = np.where(self.holds(column), PASS, FAIL).astype(np.int8)
        out[np.isnan(column)] = UNKNOWN
        return out

    def direction(self) -> int:
        """+1 if larger values help pass, -1 if smaller do, 0 otherwise (for explanations)."""
        if self.op in (">=", ">"):
            return 1
        if self.op in ("<=", "<"):
            return -1
        return 0


@dataclass(frozen=True)
class Rule:
    """A product's rule: the source text, its condition, dimension and reason (zh/en)."""

    text: str
    condition: Condition
    dimension: Dimension = "user"
    reason: Text = field(default_factory=Text)
    code: str | None = None
    """Decline reason code (``R07``...) overriding the one its feature or dimension maps to."""

    @property
    def feature(self) -> str:
        return self.condition.feature

    def status(self, values: Values) -> Status:
        return self.condition.status(values)

    def explain(self, feature: Feature, lang: str = "zh") -> str:
        """The reason text, or a generated one naming the feature and the requirement."""
        reason = self.reason.get(lang)
        if reason:
            return reason
        requirement: str = self.text.split(None, 1)[1] if " " in self.text else self.text
        if parse_lang(lang) == "en":
            return f"requires {feature.display('en')} {requirement}"
        return f"要求{feature.display('zh')} {requirement}"


@dataclass(frozen=True)
class RuleCase:
    """One of a product's own test cases (products.yaml ``tests:``): an applicant's facts and
    whether the product's rules must find it ``eligible`` (every rule passes) or ``ineligible``
    (some rule fails); ``failing`` optionally names the rules (text or code) that must be the
    failing ones. ``facts`` are (feature, value) pairs, typed as the catalog types them."""

    name: str
    facts: tuple[tuple[str, Scalar], ...]
    expect: Literal["eligible", "ineligible"]
    failing: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    """The line of the case in its file (None: not from a file; not part of what it is)."""


def combine(statuses: list[Status], n: int) -> Status:
    """Three-valued AND: FAIL if any fails, else UNKNOWN if any is unknown, else PASS."""
    if not statuses:
        return np.full(n, PASS, dtype=np.int8)
    stacked = np.vstack(statuses)
    any_fail = (stacked == FAIL).any(axis=0)
    any_unknown = (stacked == UNKNOWN).any(axis=0)
    out = np.full(n, PASS, dtype=np.int8)
    out[any_unknown] = UNKNOWN
    out[any_fail] = FAIL
    return out
