"""The calibration ledger's JSON routes (issue 13, ``docs/ledger.md``).

- ``GET /api/v1/lender/ledger``: the signed lender's own ledger (key scope
  ``applications:read``): predicted against realised approval per product and band of P, with
  95% exact intervals, and its drift alarm. Only the key's lender's decisions are read, so
  another lender's figures never appear.
- ``GET /api/v1/ledger/summary``: what owners are shown, for anyone: among the decisions whose
  owners were told at least X%, how many were approved (all lenders together). Counts and
  rates only; a rate is given only from ``minimum`` decisions.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel

from loanmatch.domain.ledger import DEFAULT_RULE, LEDGER_CONFIDENCE, Cell, DriftAlarm
from loanmatch.services import ledger as ledgers
from loanmatch.storage.records import LenderKey
from loanmatch.web.applications_api import Authorization, lender_key
from loanmatch.web.backend import sessions_backend
from loanmatch.web.errors import error_responses

__all__ = ["install_ledger_api"]

router = APIRouter(tags=["ledger · 校准台账"])
Days = Annotated[int, Query(ge=1, le=365, description="The window: the last N days")]


def reader(request: Request, authorization: Authorization = None) -> LenderKey:
    return lender_key(request, authorization, "applications:read")


Reader = Annotated[LenderKey, Depends(reader)]


class CellOut(BaseModel):
    lender: str | None
    product: str | None
    band: str | None
    """Band of predicted P, ``0.90-0.95``."""
    decisions: int
    approved: int
    predicted: float | None
    """Mean predicted P."""
    realised: float | None
    low: float | None
    high: float | None
    """The realised approval's two-sided exact (Clopper-Pearson) interval."""


class AlarmOut(BaseModel):
    lender: str
    decisions: int
    statistic: float
    level: float
    alarm: bool
    alarm_after: int | None
    alarm_at: datetime | None


class DriftRuleOut(BaseModel):
    kind: str = "risk-adjusted Bernoulli CUSUM"
    odds_ratio: float
    horizon: int
    alpha: float
    level: float


class LedgerOut(BaseModel):
    start: datetime
    end: datetime
    confidence: float
    interval_method: str = "clopper-pearson"
    overall: CellOut
    products: list[CellOut]
    bands: list[CellOut]
    product_bands: list[CellOut]
    alarm: AlarmOut | None
    drift_rule: DriftRuleOut


class ToldOut(BaseModel):
    floor: int
    """Owners told at least this percent."""
    decisions: int
    approved: int | None
    realised: float | None
    low: float | None
    high: float | None


class SummaryOut(BaseModel):
    days: int
    minimum: int
    """Decisions a rate needs before it is given."""
    rows: list[ToldOut]


def _finite(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


def _cell(c: Cell) -> CellOut:
    return CellOut(
        lender=c.lender or None, product=c.product or None, band=c.band or None,
        decisions=c.decisions, approved=c.approved, predicted=_finite(c.predicted),
        realised=_finite(c.realised), low=_finite(c.low), high=_finite(c.high),
    )  # fmt: skip


def _alarm(a: DriftAlarm) -> AlarmOut:
    return AlarmOut(
        lender=a.lender, decisions=a.decisions, statistic=round(a.statistic, 4),
        level=round(a.level, 4), alarm=a.ringing, alarm_after=a.alarm_after, alarm_at=a.alarm_at,
    )  # fmt: skip


@router.get(
    "/api/v1/lender/ledger", response_model=LedgerOut, responses=error_responses(401, 422, 429),
    summary="My calibration ledger: predicted against realised approval / 我的校准台账",
)  # fmt: skip
def lender_ledger(request: Request, key: Reader, days: Days = ledgers.DEFAULT_DAYS) -> LedgerOut:
    backend = sessions_backend(request)
    rule = DEFAULT_RULE
    found = ledgers.lender_ledger(
        backend.unit_of_work(), backend.context.clock(), days, key.lender_id, rule
    )
    return LedgerOut(
        start=found.start, end=found.end, confidence=LEDGER_CONFIDENCE,
        overall=_cell(found.overall), products=[_cell(c) for c in found.products],
        bands=[_cell(c) for c in found.bands],
        product_bands=[_cell(c) for c in found.product_bands],
        alarm=_alarm(found.alarms[0]) if found.alarms else None,
        drift_rule=DriftRuleOut(odds_ratio=rule.odds_ratio, horizon=rule.horizon,
                                alpha=rule.alpha, level=round(rule.level, 4)),
    )  # fmt: skip


@router.get(
    "/api/v1/ledger/summary", response_model=SummaryOut, responses=error_responses(422),
    summary="What owners told X% or more were granted / 推荐获批率的实际兑现",
)  # fmt: skip
def summary(request: Request, days: Days = ledgers.DEFAULT_DAYS) -> SummaryOut:
    backend = sessions_backend(request)
    found = ledgers.owner_summary(backend.unit_of_work(), backend.context.clock(), days)
    floors = sorted({r.floor for r in found.told_rows()})
    rows = []
    for floor in floors:
        cell = found.cell(floor)
        enough = cell.decisions >= found.minimum
        rows.append(
            ToldOut(
                floor=floor, decisions=cell.decisions,
                approved=cell.approved if enough else None,
                realised=_finite(cell.realised) if enough else None,
                low=_finite(cell.low) if enough else None,
                high=_finite(cell.high) if enough else None,
            )
        )  # fmt: skip
    return SummaryOut(days=days, minimum=found.minimum, rows=rows)


def install_ledger_api(app: FastAPI) -> None:
    app.include_router(router)
