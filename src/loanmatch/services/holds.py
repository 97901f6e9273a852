"""Lenders on hold: the promise withdrawn where the decisions stopped keeping it (issue 13).

After every lender decision on an application made from an offer (``services/applications
.decide``), the lender's drift alarm takes one step: the risk-adjusted CUSUM of
``domain/ledger.py``, kept as one row per lender (``lender_drift``) and counted from the
lender's first decision or its last lift. The CUSUM forgets on its own: each time it returns
to zero the decisions before no longer weigh. When it
rings, the lender is put on hold in the same transaction, audited as ``lender.hold`` and told
through its webhook (event ``lender.hold``, from the outbox like every other event). A held
lender's offers are no longer recommended (:func:`without_held`: each becomes an exclusion of
kind ``low_probability`` that says why) and the owner cannot apply to them, so the approval
among what the platform recommends stays what it promised while the model is behind the
lender. The decisions the alarm rang on stay in the history a retraining learns from.

A hold is lifted by an operator (console, or ``lift``), audited as ``lender.hold_lifted``, or
when a new model is promoted (``services/models.promote``), and the lender is told
(``lender.hold_lifted``); the alarm then counts afresh from the lift.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.domain.applications import Application
from loanmatch.domain.catalog import Text
from loanmatch.domain.ledger import DEFAULT_RULE, DriftRule
from loanmatch.matching.results import ApplicantResult, Exclusion
from loanmatch.services.predictions import record_of
from loanmatch.services.webhooks import enqueue
from loanmatch.storage.records import AuditEntry, DriftState, LenderHold
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["HELD", "check_lender", "held_lenders", "lift", "lift_all", "without_held"]

HELD = Text(
    zh="该机构近期的审批结果低于平台的预测，平台暂停推荐，直到模型更新",
    en="This lender has lately approved less than we predicted: not recommended until our "
    "model catches up",
)


def check_lender(
    uow: UnitOfWork, decided: Application, at: datetime, rule: DriftRule = DEFAULT_RULE
) -> LenderHold | None:
    """The lender's hold after its decision ``decided``, made now when its alarm rings (in
    ``uow``'s transaction: the caller commits); None when it is not held. The alarm's state is
    one row per lender, updated by this decision alone (O(1), ``domain/ledger.cusum`` one step
    at a time) and counted afresh from a lift."""
    lender_id = decided.lender_id
    current = uow.holds.get(lender_id)
    if current is not None and current.active:
        return current
    record = record_of(decided)
    if record is None:
        return None
    state = uow.holds.drift(lender_id, record.decided_at)
    lifted = None if current is None else current.lifted_at
    if state.decisions == 0 or (lifted is not None and state.since < lifted):
        state = DriftState(lender_id, 0.0, 0, lifted or record.decided_at, at)
    statistic = max(0.0, state.statistic + rule.weight(record.p_approve, record.approved))
    state = DriftState(lender_id, statistic, state.decisions + 1, state.since, at)
    uow.holds.save_drift(state)
    if statistic < rule.level:
        return None
    hold = LenderHold(lender_id, at, state.decisions, state.since)
    uow.holds.save(hold)
    uow.audit.append(AuditEntry(at, "platform", "lender.hold", lender_id, detail={
        "alarm_after": str(state.decisions), "statistic": f"{statistic:.3f}",
        "counted_since": state.since.isoformat()}))  # fmt: skip
    told = {"lender_id": lender_id, "alarm_after": state.decisions, "decisions": state.decisions}
    enqueue(uow, lender_id, "lender.hold", told, at)
    return hold


def held_lenders(uow: UnitOfWork) -> set[str]:
    """The lenders on hold now."""
    return {h.lender_id for h in uow.holds.all() if h.active}


def lift(uow: UnitOfWork, lender_id: str, at: datetime, by: str, reason: str) -> bool:
    """Lift the lender's hold (in ``uow``'s transaction); False when it was not held."""
    current = uow.holds.get(lender_id)
    if current is None or not current.active:
        return False
    uow.holds.save(replace(current, lifted_at=at, lifted_by=by))
    uow.audit.append(AuditEntry(at, by, "lender.hold_lifted", lender_id,
                                detail={"reason": reason[:200]}))  # fmt: skip
    enqueue(uow, lender_id, "lender.hold_lifted", {"lender_id": lender_id}, at)
    return True


def lift_all(uow: UnitOfWork, at: datetime, by: str, reason: str) -> list[str]:
    """Lift every hold (a new model is served); the lenders lifted."""
    return [h for h in sorted(held_lenders(uow)) if lift(uow, h, at, by, reason)]


def without_held(result: ApplicantResult, held: set[str]) -> ApplicantResult:
    """``result`` without the offers of lenders on hold (each an exclusion saying why)."""
    if not held or not any(o.product.lender in held for o in result.offers):
        return result
    codes = default_reason_codes()
    code = codes.for_outcome("low_probability")
    kept = [o for o in result.offers if o.product.lender not in held]
    dropped = tuple(
        Exclusion(product=o.product, kind="low_probability", reasons=(HELD,),
                  p_approve=o.p_approve, code=code, code_text=codes.text(code), codes=(code,),
                  quote=o.quote, threshold=result.threshold, band=o.band)
        for o in result.offers if o.product.lender in held
    )  # fmt: skip
    offers = tuple(replace(o, rank=k + 1) for k, o in enumerate(kept))
    return replace(result, offers=offers, excluded=(*dropped, *result.excluded))
