"""A simulated month of the live platform (issue 13; ``loanmatch operate``, ``docs/ledger.md``).

Day by day, on a simulated market with its hidden truth (``lenders_hidden.npz``):

1. ``owners_per_day`` firms of the market's applicants arrive (each once, in a seeded order)
   with the facts an intake would gather (their visible values);
2. the served model (the registry's champion, else the settings' model) recommends to them in
   one batch under the policy; offers of lenders on hold are left out (``services/holds.py``);
3. each owner applies to every offer (at most ``max_offers``, within the inquiry budget); the
   application records what was predicted (model id, P, threshold, propensity 1);
4. each lender decides by its hidden true policy (``services/lender_agents.verdict``), a few
   hours later. From ``change_day`` on, ``change_lender`` decides by a tighter policy: every
   cutoff of its products raised by ``tighten`` score units, as in the drift test;
5. after each owner's applications, each lender's floor is raised where its latest offers under
   the served model carry a mean P below its goal (``services/floors.py``, as an application
   through the API does), and its offers below the floor are left out from then on;
6. after each decision the lender is checked by the drift alarm, which puts it on hold when it
   rings, as a decision through the API does (``services/holds.check_lender``); a lender put
   on hold gets no more of the day's owners;
7. every ``retrain_every`` days a retraining job is queued and run (``services/retraining``,
   the gate judging on the latest 30% of the platform's decisions); a promotion lifts holds.

Everything is written through the repositories into the platform's database (sessions,
applications with their history, holds, floors, jobs, model versions, audit), so the ledger
and the console read the month as they read live traffic. Every arriving owner's journey is
logged as the intake logs it (started, consent, recommended with the number of offers,
applied, decided), so the console's funnel shows the month. What it does not go through: the
intake's questions (the facts are given whole) and HTTP.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.applications import Application, Prediction, transition
from loanmatch.domain.approval_band import clopper_pearson
from loanmatch.domain.canary import in_canary
from loanmatch.domain.catalog import Scalar, Values
from loanmatch.domain.events import IntakeEvent
from loanmatch.domain.formula import fill_derived
from loanmatch.domain.progress import Progress, silent
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.batch import Batch, lender_goals, recommend_values
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.services import holds
from loanmatch.services.agent_runner import AgentWorld
from loanmatch.services.canary import judge_canary
from loanmatch.services.floors import admitted, floors_of, note_decision, note_offers
from loanmatch.services.lender_agents import Verifier, verdict
from loanmatch.storage.records import LenderFloor, SessionRecord
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["Decided", "LenderMonth", "MonthReport", "MonthSetup", "operate"]


@dataclass(frozen=True)
class MonthSetup:
    days: int = 30
    owners_per_day: int = 60
    change_lender: str = ""
    """The lender that tightens its policy (empty: the one with the most products)."""
    change_day: int = 12
    tighten: float = 0.5
    retrain_every: int = 10
    """Days between retrainings (0: none)."""
    seed: int = 0


@dataclass(frozen=True)
class Decided:
    """One decision of the month, as the simulation saw it."""

    day: int
    lender: str
    p: float
    approved: bool
    changed: bool
    """Decided under the changed policy (the changing lender, from ``change_day``)."""


@dataclass(frozen=True)
class LenderMonth:
    """A lender's month: its decisions on recommended offers and their approval."""

    lender: str
    decisions: int
    approved: int
    predicted: float
    low: float
    high: float

    @property
    def realised(self) -> float:
        return self.approved / self.decisions if self.decisions else float("nan")


