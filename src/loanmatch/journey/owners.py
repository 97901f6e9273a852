"""Simulated owners going through the intake: connectors first, then truthful answers.

An owner answers each question with the population's true value of the feature, or "don't know"
with probability ``dont_know_rate`` (stated in every report) for facts to look up (``ask_cost``
of 2 or more); what the catalog marks as effort 1 (a yes/no, or a fact the owner knows such as the
amount they want) is always answered. With connectors on, every connector
source is consented and called once; a failure (timeout, outage, malformed data) makes its
features askable. With connectors off, every source is ``off`` and everything is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from loanmatch.connectors.base import ConsentGrant
from loanmatch.connectors.simulated import CONNECTOR_SOURCES, SimulatedConnector
from loanmatch.errors import ConnectorDataError, ConnectorError, ConnectorTimeout
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.state import IntakeState, SourceStatus
from loanmatch.matching.results import ApplicantResult
from loanmatch.simulator.population import Population

__all__ = ["DONT_KNOW_RATE", "OwnerRun", "prefill", "run_owner"]

DONT_KNOW_RATE = 0.05
"""Share of questions a simulated owner answers "don't know" (*assumption*)."""
CONSENT_PURPOSE = "loan matching (simulated)"


@dataclass(frozen=True)
class OwnerRun:
    """One simulated intake: what was asked, what the sources did, and the final result."""

    state: IntakeState
    result: ApplicantResult
    connector_seconds: float
    failed_sources: tuple[str, ...]
    questions: tuple[str, ...] = field(default_factory=tuple)


def prefill(
    state: IntakeState,
    connectors: Mapping[str, SimulatedConnector],
    now: datetime,
    timeout_s: float = 10.0,
    retries: int = 1,
) -> float:
    """Call every connector once with a fresh consent; return the slowest call's seconds
    (the calls run in parallel). A timeout or an outage is retried ``retries`` times."""
    slowest = 0.0
    for name, connector in connectors.items():
        grant = ConsentGrant(name, CONSENT_PURPOSE, now + timedelta(days=30))
        waited = 0.0
        for _ in range(1 + retries):
            status = _pull(state, name, connector, grant, timeout_s, now)
            waited += connector.last_latency_s
            if status not in ("timeout", "unavailable"):
                break
        if status != "ok":
            state.source_failed(name, status)
        slowest = max(slowest, waited)
    return slowest


def _pull(
    state: IntakeState,
    name: str,
    connector: SimulatedConnector,
    grant: ConsentGrant,
    timeout_s: float,
    now: datetime,
) -> SourceStatus:
    try:
        values = connector.fetch(state.enterprise_id, state.owner_id, grant, timeout_s, now)
    except ConnectorTimeout:
        return "timeout"
    except ConnectorDataError:
        return "malformed"
    except ConnectorError:
        return "unavailable"
    state.prefill(name, values)
    return "ok"


def run_owner(
    engine: IntakeEngine,
    population: Population,
    row: int,
    connectors: Mapping[str, SimulatedConnector] | None,
    rng: np.random.Generator,
    dont_know_rate: float = DONT_KNOW_RATE,
) -> OwnerRun:
    """Run one owner (``population`` row) through the intake until the engine stops."""
    catalog = engine.catalog
    state = IntakeState(enterprise_id=str(population.ids[row]), owner_id=f"O-{row}")
    seconds = 0.0
    if connectors:
        seconds = prefill(state, connectors, datetime.now(UTC))
    else:
        for source in CONNECTOR_SOURCES:
            state.source_failed(source, "off")
    while (question := engine.next_question(state)) is not None:
        name = question.feature.name
        state.note_asked(name)
        truth = catalog[name].decode(float(population.complete[name][row]))
        lookup = question.feature.ask_cost >= 2
        if truth is None or (lookup and rng.random() < dont_know_rate):
            engine.answer(state, name, "不知道")
        else:
            engine.answer(state, name, truth)
    failed = tuple(sorted(state.failed_sources()))
    result = engine.result(state, str(population.ids[row]))
    return OwnerRun(state, result, seconds, failed, tuple(state.asked))
