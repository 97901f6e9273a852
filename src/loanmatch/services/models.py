"""The model registry: which model directory is served, and every switch audited (issue 13).

A model directory (``model/directory.py``) is known by its id (``model_id``: a hash of its
``meta.json``). The registry (the ``model_versions`` table) holds each one's path, role and
figures; the **champion** is the one served, and there is at most one (a partial unique index).
Before anything is registered the settings' ``model_dir`` is served; the first registration
(:func:`ensure_champion`) records it as the champion, so a rollback can return to it.

- :func:`register`: a new challenger (a retraining job's output), with its training figures;
- :func:`promote`: the challenger becomes the champion, the champion is retired; ``comparison``
  keeps the promotion gate's evidence (``services/promotion.py``); lenders on hold are
  released (``services/holds.py``: the new model is what they were waiting for);
- :func:`refuse`: the gate kept the champion; the challenger is kept, marked refused;
- :func:`rollback`: the latest retired champion is served again.

Every switch writes an audit entry (``model.register``, ``model.promote``, ``model.refuse``,
``model.rollback``) with the actor, in the same transaction as the switch. Servers notice a new
champion by reading :func:`served` (``web/model_switch.py``) and switch without dropping a
request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from loanmatch.errors import ModelSwitchError
from loanmatch.model.directory import model_id
from loanmatch.services import holds
from loanmatch.storage.records import AuditEntry, ModelVersion
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "ensure_champion",
    "promote",
    "refuse",
    "register",
    "rollback",
    "served",
    "versions",
]


def _audit(uow: UnitOfWork, at: datetime, by: str, action: str, model: str, **detail: str) -> None:
    uow.audit.append(AuditEntry(at, by, action, model, detail=dict(detail)))


def _metrics(model_dir: Path) -> dict[str, Any]:
    """The training figures of a model directory's meta.json (its ``metrics``)."""
    meta = json.loads((Path(model_dir) / "meta.json").read_text(encoding="utf-8"))
    metrics = meta.get("metrics", {})
    return {k: v for k, v in metrics.items() if isinstance(v, int | float | str)}


def ensure_champion(uow: UnitOfWork, model_dir: Path, at: datetime) -> ModelVersion:
    """The champion; when none is registered, ``model_dir`` (the settings' model) becomes it."""
    current = uow.models.champion()
    if current is not None:
        return current
    identity = model_id(model_dir)
    known = uow.models.get(identity)
    if known is not None:
        chosen = replace(known, role="champion", changed_at=at, changed_by="system",
                         promoted_at=at)  # fmt: skip
        uow.models.save(chosen)
    else:
        chosen = ModelVersion(
            identity, str(Path(model_dir).resolve()), at, "champion", _metrics(model_dir),
            changed_at=at, changed_by="system", promoted_at=at, note="the settings' model_dir",
        )  # fmt: skip
        uow.models.add(chosen)
    _audit(uow, at, "system", "model.register", identity, role="champion")
    return chosen


def register(
    uow: UnitOfWork, model_dir: Path, at: datetime, by: str, note: str = ""
) -> ModelVersion:
    """Record ``model_dir`` as a challenger (not served until promoted)."""
    identity = model_id(model_dir)
    if uow.models.get(identity) is not None:
        raise ModelSwitchError("known", f"the model {identity} is registered already")
    version = ModelVersion(
        identity, str(Path(model_dir).resolve()), at, "challenger", _metrics(model_dir),
        changed_at=at, changed_by=by, note=note,
    )  # fmt: skip
    uow.models.add(version)
    _audit(uow, at, by, "model.register", identity, role="challenger")
    return version


def _known(uow: UnitOfWork, identity: str) -> ModelVersion:
    version = uow.models.get(identity)
    if version is None:
        raise ModelSwitchError("unknown", f"no registered model {identity!r}")
    return version


def _switch(
    uow: UnitOfWork, to: ModelVersion, at: datetime, by: str, rolled_back: bool = False,
    **changes: Any,
) -> None:  # fmt: skip
    """Retire the champion and make ``to`` the champion (a rollback keeps ``to``'s
    ``promoted_at``, so rolling back again goes one further back, not forth)."""
    current = uow.models.champion()
    if current is not None:
        uow.models.save(replace(current, role="retired", changed_at=at, changed_by=by))
    promoted_at = to.promoted_at if rolled_back else at
    try:
        uow.models.save(replace(to, role="champion", changed_at=at, changed_by=by,
                                promoted_at=promoted_at, **changes))  # fmt: skip
    except ValueError as error:
        raise ModelSwitchError("conflict", str(error)) from None


def promote(
    uow: UnitOfWork,
    identity: str,
    at: datetime,
    by: str,
    comparison: Mapping[str, Any] | None = None,
    reason: str = "",
) -> ModelVersion:
    """Serve ``identity`` from now: the champion is retired (refused: ``ModelSwitchError``
    ``unknown`` or ``champion``)."""
    version = _known(uow, identity)
    if version.role == "champion":
        raise ModelSwitchError("champion", f"the model {identity} is the champion already")
    before = uow.models.champion()
    extra: dict[str, Any] = {"note": reason} if reason else {}
    if comparison is not None:
        extra["comparison"] = dict(comparison)
    _switch(uow, version, at, by, **extra)
    _audit(uow, at, by, "model.promote", identity,
           previous=before.model_id if before else "", reason=reason[:200])  # fmt: skip
    holds.lift_all(uow, at, by, f"the model {identity} is served")
    return _known(uow, identity)


def refuse(
    uow: UnitOfWork,
    identity: str,
    at: datetime,
    by: str,
    comparison: Mapping[str, Any],
    reason: str,
) -> ModelVersion:
    """Keep the champion: ``identity`` is marked refused with the gate's evidence."""
    version = _known(uow, identity)
    if version.role == "champion":
        raise ModelSwitchError("champion", f"the model {identity} is the champion already")
    refused = replace(version, role="refused", comparison=dict(comparison), changed_at=at,
                      changed_by=by, note=reason)  # fmt: skip
    uow.models.save(refused)
    _audit(uow, at, by, "model.refuse", identity, reason=reason[:200])
    return refused


def rollback(uow: UnitOfWork, at: datetime, by: str, reason: str = "") -> ModelVersion:
    """Serve again the champion before this one (the retired version promoted last before
    it); the current one is retired (refused: ``ModelSwitchError`` ``no_previous``)."""
    current = uow.models.champion()
    since = current.promoted_at if current is not None else None
    earlier = [v for v in uow.models.all() if v.role == "retired" and v.promoted_at is not None
               and since is not None and v.promoted_at < since]  # fmt: skip
    if current is None or not earlier:
        raise ModelSwitchError("no_previous", "no model was served before this one")
    previous = max(earlier, key=lambda v: v.promoted_at or at)
    note = reason or f"rolled back from {current.model_id}"
    _switch(uow, previous, at, by, rolled_back=True, note=note)
    _audit(uow, at, by, "model.rollback", previous.model_id,
           previous=current.model_id, reason=reason[:200])  # fmt: skip
    return _known(uow, previous.model_id)


def served(uow: UnitOfWork) -> tuple[str, Path] | None:
    """The champion's id and directory (None: none registered; serve the settings' model)."""
    champion = uow.models.champion()
    return (champion.model_id, Path(champion.path)) if champion is not None else None


def versions(uow: UnitOfWork) -> list[ModelVersion]:
    """Every registered version, newest first."""
    return list(uow.models.all())
