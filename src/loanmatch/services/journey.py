"""The measured journey (docs/design.md §10): the adaptive intake and the whole road to a loan.

1. Simulate a market and train on its history as ``evaluate`` does; draw ``n`` FRESH applicants.
2. Run every applicant through the intake with simulated connectors (their latency and failure
   rates) and a simulated owner who answers truthfully ("don't know" at a stated rate); and a
   subsample with connectors off. Measure questions typed, approval among recommended (oracle)
   and coverage against the recommendation with every feature known (same model and policy).
3. Replay both flows, traditional and loanmatch, as event logs and measure breakpoints per
   completed loan, completion and time to an approved offer from the events
   (:func:`loanmatch.journey.measures.measure_events`, the same code that measures real traffic).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.connectors.simulated import DEFAULT_FAILURES, connectors_for
from loanmatch.domain.events import IntakeEvent
from loanmatch.domain.products import Market
from loanmatch.domain.progress import Progress, silent
from loanmatch.intake.engine import BUDGET, DRAWS, EPSILON, IntakeEngine
from loanmatch.intake.prior import Prior
from loanmatch.journey.behaviour import assumptions
from loanmatch.journey.flows import form_fields, loanmatch_journey, traditional_journey
from loanmatch.journey.measures import JourneyMeasures, measure_events
from loanmatch.journey.owners import DONT_KNOW_RATE, OwnerRun, run_owner
from loanmatch.matching.batch import recommend_values
from loanmatch.matching.results import RecommendPolicy
from loanmatch.services.evaluation.simulated import FRESH_SEED_OFFSET
from loanmatch.services.train import fit_table
from loanmatch.simulator import simulate_market
from loanmatch.simulator.history import naive_weights

__all__ = ["JourneyReport", "journey"]

OFF_SAMPLE = 200
"""Applicants run with connectors off (every feature asked: slower, so a subsample)."""
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class JourneyReport:
    seed: int
    n: int
    questions_median: float
    questions_p90: float
    questions_off_median: float
    questions_off_p90: float
    off_sample: int
    approval_off: float
    """Approval among recommended (oracle) for the applicants run with connectors off."""
    coverage_off_vs_full_information: float
    form_fields: int
    approval_among_recommended: float
    coverage: float
    coverage_full_information: float
    coverage_vs_full_information: float
    same_offers_as_full_information: float
    traditional: JourneyMeasures
    loanmatch: JourneyMeasures
    breakpoints_reduction: float
    median_time_reduction: float
    p90_time_reduction: float
    seconds_per_question: float
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)
    assumptions: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, float) and math.isnan(value):
                return None
            return value

        out = {k: clean(v) for k, v in self.__dict__.items()}
        out["traditional"] = self.traditional.to_dict()
        out["loanmatch"] = self.loanmatch.to_dict()
        return out


def _offered(market: Market, runs: list[OwnerRun], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """Applicants x products: which products each run's final result offers."""
    offered = np.zeros(shape, dtype=bool)
    for i, run in enumerate(runs):
        for offer in run.result.offers:
            offered[i, market.index_of(offer.product.id)] = True
    return offered


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _reduction(new: float, old: float) -> float:
    return 1.0 - new / old if old and math.isfinite(old) and math.isfinite(new) else math.nan


