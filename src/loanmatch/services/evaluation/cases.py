"""Evaluate the pipeline on a test-bed market, through the files a user would have.

1. The market's section-9 files are written to a working directory.
2. ``train`` reads them and writes a model directory, exactly as ``loanmatch train`` does.
3. ``recommend_file`` writes ``recommendations.csv`` for the market's fresh applicants, as
   ``loanmatch recommend`` does (with ``--target-approval``, or a fixed ``--threshold``); a target
   the held-out decisions cannot certify is the same ``NotCertifiedError`` the command reports.
4. The recommendations are read back and measured against the market's true probabilities
   (``services/evaluation/promise.py``), with the certificate's outcome beside them.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.certification import ThresholdChoice
from loanmatch.domain.progress import Progress, silent
from loanmatch.domain.rules import PASS
from loanmatch.errors import NotCertifiedError
from loanmatch.matching.batch import CHUNK
from loanmatch.matching.recommend import recommend_file
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.evaluation.promise import measure_promise
from loanmatch.services.train import TrainReport, train
from loanmatch.testbed.case import MarketCase

__all__ = ["CaseReport", "evaluate_case", "evaluate_policies"]


@dataclass(frozen=True)
class CaseReport:
    """One market, one policy: the promise's measures and the certificate."""

    market: str
    seed: int
    target_approval: float | None
    threshold_fixed: float | None
    certified: bool
    threshold: float | None
    highest_certifiable: float | None
    pairs_needed: int | None
    """Held-out pairs the target would need in all (None: more of the same would not do)."""
    lenders_raised: int
    lenders_excluded: int
    held_out_pairs: int
    history_rows: int
    applicants: int
    measures: dict[str, Any]
    train_auc: float
    train_ece: float
    seconds: float
    message: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def _matrix(path: Path, ids: list[str], products: list[str]) -> np.ndarray[Any, Any]:
    """The rank matrix (applicants x products) of a recommendations.csv."""
    rank = np.zeros((len(ids), len(products)), dtype=np.int64)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if frame.empty:
        return rank
    row = {a: i for i, a in enumerate(ids)}
    col = {p: j for j, p in enumerate(products)}
    r = frame["applicant_id"].map(row).to_numpy(dtype=np.int64)
    c = frame["product_id"].map(col).to_numpy(dtype=np.int64)
    rank[r, c] = frame["rank"].astype(int).to_numpy()
    return rank


def evaluate_case(
    case: MarketCase,
    target_approval: float | None = 0.95,
    confidence: float = 0.9,
    threshold: float = 0.8,
    seed: int = 0,
    workdir: Path | None = None,
    progress: Progress | None = None,
) -> CaseReport:
    """Train and recommend through the files, then measure against ``case.true_p``."""
    policy = RecommendPolicy(
        threshold=threshold, target_approval=target_approval, confidence=confidence
    )
    return evaluate_policies(case, [policy], seed, workdir, progress)[0]


def evaluate_policies(
    case: MarketCase,
    policies: list[RecommendPolicy],
    seed: int = 0,
    workdir: Path | None = None,
    progress: Progress | None = None,
) -> list[CaseReport]:
    """One training, then one ``recommend_file`` and one report per policy."""
    report = progress or silent
    with tempfile.TemporaryDirectory(prefix="loanmatch-case-") as scratch:
        root = Path(workdir) if workdir is not None else Path(scratch)
        started = time.perf_counter()
        report("write", 0, 2 + len(policies))
        files = case.write(root / "market")
        report("train", 1, 2 + len(policies))
        model_dir = root / "model"
        trained = train(files.features, files.products, files.history, model_dir, seed=seed)
        bundle = load_model(model_dir)
        table = read_table(files.applicants, bundle.market.catalog, kind="applicants")
        ids = [str(v) for v in table.ids.tolist()]
        scored = _score(bundle, table)
        shared = time.perf_counter() - started
        reports = []
        for k, policy in enumerate(policies):
            report("recommend", 2 + k, 2 + len(policies))
            began = time.perf_counter()
            out = root / f"recommendations-{k}.csv"
            message, choice = "", None
            try:
                choice = recommend_file(model_dir, files.applicants, out, policy).choice
            except NotCertifiedError as error:
                message = str(error)
                if policy.target_approval is not None:
                    choice = bundle.target_threshold(policy.target_approval, policy.confidence)
            rank = _matrix(out, ids, case.product_ids) if out.exists() else None
            seconds = shared + time.perf_counter() - began
            reports.append(
                _measure(case, bundle, scored, rank, policy, (choice, trained), message, seconds)
            )
    report("done", 2 + len(policies), 2 + len(policies))
    return reports


Scored = tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _score(bundle: ModelBundle, table: Table) -> Scored:
    """Feasible pairs (rules pass), the model's probability and the decision probability."""
    feasible = bundle.market.eligibility(table.values).status == PASS
    p_model = np.full(feasible.shape, np.nan)
    decision = np.full(feasible.shape, np.nan)
    rows, cols = np.nonzero(feasible)
    applicants = bundle.space.applicant_matrix(table.values)
    for start in range(0, rows.size, CHUNK):
        r, c = rows[start : start + CHUNK], cols[start : start + CHUNK]
        X = bundle.space.pairs(applicants, r, c)
        p_model[r, c] = bundle.probability(X)
        decision[r, c] = bundle.decision_probability(X)
    return feasible, p_model, decision


def _measure(
    case: MarketCase,
    bundle: ModelBundle,
    scored: Scored,
    rank: npt.NDArray[np.int64] | None,
    policy: RecommendPolicy,
    outcome: tuple[ThresholdChoice | None, TrainReport],
    message: str,
    seconds: float,
) -> CaseReport:
    """The promise's measures of one policy; ``outcome`` is the certificate the batch was
    recommended under (None: a fixed threshold) and the training report."""
    choice, trained = outcome
    feasible, p_model, decision = scored
    target_approval = policy.target_approval
    target = target_approval if target_approval is not None else policy.threshold
    measures = measure_promise(
        case.true_p,
        np.zeros(feasible.shape, dtype=np.int64) if rank is None else rank,
        feasible,
        p_model,
        bundle.space.lender_of_product,
        list(bundle.market.lenders),
        target,
        decision,
    )
    raised = {} if choice is None else choice.group_thresholds
    return CaseReport(
        market=case.name,
        seed=case.seed,
        target_approval=target_approval,
        threshold_fixed=None if target_approval is not None else policy.threshold,
        certified=choice is None or choice.certified,
        threshold=None if choice is None or not choice.certified else choice.threshold,
        highest_certifiable=None if choice is None else choice.highest_certifiable,
        pairs_needed=None if choice is None else choice.pairs_needed,
        lenders_raised=sum(1 for t in raised.values() if math.isfinite(t)),
        lenders_excluded=sum(1 for t in raised.values() if not math.isfinite(t)),
        held_out_pairs=int(bundle.selection_p.size),
        history_rows=trained.rows,
        applicants=int(feasible.shape[0]),
        measures=measures.to_dict(),
        train_auc=trained.auc,
        train_ece=trained.ece,
        seconds=seconds,
        message=message,
        facts=dict(case.facts),
    )