@dataclass
class MonthReport:
    setup: MonthSetup
    start: datetime
    end: datetime
    policy: dict[str, Any]
    decided: list[Decided] = field(default_factory=list)
    days: list[dict[str, Any]] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    """Lender -> the day it was put on hold."""
    floors: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    """Lender -> each raise of its floor (``services/floors.py``): the day and the floor."""
    retrainings: list[dict[str, Any]] = field(default_factory=list)
    canary: list[dict[str, Any]] = field(default_factory=list)
    """Each day's verdict on the running canary (``services/canary.py``)."""

    def lenders(self, rows: list[Decided] | None = None) -> list[LenderMonth]:
        chosen = self.decided if rows is None else rows
        out = []
        for lender in sorted({d.lender for d in chosen}):
            mine = [d for d in chosen if d.lender == lender]
            approved = sum(d.approved for d in mine)
            low, high = clopper_pearson(approved, len(mine), 0.9)
            out.append(LenderMonth(lender, len(mine), approved,
                                   float(np.mean([d.p for d in mine])), low, high))  # fmt: skip
        return out

    def overall(self, rows: list[Decided] | None = None) -> LenderMonth:
        chosen = self.decided if rows is None else rows
        approved = sum(d.approved for d in chosen)
        low, high = clopper_pearson(approved, len(chosen), 0.9)
        predicted = float(np.mean([d.p for d in chosen])) if chosen else float("nan")
        return LenderMonth("", len(chosen), approved, predicted, low, high)

    def changed(self) -> list[Decided]:
        """The changing lender's decisions under its new policy (the detection delay)."""
        return [d for d in self.decided if d.changed]

    def to_dict(self) -> dict[str, Any]:
        def lender_row(m: LenderMonth) -> dict[str, Any]:
            return {"lender": m.lender, "decisions": m.decisions, "approved": m.approved,
                    "realised": m.realised if m.decisions else None,
                    "predicted": m.predicted if m.decisions else None,
                    "low": m.low, "high": m.high}  # fmt: skip

        setup = self.setup
        return {
            "setup": {"days": setup.days, "owners_per_day": setup.owners_per_day,
                      "change_lender": setup.change_lender, "change_day": setup.change_day,
                      "tighten": setup.tighten, "retrain_every": setup.retrain_every,
                      "seed": setup.seed},
            "start": self.start.isoformat(), "end": self.end.isoformat(), "policy": self.policy,
            "overall": lender_row(self.overall()),
            "lenders": [lender_row(m) for m in self.lenders()],
            "lenders_apart_from_the_delay": [lender_row(m) for m in self.lenders(
                [d for d in self.decided if not d.changed])],
            "change": {"lender": setup.change_lender, "day": setup.change_day,
                       "decisions_under_new_policy": len(self.changed()),
                       "approval_under_new_policy": lender_row(self.overall(self.changed())),
                       "held_on_day": self.held.get(setup.change_lender)},
            "held": dict(self.held), "days": self.days, "retrainings": self.retrainings,
            "canary": self.canary,
            "floors": {lender: [{"day": d, "floor": f} for d, f in raised]
                       for lender, raised in sorted(self.floors.items())},
        }  # fmt: skip


def _facts(world: AgentWorld, row: int) -> dict[str, Fact]:
    catalog = world.market.catalog
    values = world.verifier.truth.applicants.values
    facts: dict[str, Fact] = {}
    for feature in catalog.features:
        if feature.derived or feature.protected:
            continue
        value: Scalar | None = feature.decode(float(values[feature.name][row]))
        if value is not None:
            facts[feature.name] = Fact(value, "asked")
    return facts


def _as_stored(world: AgentWorld, rows: npt.NDArray[np.intp]) -> Values:
    """The owners' values as the platform holds them after the intake: the session's facts
    (no protected attribute), with the derived features computed from them."""
    catalog = world.market.catalog
    values = {
        k: v[rows].astype(np.float64) for k, v in world.verifier.truth.applicants.values.items()
    }
    for feature in catalog.features:
        if feature.derived or feature.protected:
            values[feature.name] = np.full(len(rows), np.nan)
    fill_derived(catalog_formulas(catalog), values)
    return values


def _tightened(world: AgentWorld, lender: str, raise_by: float) -> Verifier:
    truth = world.verifier.truth
    behaviour = truth.behaviour
    bump = np.asarray([raise_by if p.lender == lender else 0.0 for p in behaviour.market.products])
    changed = replace(truth, behaviour=replace(behaviour, cutoff=behaviour.cutoff + bump))
    return Verifier(changed)


def _arms(
    world: AgentWorld, champion: ModelBundle, canary: tuple[ModelBundle, float] | None,
    rows: npt.NDArray[np.intp],
) -> list[tuple[ModelBundle, npt.NDArray[np.intp]]]:  # fmt: skip
    """The day's owners by the model that serves them: the canary's share of firms (by credit
    code, ``domain/canary.in_canary``), the champion the rest."""
    if canary is None or canary[0].model_id == champion.model_id:
        return [(champion, rows)]
    ids = world.verifier.truth.applicants.ids
    mine = np.array([in_canary(canary[0].model_id, simulated_credit_code(str(ids[r])), canary[1])
                     for r in rows], dtype=bool)  # fmt: skip
    return [(b, rows[m]) for b, m in ((champion, ~mine), (canary[0], mine)) if m.any()]


