"""The winner's curse: the best of many estimates is an over-estimate.

A recommendation takes each applicant's best-scored products among every product whose rules
pass. With hundreds of products, the highest of an applicant's scores is, on average, above that
pair's true probability, however well the model is calibrated on the pairs the logging policy
chose (measured on the ``thin`` test-bed market: held-out pairs ranked first to third by their
applicant's scores, at p >= 0.9, had a mean probability of 0.945 and were approved 0.863 of the
time; all held-out pairs at p >= 0.9: 0.931 and 0.917). This is the selection bias of an
estimate chosen for being the largest (Thaler 1988, "Anomalies: The Winner's Curse", *Journal of
Economic Perspectives* 2(1); for ranked estimates, Efron 2011, "Tweedie's Formula and Selection
Bias", *JASA* 106).

The correction is empirical: on the calibration applicants, every product is scored, each logged
pair gets its rank among its applicant's products (0 the best), and one logit shift per rank band
(``RANK_EDGES``) is fitted on the pairs at 0.5 or more, shrunk toward zero like the lender shifts
(``calibration.fit_shifts``). At recommendation time each pair's probability gets the shift of
its rank among the applicant's products.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.model.calibration import SHIFT_FLOOR, fit_shifts, logit, sigmoid

__all__ = ["RANK_EDGES", "RankShift", "fit_rank_shift", "rank_bands", "ranks"]

RANK_EDGES = (1, 3, 10, 30)
"""Rank bands: the best product, the 2nd-3rd, 4th-10th, 11th-30th, and the rest."""
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def ranks(p: npt.NDArray[np.float64]) -> IntArray:
    """Each pair's rank among its row's scored pairs (NaN or ``-inf``: not scored, rank -1)."""
    scored = np.isfinite(p)
    key = np.where(scored, p, -np.inf)
    order = np.argsort(-key, axis=1, kind="stable")
    rank = np.empty(p.shape, dtype=np.int64)
    np.put_along_axis(rank, order, np.arange(p.shape[1], dtype=np.int64)[None, :], axis=1)
    return np.where(scored, rank, -1)


def rank_bands(rank: IntArray) -> IntArray:
    """The band of each rank (``RANK_EDGES``); -1 stays -1."""
    band = np.searchsorted(np.asarray(RANK_EDGES), rank, side="right").astype(np.int64)
    return np.where(rank >= 0, band, -1)


@dataclass(frozen=True)
class RankShift:
    """One logit shift per rank band (empty: no correction)."""

    band: tuple[float, ...] = ()

    def apply(self, p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``p`` (applicants x products, NaN where not scored) with each pair shifted by the band
        of its rank among its applicant's products."""
        return self.apply_ranked(p, ranks(p)) if self.band else p

    def apply_ranked(self, p: FloatArray, rank: IntArray) -> FloatArray:
        """``p`` of pairs whose ranks are known (-1: unknown, left as it is) shifted by band."""
        if not self.band:
            return p
        band = rank_bands(rank)
        known = band >= 0
        out = p.copy()
        out[known] = sigmoid(logit(p[known]) + np.asarray(self.band)[band[known]])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"band": list(self.band), "edges": list(RANK_EDGES)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankShift:
        band = tuple(float(v) for v in data.get("band", ()))
        if band and (len(band) != len(RANK_EDGES) + 1 or not all(map(math.isfinite, band))):
            raise ValueError("rank shifts must be one finite number per rank band")
        if band and list(data.get("edges", [])) != list(RANK_EDGES):
            raise ValueError("the rank bands of this model are not this version's")
        return cls(band)


def fit_rank_shift(q: FloatArray, approved: FloatArray, rank: IntArray) -> RankShift:
    """Shifts per rank band from logged pairs with known ranks and ``q`` at or above
    ``SHIFT_FLOOR``."""
    keep = (rank >= 0) & (q >= SHIFT_FLOOR)
    if not keep.any():
        return RankShift()
    shift = fit_shifts(logit(q[keep]), approved[keep], rank_bands(rank[keep]), len(RANK_EDGES) + 1)
    return RankShift(tuple(shift.tolist()))
