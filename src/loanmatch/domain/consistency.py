"""Facts that cannot all be true of one firm, and which of them a set of answers breaks.

A :class:`Check` is a formula (the derived-feature grammar, ``domain/formula.py``) that is at most
0 for every consistent firm, e.g. ``property_value * (1 - owns_property)``: a property value
without property. The checks are data (``data/consistency.yaml``); :func:`contradictions`
evaluates the ones whose features are all known. The intake refuses an answer that would make a
check fail and names the facts it contradicts, so the owner can correct either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from loanmatch.domain.catalog import Text
from loanmatch.domain.formula import Expr, references

__all__ = ["Check", "contradictions"]

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Check:
    """One consistency check: ``expr <= 0`` must hold whenever its features are known."""

    id: str
    expr: Expr
    text: Text
    """Why the facts cannot go together, in plain words (zh, en)."""

    @property
    def features(self) -> frozenset[str]:
        return frozenset(references(self.expr))

    def holds(self, encoded: Mapping[str, float]) -> bool | None:
        """True or False when every feature is known (encoded numbers), else None."""
        if not all(name in encoded and np.isfinite(encoded[name]) for name in self.features):
            return None
        values = {name: np.array([float(encoded[name])]) for name in self.features}
        with np.errstate(all="ignore"):
            result = float(self.expr.evaluate(values, 1)[0])
        return bool(np.isnan(result) or result <= TOLERANCE)


def contradictions(
    checks: Iterable[Check], encoded: Mapping[str, float], touching: str | None = None
) -> list[Check]:
    """The checks that fail on ``encoded`` (only those reading ``touching``, when given)."""
    return [
        check
        for check in checks
        if (touching is None or touching in check.features) and check.holds(encoded) is False
    ]
