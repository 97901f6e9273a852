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


def _decided(store: MemoryStore, n: int, lender: str, approved: bool, p: float = 0.95) -> bool:
    """Add one decided application of ``lender`` and run its alarm, as a decision does;
    whether the lender is held after it."""
    at = NOW - timedelta(days=10) + timedelta(minutes=n)
    action = "approve" if approved else "decline"
    step = Step(action, f"{lender}:officer", at, Status.SUBMITTED,  # type: ignore[arg-type]
                Status.APPROVED if approved else Status.DECLINED, Decision())  # fmt: skip
    application = Application(
        f"{lender}-{n}", "s", f"{lender}-p", lender, at, step.after, (step,),
        prediction=Prediction(model_id="sha256:m", p_approve=p, threshold=0.8),
    )  # fmt: skip
    store.applications[application.id] = application
    with MemoryUnitOfWork(store) as uow:
        held = holds.check_lender(uow, application, at)
        uow.commit()
    return held is not None


def test_a_lender_approving_far_less_than_predicted_is_held_and_a_faithful_one_is_not() -> None:
    store = MemoryStore()
    tight = [_decided(store, n, "tight", approved=n % 2 == 0) for n in range(200)]  # 50% vs 95%
    fair = [_decided(store, n, "fair", approved=n % 20 != 0) for n in range(200)]  # 95% vs 95%
    assert any(tight)
    assert not any(fair)
    with MemoryUnitOfWork(store) as uow:
        assert holds.held_lenders(uow) == {"tight"}
        hold = uow.holds.get("tight")
    assert hold is not None
    assert 1 <= hold.alarm_after < 100
    assert [e.action for e in store.audit] == ["lender.hold"]


def test_a_lender_with_a_webhook_hears_of_its_hold_and_of_the_lift() -> None:
    store = MemoryStore()
    store.webhooks["tight"] = Webhook("tight", "https://bank.example/hooks", "s", NOW)
    rang = [_decided(store, n, "tight", approved=n % 2 == 0) for n in range(200)]
    assert any(rang)
    with MemoryUnitOfWork(store) as uow:
        holds.lift(uow, "tight", NOW, "staff:platform/ops", "checked")
        uow.commit()
    assert [(m.lender_id, m.kind) for m in store.outbox] == [
        ("tight", "lender.hold"), ("tight", "lender.hold_lifted")]  # fmt: skip
    assert store.outbox[0].payload["alarm_after"] >= 1


def test_a_lift_restarts_the_count_and_a_promotion_lifts_every_hold(tmp_path: Path) -> None:
    store = MemoryStore()
    rang = [_decided(store, n, "tight", approved=n % 2 == 0) for n in range(200)]
    assert any(rang)
    with MemoryUnitOfWork(store) as uow:
        assert holds.lift(uow, "tight", NOW, "staff:platform/ops", "checked with the lender")
        assert not holds.lift(uow, "tight", NOW, "staff:platform/ops", "twice")
        uow.commit()
    # decisions after the lift (10 days are 14,400 minutes): the count starts afresh
    after = [_decided(store, n, "tight", approved=n % 2 == 0) for n in range(14_500, 14_700)]
    assert not after[0], "one decline after the lift does not ring it"
    assert any(after), "new declines ring it again"
    with MemoryUnitOfWork(store) as uow:
        hold = uow.holds.get("tight")
    assert hold is not None
    assert hold.counted_since == NOW
    assert 1 < hold.alarm_after < 100
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
