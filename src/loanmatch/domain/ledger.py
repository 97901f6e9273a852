"""The calibration ledger and its drift alarm: predicted against realised approval (issue 13).

Pure: the inputs are :class:`LearningRecord` values (one lender decision on an application the
platform sent, with what was predicted when the owner applied), the outputs are counts,
intervals and alarms. ``docs/ledger.md`` states the maths and its sources.

- **Cells.** Per lender, per product, per band of predicted P (:data:`P_EDGES`) and per product
  and band: the decisions, the approvals, the mean predicted P and the realised approval with an
  exact two-sided Clopper-Pearson interval at :data:`LEDGER_CONFIDENCE` (Clopper and Pearson
  1934, *Biometrika* 26; ``domain/approval_band.py``'s bisection on the exact binomial tail,
  checked against ``scipy.stats.binomtest(...).proportion_ci(method="exact")`` in the tests).
- **What owners were told.** :func:`told_floor` is the lower end of the text an owner read
  (the band rounded down to 5 points, at most 95; without a band the point rounded down);
  :func:`told_summary` counts, among decisions whose owners were told at least X%, how many
  were approved.
- **Drift.** A risk-adjusted Bernoulli CUSUM per lender (Steiner, Cook, Farewell and Treasure
  2000, "Monitoring surgical performance using risk-adjusted cumulative sum charts",
  *Biostatistics* 1(4)): against the null "each decision approves with its predicted P", the
  alternative "the odds of approval are multiplied by ``odds_ratio`` (< 1)". Each decision adds
  ``W = y·log R − log(1 − p + R·p)``; ``S = max(0, S + W)``; the alarm rings when ``S ≥ h``.
  With ``h = log(horizon / alpha)`` the chance of any false alarm within ``horizon`` decisions
  of a lender whose decisions follow the predictions is at most ``alpha`` (each start's
  likelihood ratio is a mean-one martingale, so it reaches ``e^h`` with probability at most
  ``e^-h`` by Ville's inequality; the CUSUM rings when one of at most ``horizon`` starts does).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from loanmatch.domain.approval_band import clopper_pearson

__all__ = [
    "DEFAULT_RULE",
    "LEDGER_CONFIDENCE",
    "P_EDGES",
    "Cell",
    "DriftAlarm",
    "DriftRule",
    "LearningRecord",
    "Ledger",
    "ToldRow",
    "build_ledger",
    "cells",
    "cusum",
    "p_band",
    "told_floor",
    "told_summary",
]

LEDGER_CONFIDENCE = 0.95
"""Two-sided confidence of every realised-approval interval of the ledger."""
P_EDGES = (0.0, 0.8, 0.85, 0.9, 0.95, 1.0)
"""Bands of predicted P: below the default threshold as one, then steps of 5 points."""


@dataclass(frozen=True)
class LearningRecord:
    """One lender decision with what was predicted when the owner applied: the input a
    retraining job learns from (``services/ledger.py``, ``learning_records``)."""

    application_id: str
    lender_id: str
    product_id: str
    approved: bool
    p_approve: float
    model_id: str
    threshold: float
    propensity: float
    decided_at: datetime
    decided_by: str
    band_low: float | None = None
    band_high: float | None = None


@dataclass(frozen=True)
class Cell:
    """Decisions of one group: ``lender``, ``product``, ``band`` ("" = all)."""

    decisions: int
    approved: int
    predicted: float
    """Mean predicted P (NaN with no decisions)."""
    low: float
    high: float
    lender: str = ""
    product: str = ""
    band: str = ""

    @property
    def realised(self) -> float:
        return self.approved / self.decisions if self.decisions else math.nan


def p_band(p: float) -> str:
    """The band of predicted P holding ``p``: ``"0.90-0.95"`` (the top band includes 1)."""
    for low, high in itertools.pairwise(P_EDGES):
        if p < high or high == P_EDGES[-1]:
            return f"{low:.2f}-{high:.2f}"
    return f"{P_EDGES[-2]:.2f}-{P_EDGES[-1]:.2f}"  # pragma: no cover (the loop returns)


def _cell(records: Sequence[LearningRecord], lender: str, product: str, band: str) -> Cell:
    n = len(records)
    k = sum(1 for r in records if r.approved)
    predicted = sum(r.p_approve for r in records) / n if n else math.nan
    low, high = clopper_pearson(k, n, LEDGER_CONFIDENCE)
    return Cell(n, k, predicted, low, high, lender, product, band)


def cells(
    records: Iterable[LearningRecord],
    key: Callable[[LearningRecord], tuple[str, str, str]],
) -> tuple[Cell, ...]:
    """One cell per ``key`` (lender, product, band) of the records, sorted by key."""
    groups: dict[tuple[str, str, str], list[LearningRecord]] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return tuple(_cell(groups[k], *k) for k in sorted(groups))


@dataclass(frozen=True)
class DriftRule:
    """The CUSUM's alternative and alarm level (see the module docstring)."""

    odds_ratio: float = 0.5
    """The odds of approval under the alternative, relative to the predicted odds."""
    horizon: int = 2000
    """Decisions of one lender over which false alarms are bounded."""
    alpha: float = 0.05
    """The bound on the chance of any false alarm within ``horizon`` decisions."""

    @property
    def level(self) -> float:
        """``h = log(horizon / alpha)``."""
        return math.log(self.horizon / self.alpha)

    def weight(self, p: float, approved: bool) -> float:
        """One decision's log likelihood ratio, alternative over null."""
        r = self.odds_ratio
        q = min(max(p, 1e-9), 1.0 - 1e-9)
        return (math.log(r) if approved else 0.0) - math.log(1.0 - q + r * q)


