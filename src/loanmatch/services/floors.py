"""Each lender held to the target by what it was offered, in serving (issue 13).

A target-approval policy certifies one pooled threshold and raises a lender's own where its
held-out decisions or its reference pairs need it (``docs/method.md`` §5). What it cannot see
is the mix serving will send each lender; a batch checks that mix itself, serving one owner at a
time cannot. So after every application the platform looks at the lender's latest offers under
the served model (the P recorded with each application, ``domain/served_floor.py``): when their
mean P is below the lender's goal (the target plus its calibration margin,
``matching/batch.lender_goals``) the lender's floor rises to where it is met, in the same
transaction, audited as ``lender.floor_raised``. From then on offers of that lender below its
floor are not recommended (:func:`above_floors`: each becomes an exclusion that says why) and
cannot be applied to. A floor never falls while the model is served; a new model starts without
floors. A lender's first offers under a model are held to its goal one by one
(``domain/served_floor.admits``): an offer is made only while the mean P of its offers so far,
with this one, reaches the goal.

Without a target (a fixed threshold) there is nothing to hold a lender to and no floor is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

import numpy as np

from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.domain.applications import Application
from loanmatch.domain.catalog import Text
from loanmatch.domain.served_floor import NO_FLOOR, WINDOW, admits, calibration_gap, raised_floor
from loanmatch.matching.results import ApplicantResult, Exclusion, Offer
from loanmatch.services.holds import held_lenders, without_held
from loanmatch.services.predictions import model_of, record_of
from loanmatch.storage.records import AuditEntry, LenderFloor
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "BELOW_FLOOR",
    "FIRST_OFFERS",
    "above_floors",
    "admitted",
    "floors_of",
    "goal_of",
    "note_decision",
    "note_offers",
    "offered",
]

BELOW_FLOOR = Text(
    zh="该机构近期收到的推荐申请把握偏低，平台提高了对它的推荐标准，这一项未达到",
    en="Our recent offers for this lender were too close to the line, so we raised its bar; "
    "this one falls below it",
)
FIRST_OFFERS = Text(
    zh="平台在当前模型下为该机构推荐的申请还不多，暂时只推荐把握更高的",
    en="We have made few offers for this lender under our current model, so for now we only "
    "recommend the more certain ones",
)


def offered(
    uow: UnitOfWork, result: ApplicantResult, goals: Mapping[str, float]
) -> ApplicantResult:
    """What the platform offers of ``result`` now: without the offers of lenders on hold
    (``services/holds.py``), or below their lender's floor under the result's model, or, while
    a lender has had few offers under it, lowering their mean below its goal (``goals``)."""
    kept = without_held(result, held_lenders(uow))
    return above_floors(kept, floors_of(uow, model_of(result)), goals)


def floors_of(uow: UnitOfWork, model_id: str) -> dict[str, LenderFloor]:
    """The lenders' floors under ``model_id`` (a lender never offered under it is absent)."""
    return {f.lender_id: f for f in uow.floors.for_model(model_id)}


def goal_of(base: float, floor: LenderFloor | None) -> float:
    """The lender's goal: ``base`` (the target plus its calibration margin) raised by the
    shortfall its decisions under the model show (``served_floor.calibration_gap``)."""
    if floor is None:
        return base
    return base + calibration_gap(floor.decided, floor.approved, floor.predicted)


def _blank(lender: str, model_id: str, goal: float, at: datetime) -> LenderFloor:
    """A lender's floor under a model before any offer or decision."""
    return LenderFloor(lender, model_id, NO_FLOOR, goal, 0, 0.0, at)