def journey(
    seed: int,
    n: int = 1_000,
    progress: Progress | None = None,
    *,
    history_rows: int = 100_000,
    target_approval: float = 0.95,
    dont_know_rate: float = DONT_KNOW_RATE,
    off_sample: int = OFF_SAMPLE,
) -> JourneyReport:
    """Measure the intake and both journeys on ``n`` fresh simulated applicants."""
    started = time.perf_counter()
    report = progress or silent
    report("simulate", 0, 1)
    simulated = simulate_market(seed, history_rows=history_rows, n_applicants=100)
    market = simulated.market
    report("train", 0, 1)
    bundle = fit_table(
        market, simulated.history, seed=seed, formulas=catalog_formulas(market.catalog)
    )
    people = simulated.sample(n, seed + FRESH_SEED_OFFSET)
    engine = IntakeEngine(
        bundle,
        RecommendPolicy(target_approval=target_approval),
        Prior.from_table(market.catalog, simulated.history, seed=seed),
        seed=seed,
    )
    connectors = connectors_for(market.catalog, people, seed=seed)
    rng = np.random.default_rng([seed, 11])
    intake_started = time.perf_counter()
    runs: list[OwnerRun] = []
    for i in range(n):
        runs.append(run_owner(engine, people, i, connectors, rng, dont_know_rate))
        report("intake (connectors on)", i + 1, n)
    asked = sum(r.state.questions_typed + 1 for r in runs)
    per_question = (time.perf_counter() - intake_started) / max(asked, 1)
    off_n = min(off_sample, n)
    off_runs: list[OwnerRun] = []
    for i in range(off_n):
        off_runs.append(run_owner(engine, people, i, None, rng, dont_know_rate))
        report("intake (connectors off)", i + 1, off_n)
    off_typed = [r.state.questions_typed for r in off_runs]

    truth = np.asarray(simulated.oracle(people), dtype=bool)
    complete = bundle.complete({k: v.copy() for k, v in people.values.items()})
    full = recommend_values(bundle, people.ids, complete, engine.policy_fixed).rank > 0
    offered = _offered(market, runs, full.shape)
    off_offered = _offered(market, off_runs, (off_n, full.shape[1]))
    typed = np.array([r.state.questions_typed for r in runs], dtype=np.float64)

    weights = naive_weights(market, people.values)
    events_old: list[IntakeEvent] = []
    events_new: list[IntakeEvent] = []
    starts = np.random.default_rng([seed, 13]).integers(0, 60 * 24 * 30, size=len(runs))
    for i, run in enumerate(runs):
        start = START + timedelta(minutes=int(starts[i]))
        sid = str(people.ids[i])
        # One random stream per owner and flow: what loanmatch offers one owner never moves the
        # draws of the traditional flow (nor of any other owner).
        events_old += traditional_journey(
            f"T-{sid}", market, truth[i], weights[i], start, np.random.default_rng([seed, 17, i])
        )
        events_new += loanmatch_journey(
            f"L-{sid}", market, run, truth[i], start, np.random.default_rng([seed, 19, i])
        )
        report("journeys", i + 1, n)
    old, new = measure_events(events_old), measure_events(events_new)
    coverage, full_coverage = float(offered.any(axis=1).mean()), float(full.any(axis=1).mean())
    off_full = float(full[:off_n].any(axis=1).mean()) if off_n else math.nan
    off_coverage = float(off_offered.any(axis=1).mean()) if off_n else math.nan
    return JourneyReport(
        seed=seed,
        n=n,
        questions_median=float(np.median(typed)),
        questions_p90=float(np.percentile(typed, 90)),
        questions_off_median=float(np.median(off_typed)) if off_typed else math.nan,
        questions_off_p90=float(np.percentile(off_typed, 90)) if off_typed else math.nan,
        off_sample=off_n,
        approval_off=_ratio(float(truth[:off_n][off_offered].sum()), float(off_offered.sum())),
        coverage_off_vs_full_information=_ratio(off_coverage, off_full),
        form_fields=len(form_fields(market.catalog)),
        approval_among_recommended=_ratio(float(truth[offered].sum()), float(offered.sum())),
        coverage=coverage,
        coverage_full_information=full_coverage,
        coverage_vs_full_information=_ratio(coverage, full_coverage),
        same_offers_as_full_information=float((offered == full).all(axis=1).mean()),
        traditional=old,
        loanmatch=new,
        breakpoints_reduction=_reduction(
            new.breakpoints_per_completed_loan, old.breakpoints_per_completed_loan
        ),
        median_time_reduction=_reduction(
            new.median_hours_to_approval, old.median_hours_to_approval
        ),
        p90_time_reduction=_reduction(new.p90_hours_to_approval, old.p90_hours_to_approval),
        seconds_per_question=per_question,
        seconds=time.perf_counter() - started,
        settings={
            "target_approval": target_approval,
            "threshold": _finite(engine.policy_fixed.threshold),
            "dont_know_rate": dont_know_rate,
            "dont_know_applies_to": "questions with ask_cost >= 2",
            "epsilon": engine.epsilon,
            "budget": engine.budget,
            "draws": engine.draws,
            "stable_on": engine.stable_on,
            "plausible": {"draws": engine.plausible.draws, "quantile": engine.plausible.quantile},
            "defaults": {"epsilon": EPSILON, "budget": BUDGET, "draws": DRAWS},
            "connector_failures": {
                k: {"timeout": v.timeout, "unavailable": v.unavailable, "malformed": v.malformed}
                for k, v in DEFAULT_FAILURES.items()
            },
            "history_rows": history_rows,
        },
        assumptions=assumptions(),
    )
