"""The calibration ledger: predicted against realised approval, and drift alarms (issue 13).

Plain functions over a unit of work; the maths is :mod:`loanmatch.domain.ledger`'s and
``docs/ledger.md`` states it.

- :func:`lender_ledger`: the ledger of a window (default the last :data:`DEFAULT_DAYS` days) of
  every lender, or of one lender only (what that lender's portal page and API show: no other
  lender's figures are read).
- :func:`owner_summary`: what owners see on an offer: among the decisions whose owners were
  told at least X%, how many were approved; only from :data:`MIN_OWNER_DECISIONS` decisions
  (:meth:`OwnerSummary.line`).
- :func:`ledger_json`: a ledger as plain JSON values (the API and ``loanmatch ledger``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loanmatch.domain.ledger import (
    Cell,
    DriftAlarm,
    DriftRule,
    LearningRecord,
    Ledger,
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
    "ledger_json",
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
    rule: DriftRule = DriftRule(),
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


def _number(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


def cell_json(cell: Cell) -> dict[str, Any]:
    return {
        "lender": cell.lender or None,
        "product": cell.product or None,
        "band": cell.band or None,
        "decisions": cell.decisions,
        "approved": cell.approved,
        "predicted": _number(cell.predicted),
        "realised": _number(cell.realised),
        "interval": [_number(cell.low), _number(cell.high)],
    }


def _alarm_json(alarm: DriftAlarm) -> dict[str, Any]:
    return {
        "lender": alarm.lender,
        "decisions": alarm.decisions,
        "statistic": round(alarm.statistic, 4),
        "level": round(alarm.level, 4),
        "alarm": alarm.ringing,
        "alarm_after": alarm.alarm_after,
        "alarm_at": alarm.alarm_at.isoformat() if alarm.alarm_at is not None else None,
    }


def ledger_json(ledger: Ledger, rule: DriftRule = DriftRule()) -> dict[str, Any]:
    """The ledger as JSON values: every cell with its counts, mean predicted P, realised
    approval and 95% exact interval; every lender's CUSUM."""

    def many(cells: Sequence[Cell]) -> list[dict[str, Any]]:
        return [cell_json(c) for c in cells]

    return {
        "start": ledger.start.isoformat(),
        "end": ledger.end.isoformat(),
        "confidence": 0.95,
        "interval_method": "clopper-pearson",
        "overall": cell_json(ledger.overall),
        "lenders": many(ledger.lenders),
        "products": many(ledger.products),
        "bands": many(ledger.bands),
        "product_bands": many(ledger.product_bands),
        "drift_rule": {
            "kind": "risk-adjusted bernoulli cusum",
            "odds_ratio": rule.odds_ratio,
            "horizon": rule.horizon,
            "alpha": rule.alpha,
            "level": round(rule.level, 4),
        },
        "alarms": [_alarm_json(a) for a in ledger.alarms],
    }