def _offered(
    batch: Batch, k: int, lender_of: list[str], held: set[str],
    floors: dict[str, LenderFloor], goals: dict[str, float],
) -> list[int]:  # fmt: skip
    """The products offered to the batch's ``k``-th owner now: recommended, of a lender not
    on hold, admitted by its lender's floor (``services/floors.admitted``)."""
    return [
        int(j) for j in np.flatnonzero(batch.rank[k] > 0)
        if lender_of[j] not in held
        and admitted(float(batch.p_decision[k, j]), lender_of[j], floors, goals)
    ]  # fmt: skip


def _busiest(world: AgentWorld) -> str:
    counts = Counter(p.lender for p in world.market.products)
    return max(sorted(counts), key=counts.__getitem__)


def operate(
    unit_of_work: Callable[[], UnitOfWork],
    world: AgentWorld,
    served: Callable[[], ModelBundle],
    policy: RecommendPolicy,
    setup: MonthSetup,
    start: datetime,
    retrain: Callable[[datetime], dict[str, Any]] | None = None,
    progress: Progress = silent,
    canary: Callable[[], tuple[ModelBundle, float] | None] = lambda: None,
) -> MonthReport:
    """Run the month (module docstring) from ``start``; ``served()`` gives the model to serve
    each day, ``canary()`` the canary with its share of firms (None: none), ``retrain(at)``
    runs one retraining job."""
    truth = world.verifier.truth
    lender = setup.change_lender or _busiest(world)
    if lender not in world.market.lenders:
        raise ValueError(f"no lender {lender!r} in the market; lenders: {world.market.lenders}")
    setup = replace(setup, change_lender=lender)
    changed = _tightened(world, lender, setup.tighten)
    order = np.random.default_rng(setup.seed).permutation(len(truth.applicants.ids))
    needed = setup.days * setup.owners_per_day
    if needed > len(order):
        raise ValueError(f"{setup.days} days of {setup.owners_per_day} owners need {needed} "
                         f"applicants; the market has {len(order)}")  # fmt: skip
    report = MonthReport(setup, start, start + timedelta(days=setup.days), {
        "threshold": policy.threshold, "target_approval": policy.target_approval,
        "max_offers": policy.max_offers})  # fmt: skip
    for day in range(setup.days):
        progress("day", day, setup.days)
        at = start + timedelta(days=day, hours=9)
        bundle = served()
        rows = order[day * setup.owners_per_day : (day + 1) * setup.owners_per_day]
        counts: dict[str, Any] = {"day": day + 1, "owners": len(rows), "applications": 0,
                                  "approved": 0, "model": bundle.model_id}  # fmt: skip
        for arm_bundle, arm_rows in _arms(world, bundle, canary(), rows):
            batch = recommend_values(arm_bundle, truth.applicants.ids[arm_rows],
                                     _as_stored(world, arm_rows), policy)  # fmt: skip
            with unit_of_work() as uow:
                today = _Day(world, report, arm_bundle, batch, day + 1, at,
                             holds.held_lenders(uow), floors_of(uow, arm_bundle.model_id),
                             policy.target_approval,
                             changed if day >= setup.change_day - 1 else None, counts)  # fmt: skip
                for k, row in enumerate(arm_rows):
                    today.serve(uow, k, int(row))
                uow.commit()
        with unit_of_work() as uow:
            counts["held"] = sorted(holds.held_lenders(uow))
            judged = judge_canary(uow, at + timedelta(hours=23), "operate",
                                  policy.target_approval)  # fmt: skip
            uow.commit()
        if judged is not None:
            counts["canary"] = judged[0]
            report.canary.append({"day": day + 1, "model": judged[0], **judged[1].to_dict()})
        report.days.append(counts)
        due = setup.retrain_every and (day + 1) % setup.retrain_every == 0
        if retrain is not None and due:
            report.retrainings.append({"day": day + 1, **retrain(at + timedelta(hours=12))})
    progress("day", setup.days, setup.days)
    return report


