"""The operator console's models page over HTTP: the registered versions with a plot of their
held-out AUC, the retraining jobs with their progress, and the retrain / promote / roll back
controls (CSRF-checked, audited with the operator as actor, refusals worded in the page's
language); lender staff cannot reach it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loanmatch.model.directory import model_id
from loanmatch.services import models
from loanmatch.storage.records import PLATFORM, LenderHold
from tests.integration.test_lender_portal import Portal, csrf, portal
from tests.integration.test_operator_console import _operator

__all__ = ["portal"]

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _model_dir(root: Path, name: str, auc: float) -> Path:
    directory = root / name
    directory.mkdir()
    meta = {"name": name, "metrics": {"auc": auc, "ece": 0.012}}
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return directory


def test_an_operator_queues_a_retraining_promotes_and_rolls_back_each_audited(
    portal: Portal, tmp_path: Path
) -> None:
    ops = _operator(portal)
    empty = ops.get("/operator/models?lang=en")
    assert empty.status_code == 200
    assert 'id="models-empty"' in empty.text
    queued = ops.post("/operator/models/retrain", data={"csrf": csrf(empty.text), "lang": "en"},
                      follow_redirects=False)  # fmt: skip
    assert queued.status_code == 303
    page = ops.get("/operator/models?lang=en")
    assert 'data-status="queued"' in page.text
    assert "waiting for a worker" in page.text
    assert 'http-equiv="refresh"' in page.text, "the page follows a job that is not done"

    first, second = _model_dir(tmp_path, "first", 0.81), _model_dir(tmp_path, "second", 0.86)
    with portal.database.unit_of_work() as uow:
        now = portal.backend.context.clock()
        models.ensure_champion(uow, first, now - timedelta(hours=2))
        models.register(uow, second, now - timedelta(hours=1), "worker")
        uow.commit()
    page = ops.get("/operator/models?lang=en")
    assert 'id="models-plot"' in page.text
    assert 'id="models-caption"' in page.text
    assert "held-out AUC" in page.text, "the plot has its axis"
    assert re.findall(r"<text x=\"[\d.]+\" y=\"\d+\">(0\.\d{3})</text>", page.text) == [
        "0.860", "0.810"]  # fmt: skip
    promoted = ops.post("/operator/models/promote", follow_redirects=False, data={
        "csrf": csrf(page.text), "lang": "en", "model_id": model_id(second)})  # fmt: skip
    assert promoted.status_code == 303
    page = ops.get("/operator/models?lang=en")
    assert f'data-model="{model_id(second)}" data-role="champion"' in page.text
    back = ops.post("/operator/models/rollback", data={"csrf": csrf(page.text), "lang": "en"},
                    follow_redirects=False)  # fmt: skip
    assert back.status_code == 303
    page = ops.get("/operator/models?lang=zh")
    assert f'data-model="{model_id(first)}" data-role="champion"' in page.text
    again = ops.post("/operator/models/rollback", data={"csrf": csrf(page.text), "lang": "zh"})
    assert again.status_code == 409
    assert "此前没有服务过其他模型" in again.text
    with portal.database.unit_of_work() as uow:
        entries = [(e.action, e.actor) for e in uow.audit.entries()
                   if e.action.startswith(("model.", "job."))]  # fmt: skip
    actors = {a for _, a in entries if a.startswith("staff:")}
    assert actors == {f"staff:{PLATFORM}/" + next(iter(actors)).split("/")[1]}
    assert [a for a, _ in entries] == ["job.queued", "model.register", "model.register",
                                       "model.promote", "model.rollback"]  # fmt: skip


def test_a_control_without_its_csrf_value_or_from_lender_staff_changes_nothing(
    portal: Portal, tmp_path: Path
) -> None:
    ops = _operator(portal)
    with portal.database.unit_of_work() as uow:
        models.ensure_champion(uow, _model_dir(tmp_path, "first", 0.8), NOW)
        other = models.register(uow, _model_dir(tmp_path, "second", 0.9), NOW, "worker")
        uow.commit()
    forged = ops.post("/operator/models/promote", data={"model_id": other.model_id, "lang": "en"})
    assert forged.status_code == 403
    alice = portal.staff("bank_a", "alice")
    assert alice.get("/operator/models").status_code == 403
    assert alice.post("/operator/models/retrain", data={"csrf": "x"}).status_code == 403
    with portal.database.unit_of_work() as uow:
        assert uow.models.champion() is not None
        assert uow.models.champion().model_id != other.model_id  # type: ignore[union-attr]
        assert list(uow.jobs.recent(5)) == []


def test_an_operator_lifts_a_lenders_hold_and_a_second_lift_is_refused(portal: Portal) -> None:
    ops = _operator(portal)
    now = portal.backend.context.clock()
    with portal.database.unit_of_work() as uow:
        uow.holds.save(LenderHold("bank_a", now, 57, now - timedelta(days=90)))
        uow.commit()
    page = ops.get("/operator/models?lang=en")
    assert 'data-held="bank_a"' in page.text
    lifted = ops.post("/operator/models/holds/lift", follow_redirects=False, data={
        "csrf": csrf(page.text), "lang": "en", "lender_id": "bank_a"})  # fmt: skip
    assert lifted.status_code == 303
    page = ops.get("/operator/models?lang=en")
    assert 'id="holds-none"' in page.text
    again = ops.post("/operator/models/holds/lift", data={
        "csrf": csrf(page.text), "lang": "en", "lender_id": "bank_a"})  # fmt: skip
    assert again.status_code == 409
    with portal.database.unit_of_work() as uow:
        assert [e.action for e in uow.audit.entries() if e.action.startswith("lender.")] == [
            "lender.hold_lifted"]  # fmt: skip
