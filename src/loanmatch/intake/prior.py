"""Plausible answers: an empirical prior of applicant values, conditioned on what is known.

The prior is a set of past applicants (the model's training history, one row per applicant, or
any sample). Conditioning is by nearest neighbours on the features known so far: a number is
compared by its position in the prior's distribution (the difference of empirical CDF values, so
yuan and years weigh alike), a category or boolean by equal / not equal, and an unknown cell of a
past applicant counts as half a mismatch. The ``k`` nearest rows (ties broken at random, seeded)
are the draws: what an applicant like this one plausibly answers to what is still open.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.tables import Table
from loanmatch.domain.catalog import Catalog, Values

__all__ = ["Prior"]

FloatArray = npt.NDArray[np.float64]
MAX_ROWS = 20_000
"""At most this many past applicants are kept (a seeded sample): enough for 32 neighbours on
~30 features, and fast (a few ms per conditioning)."""
PLAUSIBLE = (0.1, 0.25, 0.5, 0.75, 0.9)
"""The quantiles of a number ``plausible_values`` gives."""
PLAUSIBLE_SHARE = 0.05


class Prior:
    """Past applicants' encoded values (derived features left out), ready for conditioning."""

    def __init__(self, catalog: Catalog, values: Values, seed: int = 0) -> None:
        names = [f.name for f in catalog.features if not f.derived and f.name in values]
        n = len(values[names[0]]) if names else 0
        if n == 0:
            raise ValueError("the prior needs at least one past applicant")
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(n, size=MAX_ROWS, replace=False)) if n > MAX_ROWS else None
        self.catalog = catalog
        self.names = tuple(names)
        self.values: Values = {
            k: (values[k] if rows is None else values[k][rows]).astype(np.float64) for k in names
        }
        self.size = len(self.values[names[0]])
        self._numeric = {k for k in names if catalog[k].type == "number"}
        self._sorted = {
            k: np.sort(self.values[k][~np.isnan(self.values[k])]) for k in self._numeric
        }
        self._cdf = {k: self._position(k, self.values[k]) for k in self._numeric}

    @classmethod
    def from_table(cls, catalog: Catalog, table: Table, seed: int = 0) -> Prior:
        """One row per applicant of a history or applicants table."""
        _, first = np.unique(table.ids.astype(str), return_index=True)
        return cls(catalog, {k: v[first] for k, v in table.values.items()}, seed)

    def _position(self, name: str, x: FloatArray) -> FloatArray:
        ordered = self._sorted[name]
        if ordered.size == 0:
            return np.full(x.shape, 0.5)
        lo = np.searchsorted(ordered, x, side="left")
        hi = np.searchsorted(ordered, x, side="right")
        return np.asarray((lo + hi) / (2.0 * ordered.size), dtype=np.float64)

    def plausible_values(self) -> dict[str, tuple[float, ...]]:
        """Per feature, the values past applicants plausibly have (encoded): a number's 10%,
        25%, 50%, 75% and 90% quantiles, the categories or yes/no values at least
        ``PLAUSIBLE_SHARE`` of them have (every seen one when none does); what
        ``matching/unlock.py`` tries for a blank."""
        out: dict[str, tuple[float, ...]] = {}
        for name in self.names:
            if name in self._numeric:
                seen = self._sorted[name]
                if seen.size:
                    out[name] = tuple(float(v) for v in np.unique(np.quantile(seen, PLAUSIBLE)))
                continue
            column = self.values[name]
            known = column[~np.isnan(column)]
            if known.size == 0:
                continue
            values, counts = np.unique(known, return_counts=True)
            common = values[counts >= PLAUSIBLE_SHARE * known.size]
            out[name] = tuple(float(v) for v in (common if common.size else values))
        return out

    def neighbours(self, known: dict[str, float], k: int, rng: np.random.Generator) -> Values:
        """``k`` past applicants closest to the known encoded values (``k`` rows of Values)."""
        distance = rng.random(self.size) * 1e-6
        for name, x in known.items():
            if name not in self.values or np.isnan(x):
                continue
            column = self.values[name]
            if name in self._numeric:
                gap = np.abs(self._cdf[name] - self._position(name, np.array([x]))[0])
            else:
                gap = (column != x).astype(np.float64)
            distance += np.where(np.isnan(column), 0.5, gap)
        take = min(k, self.size)
        nearest = (
            np.argpartition(distance, take - 1)[:take] if take < self.size else np.arange(take)
        )
        return {name: column[nearest] for name, column in self.values.items()}
