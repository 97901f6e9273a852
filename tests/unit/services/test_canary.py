"""The canary in the registry (services/canary.py): started once and audited, judged on each
arm's own decisions and journey events, promoted when it covers more firms at the promised
approval, refused when it approves less, and waiting while the arms are small."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loanmatch.domain.applications import Application, Decision, Prediction, Status, Step
from loanmatch.domain.events import IntakeEvent
from loanmatch.errors import ModelSwitchError
from loanmatch.services import canary, models
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _model(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "meta.json").write_text(json.dumps({"name": name, "metrics": {}}), "utf-8")
    return directory


def _registry(tmp_path: Path) -> tuple[MemoryStore, str, str]:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        champion = models.ensure_champion(uow, _model(tmp_path, "champion"), NOW)
        challenger = models.register(uow, _model(tmp_path, "challenger"), NOW, "worker")
        uow.commit()
    return store, champion.model_id, challenger.model_id


def _arm(store: MemoryStore, model: str, firms: int, offered: int, approved: int) -> None:
    """``firms`` sessions of ``model``, ``offered`` of them with one application, decided by
    its lender: the first ``approved`` approved."""
    for n in range(firms):
        session, at = f"{model}-{n}", NOW + timedelta(hours=1, seconds=n)
        store.events.append(IntakeEvent(session, "recommended", at,
                                        {"offers": int(n < offered), "model": model}))  # fmt: skip
        if n >= offered:
            continue
        ok = n < approved
        step = Step("approve" if ok else "decline", "bank_a:officer", at, Status.SUBMITTED,
                    Status.APPROVED if ok else Status.DECLINED, Decision())  # fmt: skip
        store.applications[session] = Application(
            session, session, "p1", "bank_a", at, step.after, (step,),
            prediction=Prediction(model, 0.95, 0.9))  # fmt: skip


def test_a_canary_is_started_once_and_audited(tmp_path: Path) -> None:
    store, champion, challenger = _registry(tmp_path)
    with MemoryUnitOfWork(store) as uow:
        canary.start(uow, challenger, 0.2, NOW, "worker", "no overlap")
        with pytest.raises(ModelSwitchError) as twice:
            canary.start(uow, challenger, 0.2, NOW, "worker")
        with pytest.raises(ModelSwitchError) as served:
            canary.start(uow, champion, 0.2, NOW, "worker")
        running = canary.canary_of(uow)
        uow.commit()
    assert twice.value.rule == "model_switch.canary_running"
    assert served.value.rule == "model_switch.champion"
    assert running is not None
    assert (running[0].model_id, running[1], running[2]) == (challenger, 0.2, NOW)
    assert [e.action for e in store.audit][-1] == "model.canary"


def test_a_canary_covering_more_firms_at_the_promised_approval_is_promoted(
    tmp_path: Path,
) -> None:
    store, champion, challenger = _registry(tmp_path)
    with MemoryUnitOfWork(store) as uow:
        canary.start(uow, challenger, 0.2, NOW, "worker")
        uow.commit()
    _arm(store, champion, 800, 400, 376)  # coverage 0.50, approval 0.94
    _arm(store, challenger, 300, 195, 184)  # coverage 0.65, approval 0.94
    with MemoryUnitOfWork(store) as uow:
        judged = canary.judge_canary(uow, NOW + timedelta(days=1), "worker", 0.9)
        uow.commit()
        served = uow.models.champion()
    assert judged is not None
    assert judged[1].decision == "promote", judged[1].reasons
    assert served is not None
    assert served.model_id == challenger
    assert served.comparison["arms"]["canary"] == {"firms": 300, "offered": 195,
                                                   "decisions": 195, "approved": 184}  # fmt: skip
    assert [e.action for e in store.audit][-1] == "model.promote"


def test_a_canary_approved_less_is_refused_and_small_arms_wait(tmp_path: Path) -> None:
    store, champion, challenger = _registry(tmp_path)
    with MemoryUnitOfWork(store) as uow:
        canary.start(uow, challenger, 0.2, NOW, "worker")
        uow.commit()
    _arm(store, champion, 800, 400, 380)
    _arm(store, challenger, 100, 60, 50)
    with MemoryUnitOfWork(store) as uow:
        first = canary.judge_canary(uow, NOW + timedelta(days=1), "worker", 0.9)
        uow.commit()
    assert first is not None
    assert first[1].decision == "wait", "60 canary decisions are too few"
    _arm(store, challenger, 400, 250, 200)
    with MemoryUnitOfWork(store) as uow:
        second = canary.judge_canary(uow, NOW + timedelta(days=2), "worker", 0.9)
        uow.commit()
        refused = uow.models.get(challenger)
        assert canary.canary_of(uow) is None
    assert second is not None
    assert second[1].decision == "refuse"
    assert refused is not None
    assert refused.role == "refused"