DEFAULT_RULE = DriftRule()
"""Odds halved, 2,000 decisions, alpha 0.05: the level is log(40,000) ≈ 10.6."""


@dataclass(frozen=True)
class DriftAlarm:
    """A lender's CUSUM over its decisions in time order."""

    lender: str
    decisions: int
    statistic: float
    """``S`` after the last decision."""
    level: float
    alarm_after: int | None = None
    """Decisions (1-based) up to the one at which ``S`` first reached the level; None: never."""
    alarm_at: datetime | None = None

    @property
    def ringing(self) -> bool:
        return self.alarm_after is not None


def cusum(
    records: Sequence[LearningRecord], rule: DriftRule = DEFAULT_RULE, lender: str = ""
) -> DriftAlarm:
    """The CUSUM of ``records`` (one lender's, in the order given: decision time)."""
    level = rule.level
    s = 0.0
    alarm_after: int | None = None
    alarm_at: datetime | None = None
    for index, record in enumerate(records, start=1):
        s = max(0.0, s + rule.weight(record.p_approve, record.approved))
        if alarm_after is None and s >= level:
            alarm_after, alarm_at = index, record.decided_at
    return DriftAlarm(lender, len(records), s, level, alarm_after, alarm_at)


def told_floor(p: float, band_low: float | None) -> int:
    """The lower end, in whole percent, of what the owner read for a probability: its band's
    ``low`` rounded down to 5 points and at most 95 (``band_text``), else ``p`` rounded down
    to 5 points."""
    x = band_low if band_low is not None else p
    return min(95, math.floor(x / 0.05 + 1e-9) * 5)


@dataclass(frozen=True)
class ToldRow:
    """Among decisions whose owners were told at least ``floor`` percent: how many were
    approved, with the interval."""

    floor: int
    cell: Cell


def told_summary(records: Sequence[LearningRecord]) -> tuple[ToldRow, ...]:
    """One row per floor some owner was told (ascending), each counting every decision told
    that floor or more."""
    floors = sorted({told_floor(r.p_approve, r.band_low) for r in records})
    return tuple(
        ToldRow(f, _cell([r for r in records if told_floor(r.p_approve, r.band_low) >= f],
                         "", "", f"{f}+"))
        for f in floors
    )  # fmt: skip


@dataclass(frozen=True)
class Ledger:
    """The ledger of one window ``[start, end)``: every cell and every lender's alarm."""

    start: datetime
    end: datetime
    overall: Cell
    lenders: tuple[Cell, ...]
    products: tuple[Cell, ...]
    bands: tuple[Cell, ...]
    product_bands: tuple[Cell, ...]
    alarms: tuple[DriftAlarm, ...]
    told: tuple[ToldRow, ...]


def build_ledger(
    records: Sequence[LearningRecord],
    start: datetime,
    end: datetime,
    rule: DriftRule = DEFAULT_RULE,
) -> Ledger:
    """The ledger of ``records`` (those decided in ``[start, end)`` are kept)."""
    kept = sorted((r for r in records if start <= r.decided_at < end),
                  key=lambda r: (r.decided_at, r.application_id))  # fmt: skip
    by_lender: dict[str, list[LearningRecord]] = {}
    for record in kept:
        by_lender.setdefault(record.lender_id, []).append(record)
    return Ledger(
        start=start,
        end=end,
        overall=_cell(kept, "", "", ""),
        lenders=cells(kept, lambda r: (r.lender_id, "", "")),
        products=cells(kept, lambda r: (r.lender_id, r.product_id, "")),
        bands=cells(kept, lambda r: ("", "", p_band(r.p_approve))),
        product_bands=cells(kept, lambda r: (r.lender_id, r.product_id, p_band(r.p_approve))),
        alarms=tuple(cusum(by_lender[k], rule, k) for k in sorted(by_lender)),
        told=told_summary(kept),
    )
