"""Outcomes by a protected attribute (issue 13's fairness audit): the groups compared on the
standard measures, the attribute used for nothing else.

For each group of applicants (e.g. the owner's gender; unknown is a group of its own):

- **recommended rate**: the share of the group's applicants with at least one offer;
- **approval among recommended**: approved offers over offers (what the promise is about);
- **calibration within the group**: the mean predicted P(approve) of the group's offers against
  their realised approval (a model that is calibrated overall but not within a group promises
  one group more than it delivers);
- **equal opportunity**: among applicants some product would truly approve, the share that was
  recommended something (the true positive rate, Hardt, Price & Srebro 2016).

The comparisons and their flags:

- **recommended-rate ratio** (lowest group's over highest's): flagged below 0.8, the
  "four-fifths rule" of the US Uniform Guidelines on Employee Selection Procedures,
  29 CFR 1607.4(D), used here as a screening threshold, not a legal test;
- **calibration gap**: a group whose offers' realised approval falls short of their predicted
  P by more than :data:`CALIBRATION_TOLERANCE` is flagged;
- **equal-opportunity ratio**: flagged below 0.8, as the selection-rate ratio.

Groups with fewer than :data:`MIN_GROUP` applicants are reported but neither compared nor
flagged: their rates are noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "CALIBRATION_TOLERANCE",
    "FOUR_FIFTHS",
    "MIN_GROUP",
    "FairnessAudit",
    "GroupOutcome",
    "audit_groups",
]

FOUR_FIFTHS = 0.8
CALIBRATION_TOLERANCE = 0.03
"""Three points of approval: the margin the promise's own checks allow a lender (docs/method.md)."""
MIN_GROUP = 100


@dataclass(frozen=True)
class GroupOutcome:
    group: str
    applicants: int
    recommended_rate: float
    offers: int
    approval_among_recommended: float | None
    predicted_among_recommended: float | None
    equal_opportunity: float | None
    """Recommended among the group's applicants some product would truly approve."""

    @property
    def calibration_gap(self) -> float | None:
        """Predicted minus realised approval of the group's offers (positive: over-promised)."""
        if self.approval_among_recommended is None or self.predicted_among_recommended is None:
            return None
        return self.predicted_among_recommended - self.approval_among_recommended


@dataclass(frozen=True)
class FairnessAudit:
    groups: tuple[GroupOutcome, ...]
    recommended_rate_ratio: float | None
    equal_opportunity_ratio: float | None
    flags: tuple[str, ...]
    """``recommended_rate``, ``equal_opportunity``, ``calibration:<group>``; empty: none."""


def _ratio(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    if len(known) < 2 or max(known) <= 0:
        return None
    return min(known) / max(known)


def audit_groups(
    groups: npt.NDArray[np.str_],
    offered: npt.NDArray[np.bool_],
    approved: npt.NDArray[np.bool_],
    predicted: npt.NDArray[np.float64],
) -> FairnessAudit:
    """Compare the groups of ``groups`` (one label per applicant) on ``offered`` (applicants x
    products), the true decisions ``approved`` and the predicted P(approve) ``predicted`` (both
    applicants x products)."""
    outcomes: list[GroupOutcome] = []
    coverable: npt.NDArray[np.bool_] = np.asarray(approved.any(axis=1), dtype=bool)
    for label in sorted(set(groups.tolist())):
        rows = groups == label
        n = int(rows.sum())
        mine = offered[rows]
        offers = int(mine.sum())
        truly = coverable[rows]
        reached: npt.NDArray[np.bool_] = np.asarray(mine.any(axis=1), dtype=bool)
        outcomes.append(
            GroupOutcome(
                group=str(label),
                applicants=n,
                recommended_rate=float(reached.mean()) if n else 0.0,
                offers=offers,
                approval_among_recommended=float(approved[rows][mine].mean()) if offers else None,
                predicted_among_recommended=float(predicted[rows][mine].mean()) if offers else None,
                equal_opportunity=float(reached[truly].mean()) if truly.any() else None,
            )
        )
    compared = [g for g in outcomes if g.applicants >= MIN_GROUP]
    rate_ratio = _ratio([g.recommended_rate for g in compared])
    eo_ratio = _ratio([g.equal_opportunity for g in compared])
    flags = []
    if rate_ratio is not None and rate_ratio < FOUR_FIFTHS:
        flags.append("recommended_rate")
    if eo_ratio is not None and eo_ratio < FOUR_FIFTHS:
        flags.append("equal_opportunity")
    over = [g for g in compared if (g.calibration_gap or 0.0) > CALIBRATION_TOLERANCE]
    flags += [f"calibration:{g.group}" for g in over]
    return FairnessAudit(tuple(outcomes), rate_ratio, eo_ratio, tuple(flags))