def _refresh(
    uow: UnitOfWork, lender: str, model_id: str, base: float, at: datetime,
    current: LenderFloor | None,
) -> LenderFloor:  # fmt: skip
    """Recompute the lender's floor from its latest offers and its goal; save and audit."""
    mine = current or _blank(lender, model_id, base, at)
    goal = goal_of(base, mine)
    before = mine.floor
    offered_p = np.asarray(uow.applications.offered_p(lender, model_id, WINDOW), dtype=float)
    after = raised_floor(offered_p, before, goal)
    kept = offered_p[offered_p >= after]
    floor = replace(mine, floor=after, goal=goal, offers=int(offered_p.size),
                    mean_p=float(kept.mean()) if kept.size else 0.0, updated_at=at)  # fmt: skip
    uow.floors.save(floor)
    if after > before:
        counted = offered_p[offered_p >= before]
        uow.audit.append(AuditEntry(at, "platform", "lender.floor_raised", lender, detail={
            "model": model_id, "floor": f"{after:.4f}", "goal": f"{goal:.4f}",
            "offers": str(counted.size), "mean_p_before": f"{counted.mean():.4f}",
        }))  # fmt: skip
    return floor


def note_offers(
    uow: UnitOfWork, lenders: Iterable[str], model_id: str, goals: Mapping[str, float],
    at: datetime,
) -> list[LenderFloor]:  # fmt: skip
    """After applications were added for ``lenders`` (in ``uow``'s transaction, the caller
    commits): record each one's offers under ``model_id`` and raise its floor where its latest
    offers need it (the module docstring; audited when raised); each one's floor now. A lender
    without a goal is left alone."""
    saved = []
    for lender in sorted(set(lenders)):
        base = goals.get(lender)
        if base is not None:
            saved.append(_refresh(uow, lender, model_id, base, at,
                                  uow.floors.get(model_id, lender)))  # fmt: skip
    return saved


def note_decision(
    uow: UnitOfWork, decided: Application, goals: Mapping[str, float], at: datetime
) -> LenderFloor | None:
    """After the lender decided ``decided`` (in ``uow``'s transaction): count the decision on
    the lender's floor under the model that made the offer, and recompute the floor with the
    goal its calibration gap now gives; None when there is nothing to hold the lender to."""
    record = record_of(decided)
    base = goals.get(decided.lender_id)
    if record is None or base is None:
        return None
    mine = uow.floors.get(record.model_id, decided.lender_id) or _blank(
        decided.lender_id, record.model_id, base, at
    )
    counted = replace(mine, decided=mine.decided + 1, approved=mine.approved + record.approved,
                      predicted=mine.predicted + record.p_approve)  # fmt: skip
    return _refresh(uow, decided.lender_id, record.model_id, base, at, counted)


def admitted(
    p: float, lender: str, floors: Mapping[str, LenderFloor], goals: Mapping[str, float]
) -> bool:
    """Whether an offer of P ``p`` for ``lender`` may be made (``domain/served_floor.admits``,
    with the lender's goal raised by its calibration gap)."""
    base = goals.get(lender)
    if base is None:
        return True
    mine = floors.get(lender)
    if mine is None:
        return admits(p, NO_FLOOR, 0, 0.0, base)
    return admits(p, mine.floor, mine.offers, mine.mean_p, goal_of(base, mine))


def above_floors(
    result: ApplicantResult, floors: Mapping[str, LenderFloor], goals: Mapping[str, float]
) -> ApplicantResult:
    """``result`` without the offers :func:`admitted` refuses (each an exclusion saying why),
    each kept offer's threshold at least its lender's floor (what an application records)."""
    if not goals:
        return result
    codes = default_reason_codes()
    code = codes.for_outcome("low_probability")
    kept: list[Offer] = []
    dropped: list[Exclusion] = []
    for o in result.offers:
        lender = o.product.lender
        floor = floors[lender].floor if lender in floors else NO_FLOOR
        goal = goal_of(goals.get(lender, 0.0), floors.get(lender))
        if admitted(o.p_approve, lender, floors, goals):
            bar = result.threshold if o.threshold is None else o.threshold
            kept.append(replace(o, rank=len(kept) + 1, threshold=max(bar, floor)))
            continue
        why = BELOW_FLOOR if o.p_approve < floor else FIRST_OFFERS
        dropped.append(Exclusion(
            product=o.product, kind="low_probability", reasons=(why,), p_approve=o.p_approve,
            code=code, code_text=codes.text(code), codes=(code,), quote=o.quote,
            threshold=max(floor, goal) if why is FIRST_OFFERS else floor, band=o.band,
        ))  # fmt: skip
    return replace(result, offers=tuple(kept), excluded=(*dropped, *result.excluded))
