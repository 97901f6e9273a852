"""Breakpoints, completion and time to an approved offer, from a list of intake events.

The same function measures simulated journeys and real traffic (docs/design.md §10):

- a **breakpoint** is a stop after which the owner must come back: each lender decision waited
  for (``decided``), each rejection on top of that (it sends the owner to another lender), each
  follow-up document request (``document_requested``) and each return after leaving
  (``resumed``);
- a session is **completed** when some lender approved (a ``decided`` event with
  ``approved: true``); ``breakpoints_per_completed_loan`` is all breakpoints of all sessions
  (abandoned ones included) divided by the completed sessions;
- **time to an approved offer** runs from the session's first event to its first approval,
  over completed sessions (median and 90th percentile, in hours).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from loanmatch.domain.events import IntakeEvent

__all__ = ["JourneyMeasures", "measure_events"]


@dataclass(frozen=True)
class JourneyMeasures:
    sessions: int
    completed: int
    completion_rate: float
    breakpoints: int
    breakpoints_per_completed_loan: float
    median_hours_to_approval: float
    p90_hours_to_approval: float
    questions_median: float
    """Answers typed per session (``answered`` events), median over sessions."""

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def _breakpoints(events: list[IntakeEvent]) -> int:
    count = 0
    for event in events:
        if event.kind in ("document_requested", "resumed"):
            count += 1
        elif event.kind == "decided":
            count += 1 if event.approved else 2
    return count


def measure_events(events: Iterable[IntakeEvent]) -> JourneyMeasures:
    """Measures over every session found in ``events`` (any order)."""
    sessions: dict[str, list[IntakeEvent]] = defaultdict(list)
    for event in events:
        sessions[event.session_id].append(event)
    hours: list[float] = []
    answers: list[int] = []
    breakpoints = 0
    for session in sessions.values():
        session.sort(key=lambda e: e.at)
        breakpoints += _breakpoints(session)
        answers.append(sum(1 for e in session if e.kind == "answered"))
        approval = next((e for e in session if e.approved), None)
        if approval is not None:
            hours.append((approval.at - session[0].at).total_seconds() / 3600.0)
    n, done = len(sessions), len(hours)
    return JourneyMeasures(
        sessions=n,
        completed=done,
        completion_rate=done / n if n else math.nan,
        breakpoints=breakpoints,
        breakpoints_per_completed_loan=breakpoints / done if done else math.nan,
        median_hours_to_approval=float(np.median(hours)) if hours else math.nan,
        p90_hours_to_approval=float(np.percentile(hours, 90)) if hours else math.nan,
        questions_median=float(np.median(answers)) if answers else math.nan,
    )
