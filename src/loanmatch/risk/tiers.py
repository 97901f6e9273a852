"""Risk tiers A-E (客群分层) from the 12-month PD, with documented cut-offs (docs/risk.md).

Default cut-offs, in 12-month PD::

    A  PD <  1%     prime: priced near the funding floor of bank products
    B  1% <= PD < 2%
    C  2% <= PD < 4%   around the 普惠 NPL ratio of 2.2-2.99% (docs/market-reference.md §4)
    D  4% <= PD < 8%   the internet-bank and fintech band
    E  PD >= 8%        above what most bank products can price (EL = 8% x 45% = 3.6 points)

The cut-offs double from tier to tier (a constant step in log-odds, as scorecard bands are
usually set). Tiers are ordered by PD, so a calibrated model gives realised default rates that
rise from A to E; :func:`tier_table` and :func:`is_monotone` check that on outcomes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_CUTS",
    "TIERS",
    "TierRow",
    "assign_tiers",
    "is_monotone",
    "tier_of",
    "tier_table",
]

TIERS = ("A", "B", "C", "D", "E")
DEFAULT_CUTS = (0.01, 0.02, 0.04, 0.08)
"""Upper PD bounds (exclusive) of tiers A to D; E is everything above the last."""


def _check(cuts: Sequence[float]) -> None:
    if len(cuts) != len(TIERS) - 1 or any(b <= a for a, b in itertools.pairwise(cuts)):
        raise ValueError(f"tiers need {len(TIERS) - 1} increasing cut-offs, received {cuts}")
    if not (cuts[0] > 0.0 and cuts[-1] < 1.0):
        raise ValueError("cut-offs must lie strictly between 0 and 1")


def assign_tiers(
    pd: npt.ArrayLike, cuts: Sequence[float] = DEFAULT_CUTS
) -> npt.NDArray[np.object_]:
    """The tier letter of every PD (NaN PD gets no tier: None)."""
    _check(cuts)
    p = np.asarray(pd, dtype=np.float64).ravel()
    index = np.searchsorted(np.asarray(cuts), p, side="right")
    out = np.asarray(TIERS, dtype=object)[np.minimum(index, len(TIERS) - 1)]
    out[np.isnan(p)] = None
    return out


def tier_of(pd: float, cuts: Sequence[float] = DEFAULT_CUTS) -> str:
    """The tier of one PD."""
    if not 0.0 <= pd <= 1.0:
        raise ValueError(f"PD must be in [0, 1] (received {pd})")
    return str(assign_tiers([pd], cuts)[0])


@dataclass(frozen=True)
class TierRow:
    tier: str
    pd_low: float
    pd_high: float
    count: int
    mean_pd: float
    default_rate: float


def tier_table(
    pd: npt.ArrayLike, y: npt.ArrayLike, cuts: Sequence[float] = DEFAULT_CUTS
) -> list[TierRow]:
    """Per tier: loans, mean predicted PD and realised default rate (empty tiers included)."""
    p = np.asarray(pd, dtype=np.float64).ravel()
    labels = np.asarray(y, dtype=np.float64).ravel()
    tiers = assign_tiers(p, cuts)
    bounds = (0.0, *cuts, 1.0)
    rows = []
    for k, tier in enumerate(TIERS):
        mask = tiers == tier
        n = int(mask.sum())
        rows.append(
            TierRow(
                tier,
                bounds[k],
                bounds[k + 1],
                n,
                float(p[mask].mean()) if n else float("nan"),
                float(labels[mask].mean()) if n else float("nan"),
            )
        )
    return rows


def is_monotone(rows: Sequence[TierRow], min_count: int = 1) -> bool:
    """Whether realised default rates never fall from one tier to the next (tiers with fewer
    than ``min_count`` loans are skipped)."""
    rates = [r.default_rate for r in rows if r.count >= min_count]
    return all(b >= a for a, b in itertools.pairwise(rates))
