"""The measured journey: event schema, measures, behaviour model, simulated flows and owners."""

from loanmatch.domain.events import EVENT_KINDS, EventKind, IntakeEvent
from loanmatch.journey.measures import JourneyMeasures, measure_events

__all__ = ["EVENT_KINDS", "EventKind", "IntakeEvent", "JourneyMeasures", "measure_events"]
