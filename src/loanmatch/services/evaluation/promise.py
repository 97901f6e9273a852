"""The promise measured against the truth: approval among recommended, coverage against an oracle
at the same approval, the worst lender, and calibration where it matters.

Shared by ``evaluate`` (the default simulated market) and ``evaluate_case`` (the test bed's
markets). ``true_p[i, j]`` is the true probability that product ``j`` approves applicant ``i``;
``feasible`` marks the pairs anyone could offer knowing what loanmatch knows (the published rules
pass on the values given, and the owner's own limits such as the highest acceptable rate hold).

- approval among recommended: the mean true probability over recommended pairs (the approval
  rate the lenders' decisions will show, in expectation);
- oracle coverage at approval ``A``: an oracle that knows ``true_p`` offers each applicant its
  best feasible pair, to as many applicants as it can while the mean true probability of what it
  offers stays at least ``A`` (best applicants first); the share it covers;
- the model's ceiling: the coverage a perfect threshold on the model's own scores would reach at
  approval ``A`` (each applicant's highest-scored feasible pair, applicants by score, as many as
  keep the mean true probability at least ``A``): what is lost to the model's ranking, apart
  from what certification costs (reported as a share of the oracle's coverage);
- the worst lender: the lowest approval among lenders with at least ``MIN_LENDER_PAIRS``
  recommended pairs;
- calibration: ECE of the model's probability against the true probability on every feasible
  pair, and the largest over-confidence of a lender or a product among pairs the model puts at
  or above ``TOP`` (mean predicted minus mean true, groups with at least ``MIN_GROUP_TOP`` pairs).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.domain.certification import reach
from loanmatch.domain.metrics import ece

__all__ = [
    "MIN_LENDER_PAIRS",
    "PromiseMeasures",
    "measure_promise",
    "model_ceiling",
    "oracle_coverage",
]

FloatMatrix = npt.NDArray[np.float64]
MIN_LENDER_PAIRS = 100
"""A lender's approval counts for the worst-lender figure from this many recommended pairs."""
TOP = 0.8
MIN_GROUP_TOP = 50


@dataclass(frozen=True)
class PromiseMeasures:
    approval: float
    coverage: float
    oracle_coverage: float
    coverage_vs_oracle: float
    model_ceiling: float
    recommended: int
    worst_lender: str | None
    worst_lender_approval: float
    worst_lender_pairs: int
    ece_true: float
    worst_lender_overconfidence: float
    worst_product_overconfidence: float
    lenders: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def oracle_coverage(true_p: FloatMatrix, feasible: npt.NDArray[np.bool_], target: float) -> float:
    """The share of applicants an oracle covers at mean true approval ``target`` (module doc)."""
    best = np.where(feasible, true_p, -np.inf).max(axis=1) if true_p.size else np.empty(0)
    best = np.sort(best[np.isfinite(best)])[::-1]
    if true_p.shape[0] == 0:
        return 0.0
    return float(reach(best, target) / true_p.shape[0])


def model_ceiling(
    true_p: FloatMatrix, feasible: npt.NDArray[np.bool_], score: FloatMatrix, target: float
) -> float:
    """The share of applicants a perfect threshold on ``score`` covers at approval ``target``."""
    n = true_p.shape[0]
    if n == 0:
        return 0.0
    scored = np.where(feasible & ~np.isnan(score), score, -np.inf)
    best = scored.argmax(axis=1)
    top = scored[np.arange(n), best]
    order = np.argsort(-top, kind="stable")
    order = order[np.isfinite(top[order])]
    return float(reach(true_p[order, best[order]], target) / n)


def _overconfidence(
    predicted: npt.NDArray[np.float64], truth: npt.NDArray[np.float64], group: npt.NDArray[np.intp]
) -> float:
    top = predicted >= TOP
    if not top.any():
        return math.nan
    n = np.bincount(group[top])
    gap = (np.bincount(group[top], predicted[top]) - np.bincount(group[top], truth[top])) / (
        np.maximum(n, 1)
    )
    enough = n >= MIN_GROUP_TOP
    return float(gap[enough].max()) if enough.any() else math.nan


def measure_promise(
    true_p: FloatMatrix,
    rank: npt.NDArray[np.int64],
    feasible: npt.NDArray[np.bool_],
    p_model: FloatMatrix,
    lender_of_product: npt.NDArray[np.int64],
    lender_names: list[str],
    target: float,
    decision: FloatMatrix | None = None,
) -> PromiseMeasures:
    """Every measure of the module docstring; ``p_model`` is the model's calibrated probability
    (NaN where not scored), ``decision`` the score offers are decided on (default ``p_model``;
    the model's ceiling ranks by it), ``rank > 0`` marks the recommended pairs."""
    offered = rank > 0
    n = true_p.shape[0]
    rows, cols = np.nonzero(offered)
    truth = true_p[rows, cols]
    covered = float(offered.any(axis=1).mean()) if n else 0.0
    oracle = oracle_coverage(true_p, feasible, target)
    lender = lender_of_product[cols]
    counts = np.bincount(lender, minlength=len(lender_names))
    sums = np.bincount(lender, truth, minlength=len(lender_names))
    per_lender = sorted(
        (float(s / c), int(c), name)
        for name, c, s in zip(lender_names, counts.tolist(), sums.tolist(), strict=True)
        if c > 0
    )
    lenders: list[dict[str, Any]] = [
        {"lender": name, "recommended": c, "approval": a} for a, c, name in per_lender
    ]
    worst = next((item for item in per_lender if item[1] >= MIN_LENDER_PAIRS), None)
    scored = feasible & ~np.isnan(p_model)
    s_rows, s_cols = np.nonzero(scored)
    predicted, real = p_model[s_rows, s_cols], true_p[s_rows, s_cols]
    return PromiseMeasures(
        approval=float(truth.mean()) if truth.size else math.nan,
        coverage=covered,
        oracle_coverage=oracle,
        coverage_vs_oracle=covered / oracle if oracle else math.nan,
        model_ceiling=model_ceiling(
            true_p, feasible, p_model if decision is None else decision, target
        )
        / oracle
        if oracle
        else math.nan,
        recommended=int(rows.size),
        worst_lender=None if worst is None else worst[2],
        worst_lender_approval=math.nan if worst is None else worst[0],
        worst_lender_pairs=0 if worst is None else worst[1],
        ece_true=ece(predicted, real) if predicted.size else math.nan,
        worst_lender_overconfidence=_overconfidence(predicted, real, lender_of_product[s_cols]),
        worst_product_overconfidence=_overconfidence(predicted, real, s_cols),
        lenders=lenders,
    )
