"""Measure the whole pipeline on a simulated market, where every true decision is known.

1. Simulate a market (products, lenders' hidden behaviour, a naive-policy history).
2. Train on its history exactly as ``loanmatch train`` does (in memory).
3. Draw FRESH applicants (never in the history) and recommend for them with the target-approval
   policy (Learn-then-Test on the model's held-out selection split).
4. Ask the oracle for the true decision of every (fresh applicant, product) pair and measure
   (docs/design.md §10): approval among recommended, coverage, coverage against an oracle that
   recommends only truly approving products, calibration (ECE, Brier) and AUC of P(approve) on
   the fresh pairs whose rules all pass (the pairs a recommendation is decided on), and the naive
   policy's approval rate in the history as the baseline.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.domain.catalog import Values
from loanmatch.domain.metrics import auc, brier, ece
from loanmatch.domain.progress import Progress
from loanmatch.domain.ranking import request_features
from loanmatch.domain.rules import PASS
from loanmatch.matching.batch import recommend_values
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.evaluation.promise import measure_promise
from loanmatch.services.train import fit_table
from loanmatch.simulator import simulate_market

__all__ = ["EvaluationReport", "evaluate"]

FRESH_SEED_OFFSET = 1_000_003
"""Fresh applicants are drawn with ``seed + FRESH_SEED_OFFSET``, apart from the history's."""


@dataclass(frozen=True)
class EvaluationReport:
    """Measures of one simulated market; every fraction is in [0, 1]."""

    seed: int
    missing_rate: float
    target_approval: float
    confidence: float
    baseline_approval: float
    approval_among_recommended: float
    coverage: float
    oracle_coverage: float
    coverage_vs_oracle: float
    ece: float
    brier: float
    auc: float
    threshold: float | None
    """None when no threshold could be certified (then nothing is recommended)."""
    n_applicants: int
    n_recommended: int
    offers_per_covered: float
    history_rows: int
    train_auc: float
    train_ece: float
    seconds: float
    promise: dict[str, Any] = field(default_factory=dict)
    """``services/evaluation/promise.py``: expected approval, oracle coverage at the target
    approval, the worst lender, calibration against the true probability (the simulator's, given
    every visible feature)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def evaluate(
    seed: int,
    target_approval: float = 0.95,
    progress: Progress | None = None,
    history_rows: int = 100_000,
    n_applicants: int = 5_000,
    confidence: float = 0.9,
    missing_rate: float = 0.0,
) -> EvaluationReport:
    """Simulate, train, recommend for fresh applicants and measure against the oracle.

    ``missing_rate`` hides that share of each applicant's cells (history and fresh alike), to
    measure how recommendations hold up when answers are missing.
    """
    started = time.perf_counter()

    def report(step: str, done: int) -> None:
        if progress is not None:
            progress(step, done, 4)

    report("simulate", 0)
    simulated = simulate_market(
        seed, history_rows=history_rows, n_applicants=n_applicants, missing_rate=missing_rate
    )
    market, history = simulated.market, simulated.history
    report("train", 1)
    bundle = fit_table(market, history, seed=seed, formulas=catalog_formulas(market.catalog))
    report("recommend", 2)
    fresh = simulated.sample(n_applicants, seed + FRESH_SEED_OFFSET)
    policy = RecommendPolicy(target_approval=target_approval, confidence=confidence)
    batch = recommend_values(bundle, fresh.ids, fresh.values, policy)
    report("measure", 3)
    truth = np.asarray(simulated.oracle(fresh), dtype=bool)
    offered = batch.rank > 0
    covered = offered.any(axis=1)
    truly_coverable = truth.any(axis=1)
    passing = batch.status == PASS
    rows, cols = np.nonzero(passing)
    X = bundle.space.pairs(bundle.space.applicant_matrix(fresh.values), rows, cols)
    p_model = bundle.probability(X)
    y_model = truth[rows, cols].astype(np.float64)
    feasible = passing & ~_above_owner_rate(bundle, fresh.values)
    p_all = np.full(passing.shape, np.nan)
    p_all[rows, cols] = p_model
    promise = measure_promise(
        simulated.true_probability(fresh),
        batch.rank,
        feasible,
        p_all,
        bundle.space.lender_of_product,
        list(market.lenders),
        target_approval,
        batch.p_decision,
    )
    report("done", 4)
    n_offers = int(offered.sum())
    return EvaluationReport(
        seed=seed,
        missing_rate=missing_rate,
        target_approval=target_approval,
        confidence=confidence,
        baseline_approval=simulated.approval_rate,
        approval_among_recommended=_ratio(float(truth[offered].sum()), n_offers),
        coverage=float(covered.mean()),
        oracle_coverage=float(truly_coverable.mean()),
        coverage_vs_oracle=_ratio(float(covered.mean()), float(truly_coverable.mean())),
        ece=ece(p_model, y_model),
        brier=brier(p_model, y_model),
        auc=auc(p_model, y_model),
        threshold=batch.threshold if math.isfinite(batch.threshold) else None,
        n_applicants=len(fresh.ids),
        n_recommended=n_offers,
        offers_per_covered=_ratio(n_offers, int(covered.sum())),
        history_rows=len(history.ids),
        train_auc=bundle.metrics["auc"],
        train_ece=bundle.metrics["ece"],
        seconds=time.perf_counter() - started,
        promise=promise.to_dict(),
    )


def _above_owner_rate(bundle: ModelBundle, values: Values) -> npt.NDArray[np.bool_]:
    """Pairs whose product's lowest rate is above the owner's highest acceptable rate (never
    offered, so the oracle may not offer them either)."""
    catalog = bundle.market.catalog
    name = request_features(catalog).max_rate
    n = len(next(iter(values.values())))
    limit = values[name] if name is not None and name in values else np.full(n, np.nan)
    rate_min = np.array(
        [np.nan if p.rate_min is None else p.rate_min for p in bundle.market.products]
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(rate_min[None, :] > limit[:, None])
