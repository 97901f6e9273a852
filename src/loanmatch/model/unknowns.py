"""A pessimistic approval score for applicants with unknown model features.

The model has a learned branch for "unknown", but that branch reflects the applicants whose value
was missing in history, not this applicant. An offer must hold whatever the true value is, so the
score used for the decision is a lower bound over the unknown applicant columns:

- a monotone column is set to its worst value seen in training (the minimum for +1, the maximum
  for -1); the monotone constraint makes this the exact minimum over the training range;
- every other unknown column, one after another (coordinate-wise, in column order), is set to the
  value of a small grid that gives the lowest score with the columns before it already fixed:
  the training quantiles 0, 0.1, 0.25, 0.5, 0.75, 0.9 and 1 for numbers, both values for
  booleans, and every category seen in training for categories.

The bound is finally capped by the model's own score with the values unknown, so it is never
above what the model says without a completion. It is exact for one unknown column (over its
grid) and for any number of unknown monotone columns (over the training range); with several
non-monotone unknowns it is the greedy coordinate-wise minimum, not a guaranteed global one.

Columns no tree splits on are skipped: they cannot change the score. So are columns that were
unknown often enough in training (at least ``LEARNED_SHARE`` of the rows and ``LEARNED_ROWS``
rows): there the model's unknown branch was fitted on real applicants whose value was missing,
its calibration and the held-out certificate are measured on them, and replacing it by the worst
value would discard what missingness says (where cells are missing not at random, it says a
lot), unless the calibration part shows that branch over-confident where offers are made
(``over_confident``). The bound is for the unknowns the history never showed, such as a
question an owner has not answered yet on a market whose history is complete: there the
unknown branch was never trained and can say anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.model.features import Column

__all__ = [
    "LEARNED_ROWS",
    "LEARNED_SHARE",
    "QUANTILES",
    "WorstCase",
    "learned_unknown",
    "over_confident",
]

FloatArray = npt.NDArray[np.float64]
FloatMatrix = npt.NDArray[np.float64]
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
MAX_CATEGORIES = 64
LEARNED_SHARE = 0.01
LEARNED_ROWS = 200
"""A column unknown in at least this share and this many training rows keeps its learned
unknown branch (module docstring)."""


def learned_unknown(unknown: int, rows: int) -> bool:
    """Whether a column unknown in ``unknown`` of ``rows`` training rows has a learned branch."""
    return unknown >= LEARNED_ROWS and unknown >= LEARNED_SHARE * rows


def over_confident(
    q: FloatArray, y: FloatArray, unknown: npt.NDArray[np.bool_], top: float = 0.8
) -> bool:
    """Whether calibration pairs with a column unknown and a calibrated probability of at least
    ``top`` were approved less than predicted by more than 1.645 standard errors (at least 30
    such pairs; fewer say nothing)."""
    mine = unknown & (q >= top)
    n = int(mine.sum())
    if n < 30:
        return False
    predicted = float(q[mine].mean())
    error = math.sqrt(max(predicted * (1.0 - predicted), 1e-6) / n)
    return float(y[mine].mean()) < predicted - 1.645 * error


@dataclass(frozen=True)
class WorstCase:
    """Per applicant column: the fixed worst value (monotone) or the grid to search."""

    worst: dict[int, float]
    grid: dict[int, tuple[float, ...]]

    @classmethod
    def from_training(
        cls,
        X: FloatMatrix,
        columns: Iterable[Column],
        used: frozenset[int],
        distrusted: frozenset[int] = frozenset(),
    ) -> WorstCase:
        """The bound for the columns of ``X`` (training rows) that trees use; a column often
        unknown keeps its learned branch unless it is ``distrusted``."""
        worst: dict[int, float] = {}
        grid: dict[int, tuple[float, ...]] = {}
        for k, column in enumerate(columns):
            if column.feature is None or k not in used:
                continue
            seen = X[:, k][~np.isnan(X[:, k])]
            unknown = X.shape[0] - seen.size
            learned = learned_unknown(unknown, X.shape[0]) and k not in distrusted
            if seen.size == 0 or learned:
                continue
            if column.monotone != 0:
                worst[k] = float(seen.min() if column.monotone > 0 else seen.max())
            elif column.categorical or column.feature.type == "boolean":
                values, counts = np.unique(seen, return_counts=True)
                frequent = values[np.argsort(-counts, kind="mergesort")][:MAX_CATEGORIES]
                grid[k] = tuple(float(v) for v in np.sort(frequent))
            else:
                grid[k] = tuple(float(v) for v in np.unique(np.quantile(seen, QUANTILES)))
        return cls(worst, grid)

    @property
    def columns(self) -> frozenset[int]:
        return frozenset(self.worst) | frozenset(self.grid)

    def bound(self, X: FloatMatrix, score: Callable[[FloatMatrix], FloatArray]) -> FloatArray:
        """Pessimistic scores of the rows of ``X`` (``score`` maps a matrix to raw scores).

        Rows with no unknown column that matters are scored as they are, in one call.
        """
        matters = sorted(self.columns)
        needs = np.isnan(X[:, matters]).any(axis=1) if matters else np.zeros(len(X), dtype=bool)
        out = np.empty(len(X), dtype=np.float64)
        if not needs.all():
            out[~needs] = score(X[~needs])
        if not needs.any():
            return out
        filled = X[needs]
        as_unknown = score(filled)
        for k, value in self.worst.items():
            column = filled[:, k]
            column[np.isnan(column)] = value
        for k in sorted(self.grid):
            rows = np.flatnonzero(np.isnan(filled[:, k]))
            if rows.size == 0:
                continue
            grid = np.asarray(self.grid[k])
            trial = np.repeat(filled[rows], grid.size, axis=0)
            trial[:, k] = np.tile(grid, rows.size)
            scores = score(trial).reshape(rows.size, grid.size)
            filled[rows, k] = grid[np.argmin(scores, axis=1)]
        out[needs] = np.minimum(score(filled), as_unknown)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "worst": {str(k): v for k, v in self.worst.items()},
            "grid": {str(k): list(v) for k, v in self.grid.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorstCase:
        return cls(
            {int(k): float(v) for k, v in data["worst"].items()},
            {int(k): tuple(float(x) for x in v) for k, v in data["grid"].items()},
        )
