"""The model registry's switches (services/models.py) on the in-memory store: the settings'
model becomes the first champion, a promotion retires the champion, a rollback serves the one
before, and every switch is audited with its actor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loanmatch.errors import ModelSwitchError
from loanmatch.model.directory import model_id
from loanmatch.services import models
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _model_dir(root: Path, name: str, auc: float) -> Path:
    """A directory with a meta.json: all the registry reads of a model (its id and figures)."""
    directory = root / name
    directory.mkdir()
    meta = {"name": name, "metrics": {"auc": auc, "ece": 0.01, "rows": 100}}
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return directory


def test_the_settings_model_is_the_first_champion_and_a_promotion_retires_it(
    tmp_path: Path,
) -> None:
    store = MemoryStore()
    first, second = _model_dir(tmp_path, "first", 0.8), _model_dir(tmp_path, "second", 0.85)
    with MemoryUnitOfWork(store) as uow:
        champion = models.ensure_champion(uow, first, NOW)
        challenger = models.register(uow, second, NOW, "operator:a")
        uow.commit()
    assert champion.model_id == model_id(first)
    assert champion.role == "champion"
    assert challenger.role == "challenger"
    assert challenger.metrics["auc"] == 0.85
    with MemoryUnitOfWork(store) as uow:
        assert models.served(uow) == (model_id(first), first.resolve())
        models.promote(uow, challenger.model_id, NOW + timedelta(hours=1), "operator:a",
                       {"decision": "promote"}, "better on coverage")  # fmt: skip
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        roles = {v.model_id: v.role for v in models.versions(uow)}
        served = models.served(uow)
    assert roles == {model_id(first): "retired", model_id(second): "champion"}
    assert served == (model_id(second), second.resolve())
    actions = [(e.action, e.actor) for e in store.audit]
    assert actions == [("model.register", "system"), ("model.register", "operator:a"),
                       ("model.promote", "operator:a")]  # fmt: skip
    assert store.audit[-1].detail["previous"] == model_id(first)


def test_a_rollback_serves_the_champion_before_and_without_one_it_is_refused(
    tmp_path: Path,
) -> None:
    store = MemoryStore()
    dirs = [_model_dir(tmp_path, f"m{n}", 0.8) for n in range(3)]
    with MemoryUnitOfWork(store) as uow:
        models.ensure_champion(uow, dirs[0], NOW)
        with pytest.raises(ModelSwitchError) as refused:
            models.rollback(uow, NOW, "operator:a")
        assert refused.value.rule == "model_switch.no_previous"
        for n, directory in enumerate(dirs[1:], start=1):
            version = models.register(uow, directory, NOW, "operator:a")
            models.promote(uow, version.model_id, NOW + timedelta(hours=n), "operator:a")
        back = models.rollback(uow, NOW + timedelta(hours=5), "operator:b", "alarm on icbc")
        uow.commit()
    assert back.model_id == model_id(dirs[1])
    assert store.audit[-1].action == "model.rollback"
    assert store.audit[-1].actor == "operator:b"
    assert store.audit[-1].detail == {"previous": model_id(dirs[2]), "reason": "alarm on icbc"}
    with MemoryUnitOfWork(store) as uow:  # a second rollback goes one further back, not forth
        assert models.rollback(uow, NOW + timedelta(hours=6), "operator:b").model_id == model_id(
            dirs[0]
        )
        with pytest.raises(ModelSwitchError):
            models.rollback(uow, NOW + timedelta(hours=7), "operator:b")


def test_promoting_an_unknown_model_or_the_champion_is_refused_with_its_rule(
    tmp_path: Path,
) -> None:
    store = MemoryStore()
    first = _model_dir(tmp_path, "first", 0.8)
    with MemoryUnitOfWork(store) as uow:
        champion = models.ensure_champion(uow, first, NOW)
        with pytest.raises(ModelSwitchError) as unknown:
            models.promote(uow, "sha256:nothing", NOW, "operator:a")
        with pytest.raises(ModelSwitchError) as served:
            models.promote(uow, champion.model_id, NOW, "operator:a")
    assert unknown.value.rule == "model_switch.unknown"
    assert served.value.rule == "model_switch.champion"
    assert unknown.value.status == 409


def test_a_refused_challenger_is_kept_with_the_gates_evidence(tmp_path: Path) -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        models.ensure_champion(uow, _model_dir(tmp_path, "first", 0.8), NOW)
        version = models.register(uow, _model_dir(tmp_path, "second", 0.7), NOW, "worker")
        refused = models.refuse(uow, version.model_id, NOW, "worker",
                                {"decision": "refuse"}, "approval worse by 3 points")  # fmt: skip
        uow.commit()
    assert refused.role == "refused"
    assert refused.comparison == {"decision": "refuse"}
    assert store.audit[-1].action == "model.refuse"
