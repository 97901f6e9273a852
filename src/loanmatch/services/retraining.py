"""Retraining as a job: a challenger trained on the decisions the platform received, promoted
only by evidence (issue 13; ``docs/promotion.md``).

The job (kind ``retrain``, run by ``loanmatch jobs work``; queued by ``loanmatch model
retrain`` or the operator console) does, reporting each stage as the job's progress:

1. **decisions**: every lender decision on an application made from an offer (an application
   with its recorded prediction, ``services/predictions.py``) becomes a history row: the owner's
   facts, the product, approved 1/0, the decision date and the recorded propensity. Only facts
   the platform may still read are used: the owner's own answers, and a source's facts while a
   consent of that source is valid (an erased session gives no row); protected attributes are
   never exported (the model does not read them either). Products that the
   champion's market does not hold (published later) are left out and counted.
2. **split**: with a ``holdout`` file in the payload (a history CSV with propensities, e.g. a
   randomised logging period), that file is the evidence and every platform decision trains;
   without one, the latest ``HOLDOUT_SHARE`` of the platform's decisions (by decision time) is
   held out and the earlier ones train.
3. **train**: the champion's own catalog and products, the served market's ``history.csv`` plus
   the training decisions (dated, so the split is out of time and the calibration describes the
   latest period), with the champion's pricing copy and the market's ``loans.csv`` when the
   champion was priced; written to ``<models_dir>/<job id>/model``.
4. **compare**: ``services/promotion.compare_models`` on the held-out decisions; the challenger
   is registered and then promoted or refused (``services/models.py``), audited, in one
   transaction. The job's result keeps the comparison.

Deterministic serving logs every shown product with propensity 1, so on the platform's own
log a challenger that would recommend other pairs cannot be estimated off-policy (no overlap).
Such a challenger, refused for no other reason, is started as the **canary** instead
(``services/canary.py``): it serves ``CANARY_SHARE`` of firms until its own decisions judge it.
A job first judges the canary already running (and trains nothing new while one still runs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from loanmatch.adapters.tables import write_csv
from loanmatch.domain.products import Market
from loanmatch.errors import Location, TableError
from loanmatch.intake.state import IntakeState
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services import canary, models
from loanmatch.services.intake.consent import readable_facts
from loanmatch.services.jobs import Reporter
from loanmatch.services.predictions import record_of
from loanmatch.services.promotion import compare_models
from loanmatch.services.train import train
from loanmatch.storage.records import Job
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["HOLDOUT_SHARE", "KIND", "MIN_HOLDOUT", "RetrainSetup", "decision_rows", "retrain"]

KIND = "retrain"
HOLDOUT_SHARE = 0.3
MIN_HOLDOUT = 200
"""Fewer held-out decisions than this: the job trains nothing and says why."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RetrainSetup:
    """What a retraining needs besides the database (from the composition root)."""

    market_dir: Path
    """The served market: its ``history.csv`` (and ``loans.csv``) train with the decisions."""
    settings_model_dir: Path
    """Served while no model is registered (it becomes the first champion)."""
    models_dir: Path
    """Where each job writes its challenger (``<models_dir>/<job id>/``)."""
    policy: RecommendPolicy
    seed: int = 0
    confidence: float = 0.9


