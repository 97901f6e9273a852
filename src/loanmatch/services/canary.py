"""The canary: a challenger serving a share of firms until its own decisions judge it (issue 13).

When the promotion gate cannot estimate a challenger off-policy (the champion's deterministic
log never sent what the challenger would recommend), a retraining job starts it as the
**canary** instead of refusing it (``services/retraining.py``); an operator can start one too
(``loanmatch model canary``). At most one canary runs. From then on a firm whose credit code
hashes into the canary's share (``domain/canary.in_canary``) is served by the canary, the rest
by the champion; each arm under the same policy, each arm's offers held to the target by its
own certificate and floors (``services/floors.py``, kept per model), and every application
records which model made its offer.

:func:`judge_canary` (run by every retraining job before it trains, by ``loanmatch model
judge`` and by ``loanmatch operate``) counts each arm since the canary started: the firms that
finished an intake (their ``recommended`` event names the model) and those offered something,
and the lender decisions on applications made from each model's offers. ``domain/canary.judge``
decides: promote (``services/models.promote``: audited, holds lifted), refuse
(``services/models.refuse``) or wait. Starting is audited as ``model.canary``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from loanmatch.domain.canary import Arm, Verdict, judge
from loanmatch.errors import ModelSwitchError
from loanmatch.services import models
from loanmatch.services.predictions import record_of
from loanmatch.storage.records import AuditEntry, ModelVersion
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "CANARY_SHARE",
    "Canary",
    "arms",
    "canary_of",
    "judge_canary",
    "start",
]

CANARY_SHARE = 0.2
"""The share of firms a canary serves when a retraining job starts it."""

Canary = tuple[ModelVersion, float, datetime]
"""The canary's version, its share of firms and when it started."""


def canary_of(uow: UnitOfWork) -> Canary | None:
    """The running canary (None: none)."""
    for version in uow.models.all():
        if version.role == "canary":
            started = version.comparison.get("canary", {})
            share = float(started.get("share", 0.0))
            at = datetime.fromisoformat(str(started.get("started_at")))
            return version, share, at
    return None


def start(
    uow: UnitOfWork, identity: str, share: float, at: datetime, by: str, reason: str = ""
) -> ModelVersion:
    """Serve ``identity`` to ``share`` of firms from ``at`` (refused: ``ModelSwitchError``
    ``unknown``, ``champion``, ``share`` or ``canary_running``)."""
    version = uow.models.get(identity)
    if version is None:
        raise ModelSwitchError("unknown", f"no registered model {identity!r}")
    if version.role == "champion":
        raise ModelSwitchError("champion", f"the model {identity} is the champion already")
    if not 0.0 < share < 1.0:
        raise ModelSwitchError("share", f"a canary's share of firms is in (0, 1), got {share}")
    running = canary_of(uow)
    if running is not None:
        raise ModelSwitchError(
            "canary_running", f"the model {running[0].model_id} is the canary already"
        )
    comparison = {**version.comparison, "canary": {"share": share, "started_at": at.isoformat()}}
    canary = replace(version, role="canary", comparison=comparison, changed_at=at,
                     changed_by=by, note=reason or version.note)  # fmt: skip
    uow.models.save(canary)
    detail = {"share": f"{share:.2f}", "reason": reason[:200]}
    uow.audit.append(AuditEntry(at, by, "model.canary", identity, detail=detail))
    return canary


def arms(uow: UnitOfWork, champion: str, canary: str, since: datetime, until: datetime) -> tuple[
    Arm, Arm
]:  # fmt: skip
    """The champion's arm and the canary's in ``[since, until)`` (module docstring)."""
    firms: dict[str, set[str]] = {champion: set(), canary: set()}
    offered: dict[str, set[str]] = {champion: set(), canary: set()}
    for e in uow.events.events():
        model = e.detail.get("model")
        if e.kind != "recommended" or model not in firms or not since <= e.at < until:
            continue
        firms[str(model)].add(e.session_id)
        if (e.detail.get("offers") or 0) > 0:  # type: ignore[operator]
            offered[str(model)].add(e.session_id)
    decisions: dict[str, Counter[tuple[str, bool]]] = {champion: Counter(), canary: Counter()}
    records = [record_of(a) for a in uow.applications.decided_between(since, until)]
    for r in records:
        if r is not None and r.model_id in decisions:
            decisions[r.model_id][(r.lender_id, r.approved)] += 1

    def arm(model: str) -> Arm:
        counts = decisions[model]
        names = sorted({lender for lender, _ in counts})
        yes = {lender: counts[(lender, True)] for lender in names}
        lenders = {lender: (yes[lender] + counts[(lender, False)], yes[lender]) for lender in names}
        return Arm(len(firms[model]), len(offered[model]), sum(counts.values()),
                   sum(n for (_, ok), n in counts.items() if ok), lenders)  # fmt: skip

    return arm(champion), arm(canary)


def judge_canary(
    uow: UnitOfWork, at: datetime, by: str, target: float | None, confidence: float = 0.9
) -> tuple[str, Verdict] | None:
    """Judge the running canary on its own decisions and act on the verdict (in ``uow``'s
    transaction: the caller commits); the canary's id and the verdict, None without one."""
    running = canary_of(uow)
    champion = uow.models.champion()
    if running is None or champion is None:
        return None
    canary, _, since = running
    one, two = arms(uow, champion.model_id, canary.model_id, since, at + timedelta(microseconds=1))
    verdict = judge(one, two, target, confidence)
    evidence = {**canary.comparison, "canary_verdict": verdict.to_dict(),
                "arms": {"champion": _arm(one), "canary": _arm(two)}}  # fmt: skip
    reason = "; ".join(verdict.reasons)
    if verdict.decision == "promote":
        models.promote(uow, canary.model_id, at, by, evidence, f"canary: {reason}")
    elif verdict.decision == "refuse":
        models.refuse(uow, canary.model_id, at, by, evidence, f"canary: {reason}")
    else:
        uow.models.save(replace(canary, comparison=evidence))
    return canary.model_id, verdict


def _arm(arm: Arm) -> dict[str, int]:
    return {"firms": arm.firms, "offered": arm.offered, "decisions": arm.decisions,
            "approved": arm.approved}  # fmt: skip
