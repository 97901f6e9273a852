"""The lender portal's ledger page (issue 13, ``docs/ledger.md``).

``GET /lender/ledger`` shows the signed-in user's lender its own calibration ledger over the
last 90 days (``?days=`` for another window): a server-rendered SVG calibration plot (mean
predicted P against realised approval per band of P, each point with its 95% exact interval,
the diagonal of perfect calibration, axes and a caption), the table per product and band, and
the drift alarm. Only this lender's decisions are read (``services/ledger.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from loanmatch.adapters import messages
from loanmatch.domain.ledger import LEDGER_CONFIDENCE, Cell
from loanmatch.services import ledger as ledgers
from loanmatch.web.backend import sessions_backend
from loanmatch.web.portal import lang_of, render, signed_in_or_login
from loanmatch.web.staff_auth import PATH

__all__ = ["Plot", "calibration_plot", "router"]

router = APIRouter(include_in_schema=False)

WIDTH, HEIGHT = 600, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 16, 56


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    y_low: float
    y_high: float
    label: str
    """The band and its count (the point's tooltip)."""


@dataclass(frozen=True)
class Tick:
    value: str
    x: float
    y: float


@dataclass(frozen=True)
class Plot:
    """Everything the template draws, in SVG user units (``WIDTH`` x ``HEIGHT``)."""

    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    diagonal: tuple[float, float, float, float]
    x0: float
    y0: float
    x1: float
    y1: float
    width: int = WIDTH
    height: int = HEIGHT


def calibration_plot(cells: tuple[Cell, ...]) -> Plot:
    """Mean predicted P (x) against realised approval (y) of ``cells`` with data; both axes
    from the lowest tenth any point or interval reaches (at most 0.5) to 1."""
    shown = [c for c in cells if c.decisions > 0]
    lowest = min([0.5, *(c.predicted for c in shown), *(c.low for c in shown)])
    lo = math.floor(lowest * 10 + 1e-9) / 10
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP

    def sx(v: float) -> float:
        return round(x0 + (v - lo) / (1 - lo) * (x1 - x0), 1)

    def sy(v: float) -> float:
        return round(y0 - (v - lo) / (1 - lo) * (y0 - y1), 1)

    steps = round((1 - lo) * 10)
    values = [lo + k / 10 for k in range(steps + 1)]
    points = tuple(
        Point(sx(c.predicted), sy(c.realised), sy(c.low), sy(c.high),
              f"{c.band}: {c.approved}/{c.decisions}")
        for c in shown
    )  # fmt: skip
    return Plot(
        points=points,
        x_ticks=tuple(Tick(f"{v:.1f}", sx(v), y0) for v in values),
        y_ticks=tuple(Tick(f"{v:.1f}", x0, sy(v)) for v in values),
        diagonal=(sx(lo), sy(lo), sx(1.0), sy(1.0)),
        x0=x0, y0=y0, x1=x1, y1=y1,
    )  # fmt: skip


Days = Annotated[int, Query(ge=1, le=365)]


@router.get(f"{PATH}/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, lang: str | None = None, days: Days = 90) -> Response:
    chosen = lang_of(request, lang)
    session = signed_in_or_login(request, chosen)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    found = ledgers.lender_ledger(
        backend.unit_of_work(), backend.context.clock(), days, session.lender_id
    )
    market = backend.market
    names = {p.id: p.display(chosen) for p in (market.products if market else ())}
    caption = messages.t(
        "portal.ledger_caption", chosen, n=found.overall.decisions, days=days,
        confidence=round(LEDGER_CONFIDENCE * 100),
    )  # fmt: skip
    alarm = found.alarms[0] if found.alarms else None
    return render(
        request, chosen, "ledger", session, ledger=found, plot=calibration_plot(found.bands),
        caption=caption, days=days, product_names=names, alarm=alarm,
    )  # fmt: skip
