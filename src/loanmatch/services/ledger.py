"""The calibration ledger: predicted against realised approval, and drift alarms (issue 13).

Plain functions over a unit of work; the maths is :mod:`loanmatch.domain.ledger`'s and
``docs/ledger.md`` states it.

- :func:`lender_ledger`: the ledger of a window (default the last :data:`DEFAULT_DAYS` days) of
  every lender, or of one lender only (what that lender's portal page and API show: no other
  lender's figures are read).
- :func:`owner_summary`: what owners see on an offer: among the decisions whose owners were
  told at least X%, how many were approved; only from :data:`MIN_OWNER_DECISIONS` decisions
  (:meth:`OwnerSummary.line`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from loanmatch.domain.ledger import (
    DEFAULT_RULE,
    Cell,
    DriftRule,
    LearningRecord,
    Ledger,
    ToldRow,
    build_ledger,
    told_floor,
    told_summary,
)
from loanmatch.services.predictions import learning_records
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "DEFAULT_DAYS",
    "MIN_OWNER_DECISIONS",
    "OwnerLine",
    "OwnerSummary",
    "lender_ledger",
    "owner_summary",
    "window",
]

DEFAULT_DAYS = 90
MIN_OWNER_DECISIONS = 50
"""Decisions a figure shown to owners needs: at 50 decisions and 93% approved, the 95% exact
interval is about 83%-98%; fewer would promise a precision the count does not have."""


def window(now: datetime, days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """``[now - days, now]`` as the half-open ``[start, end)`` the queries take."""
    if days < 1:
        raise ValueError(f"a ledger window needs at least one day, got {days}")
    return now - timedelta(days=days), now + timedelta(microseconds=1)


def lender_ledger(
    uow: UnitOfWork,
    now: datetime,
    days: int = DEFAULT_DAYS,
    lender_id: str | None = None,
    rule: DriftRule = DEFAULT_RULE,
) -> Ledger:
    """The ledger of the last ``days`` days: every lender's, or ``lender_id``'s only."""
    start, end = window(now, days)
    return build_ledger(learning_records(uow, start, end, lender_id), start, end, rule)


@dataclass(frozen=True)
class OwnerLine:
    """The sentence's figures: told ``floor``% or more, ``share`` approved (rounded down to a
    whole percent) of ``decisions``; ``enough`` False below the minimum (no share shown)."""

    floor: int
    decisions: int
    share: int | None
    days: int
    enough: bool
    minimum: int


@dataclass(frozen=True)
class OwnerSummary:
    """The platform's decisions of the window, by what their owners were told."""

    records: tuple[LearningRecord, ...]
    days: int
    minimum: int = MIN_OWNER_DECISIONS

    def told_rows(self) -> tuple[ToldRow, ...]:
        """One row per floor some owner was told (``told_summary``)."""
        return told_summary(self.records)

    def cell(self, floor: int) -> Cell:
        """Decisions whose owners were told at least ``floor``%."""
        told = [r for r in self.records if told_floor(r.p_approve, r.band_low) >= floor]
        rows = told_summary(told)
        return rows[0].cell if rows else Cell(0, 0, math.nan, 0.0, 1.0, band=f"{floor}+")

    def line(self, p_approve: float, band_low: float | None) -> OwnerLine:
        """The line for an offer the owner is told ``p_approve`` (band ``band_low``) about."""
        floor = told_floor(p_approve, band_low)
        cell = self.cell(floor)
        enough = cell.decisions >= self.minimum
        share = math.floor(cell.realised * 100 + 1e-9) if enough else None
        return OwnerLine(floor, cell.decisions, share, self.days, enough, self.minimum)


def owner_summary(uow: UnitOfWork, now: datetime, days: int = DEFAULT_DAYS) -> OwnerSummary:
    """Every lender's decisions of the last ``days`` days, for the owners' lines."""
    start, end = window(now, days)
    return OwnerSummary(tuple(learning_records(uow, start, end)), days)