class _Day:
    """One day of the month: each owner's offers, applications, decisions and journey."""

    def __init__(
        self, world: AgentWorld, report: MonthReport, bundle: ModelBundle, batch: Batch,
        day: int, at: datetime, held: set[str], floors: dict[str, LenderFloor],
        target: float | None, changed: Verifier | None, counts: dict[str, Any],
    ) -> None:  # fmt: skip
        self.world, self.report, self.bundle, self.batch = world, report, bundle, batch
        self.day, self.at, self.held, self.floors, self.changed = day, at, held, floors, changed
        self.goals = {} if target is None else lender_goals(bundle, target)
        self.lender_of = [p.lender for p in world.market.products]
        self.counts = counts

    def serve(self, uow: UnitOfWork, k: int, row: int) -> None:
        """The batch's ``k``-th owner (market row ``row``) arrives, sees its offers, applies to
        every one, and each lender decides; its journey events are written as the intake's."""
        world, batch, at = self.world, self.batch, self.at
        offered = _offered(batch, k, self.lender_of, self.held, self.floors, self.goals)
        code = simulated_credit_code(str(world.verifier.truth.applicants.ids[row]))
        known = _facts(world, row)
        session = _session(uow, code, f"operate-{row}", known, at)
        shown = {"offers": len(offered), "model": self.bundle.model_id}
        for kind, detail in (("started", {"channel": "operate"}), ("consent", {}),
                             ("recommended", shown)):  # fmt: skip
            uow.events.append(IntakeEvent(session, kind, at, detail))  # type: ignore[arg-type]
        facts = {n: f.value for n, f in known.items() if f.value is not None}
        for j in sorted(offered, key=lambda j: int(batch.rank[k][j])):
            self._apply(uow, session, code, facts, k, j)
        lenders = [self.lender_of[j] for j in offered]
        for now in note_offers(uow, lenders, self.bundle.model_id, self.goals, at):
            self._floor_now(now)

    def _floor_now(self, now: LenderFloor) -> None:
        """Keep the lender's floor as it now stands (and report a raise)."""
        before = self.floors.get(now.lender_id)
        if now.floor > (before.floor if before else 0.0):
            self.report.floors.setdefault(now.lender_id, []).append((self.day, now.floor))
        self.floors[now.lender_id] = now

    def _apply(
        self, uow: UnitOfWork, session: str, code: str, facts: dict[str, Scalar], k: int, j: int
    ) -> None:
        world, batch, at = self.world, self.batch, self.at
        product = world.market.products[j]
        tightened = self.changed is not None and product.lender == self.report.setup.change_lender
        under = self.changed if tightened and self.changed is not None else world.verifier
        p = float(batch.p_decision[k, j])
        mine = self.floors.get(product.lender)
        bar = max(batch.threshold_of(j), mine.floor if mine else 0.0)
        application = Application(uuid.uuid4().hex, session, product.id, product.lender, at,
                                  prediction=Prediction(self.bundle.model_id, p, bar))  # fmt: skip
        uow.applications.add(application)
        uow.events.append(IntakeEvent(session, "applied", at, {"product_id": product.id}))
        said = verdict(under, world.pricing, product, code, facts)
        decided_at = at + timedelta(hours=3, seconds=k)
        decided = transition(application, said.action, "lender",
                             f"lender:{product.lender}/operate", decided_at,
                             said.decision)  # fmt: skip
        uow.applications.update(decided)
        approved = said.action == "approve"
        outcome: dict[str, Scalar] = {"product_id": product.id, "approved": approved}
        uow.events.append(IntakeEvent(session, "decided", decided_at, outcome))
        self.report.decided.append(Decided(self.day, product.lender, p, approved, tightened))
        now = note_decision(uow, decided, self.goals, decided_at)
        if now is not None:
            self._floor_now(now)
        if holds.check_lender(uow, decided, decided_at):
            self.report.held.setdefault(product.lender, self.day)
            self.held.add(product.lender)
        self.counts["applications"] += 1
        self.counts["approved"] += int(approved)


def _session(uow: UnitOfWork, code: str, owner: str, facts: dict[str, Fact], at: datetime) -> str:
    """A finished intake session of the enterprise ``code`` with ``facts`` as answered."""
    state = IntakeState(enterprise_id=code, owner_id=owner, facts=facts)
    record = SessionRecord(uuid.uuid4().hex, "zh-CN", code, owner, at, at, state.to_dict(),
                           stage="done")  # fmt: skip
    uow.sessions.add(record)
    return record.id