def decision_rows(
    uow: UnitOfWork, market: Market, at: datetime
) -> tuple[dict[str, list[str]], int]:
    """The platform's decisions as history columns (``applicant_id``, ``product_id``,
    ``approved``, each catalog feature, ``propensity``, ``decided_at``), by decision time, and
    how many decisions were left out (a product not in ``market``, or no facts left)."""
    features = [name for name, f in market.catalog.items() if not f.derived and not f.protected]
    columns: dict[str, list[str]] = {
        name: [] for name in ("applicant_id", "product_id", "approved", *features)
    }
    columns["propensity"], columns["decided_at"] = [], []
    left_out = 0
    with uow:
        decided = uow.applications.decided_between(EPOCH, at)
        for application in decided:
            record = record_of(application)
            if record is None:
                continue
            session = uow.sessions.get(application.session_id)
            if application.product_id not in market.product_ids or session is None:
                left_out += 1
                continue
            state = IntakeState.from_dict(session.state)
            readable = readable_facts(uow, session.id, state, at)
            facts = {n: f.value for n, f in readable.items() if f.value is not None}
            if not facts:
                left_out += 1
                continue
            columns["applicant_id"].append(f"app-{session.id}")
            columns["product_id"].append(application.product_id)
            columns["approved"].append("1" if record.approved else "0")
            for name in features:
                columns[name].append(_cell(facts.get(name)))
            columns["propensity"].append(repr(float(record.propensity)))
            columns["decided_at"].append(record.decided_at.date().isoformat())
    return columns, left_out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _frame(columns: Mapping[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def _write(path: Path, frame: pd.DataFrame) -> Path:
    write_csv(path, {name: frame[name].to_numpy(dtype=object) for name in frame.columns})
    return path


def retrain(
    unit_of_work: Callable[[], UnitOfWork],
    setup: RetrainSetup,
    job: Job,
    report: Reporter,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """Run one retraining job (module docstring); its result."""
    at = clock()
    with unit_of_work() as uow:
        champion = models.ensure_champion(uow, setup.settings_model_dir, at)
        judged = canary.judge_canary(uow, at, job.queued_by, setup.policy.target_approval,
                                     setup.confidence)  # fmt: skip
        champion = uow.models.champion() or champion
        uow.commit()
    if judged is not None and judged[1].decision == "wait":
        return {"champion": champion.model_id, "promoted": False, "trained": False,
                "canary": judged[0], "canary_verdict": judged[1].to_dict(),
                "reasons": [f"the canary {judged[0]} is still being judged: "
                            f"{'; '.join(judged[1].reasons)}"]}  # fmt: skip
    champion_dir = Path(champion.path)
    market = load_model(champion_dir).market
    report("decisions", 0, 4)
    columns, left_out = decision_rows(unit_of_work(), market, at)
    decisions = _frame(columns)
    work = setup.models_dir / job.id
    work.mkdir(parents=True, exist_ok=True)
    holdout_file = job.payload.get("holdout")
    if holdout_file:
        holdout, training = Path(str(holdout_file)), decisions
    else:
        cut = round(len(decisions) * (1 - HOLDOUT_SHARE))
        training, recent = decisions.iloc[:cut], decisions.iloc[cut:]
        if len(recent) < MIN_HOLDOUT:
            return {
                "champion": champion.model_id, "promoted": False, "trained": False,
                "decisions": len(decisions), "left_out": left_out,
                "reasons": [f"only {len(recent)} recent decisions to judge a challenger on "
                            f"(at least {MIN_HOLDOUT} needed): nothing trained"],
            }  # fmt: skip
        holdout = _write(work / "holdout.csv", recent)
    report("train", 1, 4)
    history_file = setup.market_dir / "history.csv"
    try:
        history = pd.read_csv(history_file, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        where = Location(file=str(history_file))
        raise TableError(f"cannot read the history: {error}", where) from None
    combined = pd.concat([history, training], ignore_index=True).fillna("")
    combined = combined.drop(columns=["propensity"], errors="ignore")
    train_file = _write(work / "train.csv", combined)
    pricing = champion_dir / "pricing.yaml"
    loans = setup.market_dir / "loans.csv"
    priced = pricing.exists() and (champion_dir / "pd_model.pkl").exists() and loans.exists()
    challenger_dir = work / "model"
    trained = train(
        champion_dir / "features.yaml", champion_dir / "products.yaml", train_file,
        challenger_dir, seed=setup.seed, pricing=pricing if priced else None,
        loans=loans if priced else None,
    )  # fmt: skip
    report("compare", 2, 4)
    comparison = compare_models(champion_dir, challenger_dir, holdout, setup.policy,
                                setup.confidence)  # fmt: skip
    report("switch", 3, 4)
    result = comparison.to_dict()
    reason = "; ".join(comparison.reasons)
    unjudged = comparison.unestimable_only
    started = False
    with unit_of_work() as uow:
        version = models.register(uow, challenger_dir, clock(), job.queued_by, note=f"job {job.id}")
        if comparison.promote:
            models.promote(uow, version.model_id, clock(), job.queued_by, result, reason)
        elif unjudged and canary.canary_of(uow) is None:
            started = True
            uow.models.save(replace(version, comparison=result))
            canary.start(uow, version.model_id, canary.CANARY_SHARE, clock(), job.queued_by,
                         f"not estimable off-policy: {reason}")  # fmt: skip
        else:
            models.refuse(uow, version.model_id, clock(), job.queued_by, result, reason)
        uow.commit()
    report("switch", 4, 4)
    return {
        "champion": champion.model_id, "challenger": version.model_id,
        "promoted": comparison.promote, "trained": True, "decisions": len(decisions),
        "canary": version.model_id if started else None,
        "training_decisions": len(training), "left_out": left_out,
        "history_rows": len(history), "auc": trained.auc, "ece": trained.ece,
        "reasons": list(comparison.reasons), "holdout_rows": comparison.rows,
        "figures": result["figures"],
    }  # fmt: skip
