"""Breakpoints, completion and time to approval come from an event log, simulated or real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.domain.events import EVENT_KINDS, IntakeEvent
from loanmatch.journey.measures import measure_events

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def log() -> list[IntakeEvent]:
    return [
        IntakeEvent("a", "started", at(0)),
        IntakeEvent("a", "answered", at(0.1), {"feature": "loan_amount"}),
        IntakeEvent("a", "applied", at(0.2), {"product_id": "p1"}),
        IntakeEvent("a", "decided", at(24), {"product_id": "p1", "approved": False}),
        IntakeEvent("a", "applied", at(25), {"product_id": "p2"}),
        IntakeEvent("a", "document_requested", at(26), {"product_id": "p2"}),
        IntakeEvent("a", "decided", at(48), {"product_id": "p2", "approved": True}),
        IntakeEvent("b", "started", at(1)),
        IntakeEvent("b", "abandoned", at(1.5), {"stage": "questions"}),
        IntakeEvent("c", "started", at(2)),
        IntakeEvent("c", "resumed", at(5)),
        IntakeEvent("c", "decided", at(14), {"product_id": "p3", "approved": True}),
    ]


def test_breakpoints_count_waits_rejections_documents_and_returns() -> None:
    measures = measure_events(reversed(log()))
    assert measures.sessions == 3
    assert measures.completed == 2
    assert measures.breakpoints == (2 + 1 + 1) + (1 + 1)
    assert measures.breakpoints_per_completed_loan == pytest.approx(3.0)
    assert measures.completion_rate == pytest.approx(2 / 3)


def test_time_to_approval_runs_from_the_first_event_to_the_first_approval() -> None:
    measures = measure_events(log())
    assert measures.median_hours_to_approval == pytest.approx(30.0)
    assert measures.p90_hours_to_approval == pytest.approx(12 + 0.9 * 36)


def test_an_event_round_trips_through_a_dict() -> None:
    event = log()[3]
    assert IntakeEvent.from_dict(event.to_dict()) == event


def test_an_event_must_be_well_formed() -> None:
    assert "document_requested" in EVENT_KINDS
    with pytest.raises(ValueError, match="kind"):
        IntakeEvent("a", "waved", T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone"):
        IntakeEvent("a", "started", datetime(2026, 1, 5))
    with pytest.raises(ValueError, match="approved"):
        IntakeEvent("a", "decided", T0, {"product_id": "p"})


def test_no_events_give_no_rates() -> None:
    measures = measure_events([])
    assert measures.sessions == 0
    assert measures.to_dict()["completion_rate"] is None
