"""Lenders on hold (services/holds.py): a lender whose decisions fall well below the predicted
approval is held once its drift alarm rings, its offers are then excluded with the reason, and
the hold is lifted by an operator or by a promotion, after which the alarm counts afresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loanmatch.domain.applications import Application, Decision, Prediction, Status, Step
from loanmatch.services import holds, models
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from loanmatch.storage.records import Webhook

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _decided(store: MemoryStore, n: int, lender: str, approved: bool, p: float = 0.95) -> None:
    at = NOW - timedelta(days=10) + timedelta(minutes=n)
    action = "approve" if approved else "decline"
    step = Step(action, f"{lender}:officer", at, Status.SUBMITTED,  # type: ignore[arg-type]
                Status.APPROVED if approved else Status.DECLINED, Decision())  # fmt: skip
    store.applications[f"{lender}-{n}"] = Application(
        f"{lender}-{n}", "s", f"{lender}-p", lender, at, step.after, (step,),
        prediction=Prediction(model_id="sha256:m", p_approve=p, threshold=0.8),
    )  # fmt: skip


def _check(store: MemoryStore, lender: str, at: datetime = NOW) -> bool:
    with MemoryUnitOfWork(store) as uow:
        held = holds.check_lender(uow, lender, at)
        uow.commit()
    return held is not None


def test_a_lender_approving_far_less_than_predicted_is_held_and_a_faithful_one_is_not() -> None:
    store = MemoryStore()
    for n in range(200):
        _decided(store, n, "tight", approved=n % 2 == 0)  # 50% against 95% predicted
        _decided(store, n, "fair", approved=n % 20 != 0)  # 95% against 95% predicted
    assert _check(store, "tight")
    assert not _check(store, "fair")
    with MemoryUnitOfWork(store) as uow:
        assert holds.held_lenders(uow) == {"tight"}
        hold = uow.holds.get("tight")
    assert hold is not None
    assert 1 <= hold.alarm_after < 100
    assert [e.action for e in store.audit] == ["lender.hold"]


def test_a_lender_with_a_webhook_hears_of_its_hold_and_of_the_lift() -> None:
    store = MemoryStore()
    store.webhooks["tight"] = Webhook("tight", "https://bank.example/hooks", "s", NOW)
    for n in range(200):
        _decided(store, n, "tight", approved=n % 2 == 0)
    assert _check(store, "tight")
    with MemoryUnitOfWork(store) as uow:
        holds.lift(uow, "tight", NOW, "staff:platform/ops", "checked")
        uow.commit()
    assert [(m.lender_id, m.kind) for m in store.outbox] == [
        ("tight", "lender.hold"), ("tight", "lender.hold_lifted")]  # fmt: skip
    assert store.outbox[0].payload["alarm_after"] >= 1


def test_a_lift_restarts_the_count_and_a_promotion_lifts_every_hold(tmp_path: Path) -> None:
    store = MemoryStore()
    for n in range(200):
        _decided(store, n, "tight", approved=n % 2 == 0)
    assert _check(store, "tight")
    with MemoryUnitOfWork(store) as uow:
        assert holds.lift(uow, "tight", NOW, "staff:platform/ops", "checked with the lender")
        assert not holds.lift(uow, "tight", NOW, "staff:platform/ops", "twice")
        uow.commit()
    assert not _check(store, "tight", NOW + timedelta(minutes=1)), "no decision since the lift"
    for n in range(14_500, 14_700):  # decisions after the lift (10 days are 14,400 minutes)
        _decided(store, n, "tight", approved=n % 2 == 0)
    assert _check(store, "tight", NOW + timedelta(days=1)), "new declines ring it again"
    directory = tmp_path / "m"
    directory.mkdir()
    (directory / "meta.json").write_text(json.dumps({"metrics": {}}), encoding="utf-8")
    with MemoryUnitOfWork(store) as uow:
        other = tmp_path / "first"
        other.mkdir()
        (other / "meta.json").write_text(json.dumps({"x": 1}), encoding="utf-8")
        models.ensure_champion(uow, other, NOW)
        version = models.register(uow, directory, NOW, "worker")
        models.promote(uow, version.model_id, NOW + timedelta(hours=1), "worker")
        uow.commit()
        assert holds.held_lenders(uow) == set()
    assert store.audit[-1].action == "lender.hold_lifted"
