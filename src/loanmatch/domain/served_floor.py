"""A lender's own floor in serving: its offers held to the target by what was offered (issue 13).

The certificate (``certification.py``) and the lender thresholds it raises are drawn on held-out
pairs. In serving the platform shows each owner their best few offers, one owner at a time, and
for a lender picked mostly as a second or third choice those offers can sit near the pooled
threshold: in the simulated month of session 12 one lender's offers carried a mean P of 83.9%
under a 90% target, and 81.2% of them were approved. A batch holds each lender to the target
over its own recommended pairs (``certification.lender_floors``); serving has no batch, but it
has the record of what it offered: the P of every application, kept with the application.

:func:`raised_floor` is that batch rule over the lender's latest offers under one model. With a
calibrated model the mean P of what a lender is sent is the approval its decisions will show, so
when the latest offers at or above the lender's current floor have a mean P below the goal (the
target plus the lender's calibration margin), the floor rises to the lowest value at which they
would have reached it. It is label-free (it waits for no decision) and it never falls while the
same model serves: below the current floor nothing was offered, so the record says nothing
about offers there, and a floor that fell on the evidence of the offers it kept out would swing
back and forth. A new model starts afresh from its own certificate.

Until a lender has ``MIN_OFFERS`` offers under the model there is too little to set a floor
on, and a floor set on a handful of offers would never come down. Those first offers are held
to the goal one by one instead (:func:`admits`): an offer is made only if the mean P of the
lender's offers so far, with it, still reaches the goal, so a lender's first offers already
carry the mean the promise needs, and from ``MIN_OFFERS`` on the floor takes over.

All of this rests on the lender's calibration: given P, the lender approves at P. Its
decisions under the model test that. When they fall below what was predicted for them with
evidence (the exact lower binomial tail at the mean prediction at most ``delta``, from
``CALIBRATION_DECISIONS`` decisions), :func:`calibration_gap` is the shortfall, and the goal
rises by it: a lender approving 5 points below its predictions must be offered 5 points
higher. The drift alarm still holds a lender whose approval falls far and fast; this closes
the slow, moderate gap the alarm takes hundreds of decisions to prove.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loanmatch.domain.binomial import binomial_sf

__all__ = [
    "CALIBRATION_DECISIONS",
    "MIN_OFFERS",
    "NO_FLOOR",
    "NO_OFFERS",
    "WINDOW",
    "admits",
    "calibration_gap",
    "raised_floor",
]

MIN_OFFERS = 20
"""Offers at or above the current floor needed before the floor moves (fewer: no change)."""
WINDOW = 300
"""How many of the lender's latest offers under the model are counted."""
NO_OFFERS = 2.0
"""The floor of a lender whose best offers do not reach the goal: above every probability."""
NO_FLOOR = 0.0
"""The floor of a lender none has been raised for (every probability is at or above it)."""


CALIBRATION_DECISIONS = 30
"""Decisions under the model before the lender's calibration gap is looked at."""


def calibration_gap(
    decisions: int, approved: int, predicted: float, delta: float = 0.1,
    minimum: int = CALIBRATION_DECISIONS,
) -> float:  # fmt: skip
    """The lender's shortfall under the model: its mean prediction ``predicted / decisions``
    minus its realised approval, when the lower tail ``P(Bin(decisions, mean) <= approved)``
    is at most ``delta``; 0 otherwise (no evidence, too few decisions, or none short)."""
    if decisions < minimum:
        return 0.0
    mean_p, realised = predicted / decisions, approved / decisions
    if realised >= mean_p:
        return 0.0
    lower_tail = 1.0 - binomial_sf(approved + 1, decisions, min(mean_p, 1.0))
    return mean_p - realised if lower_tail <= delta else 0.0


def admits(
    p: float, floor: float, offers: int, mean_p: float, goal: float, minimum: int = MIN_OFFERS
) -> bool:
    """Whether an offer of P ``p`` may be made for a lender with this ``floor`` and, under the
    model, ``offers`` offers so far of mean P ``mean_p``: at or above the floor, and while the
    offers are fewer than ``minimum``, keeping their mean at least ``goal`` (module docstring)."""
    if p < floor:
        return False
    return offers >= minimum or (offers * mean_p + p) / (offers + 1) >= goal


def raised_floor(
    offered_p: npt.ArrayLike, current: float, goal: float, minimum: int = MIN_OFFERS
) -> float:
    """The lender's floor after its latest offers ``offered_p`` (the P recorded with each):
    ``current`` while the offers at or above it reach a mean of ``goal`` or are fewer than
    ``minimum``, else the lowest floor at which they do (``NO_OFFERS`` when none does)."""
    p = np.asarray(offered_p, dtype=np.float64)
    above = p[~np.isnan(p) & (p >= current)]
    if above.size < minimum:
        return current
    ordered = np.sort(above)[::-1]
    means = np.cumsum(ordered) / np.arange(1, ordered.size + 1)
    if means[-1] >= goal:  # the same sum decides here as below, so no raise keeps everything
        return current
    # a floor keeps every offer tied with it: only the last of a run of equal P may end the top
    ends = np.append(ordered[1:] < ordered[:-1], True)
    reached = np.flatnonzero(ends & (means >= goal))
    if reached.size == 0:
        return NO_OFFERS
    return max(current, float(ordered[reached[-1]]))
