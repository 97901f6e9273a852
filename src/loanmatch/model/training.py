"""Fit the approval model on history: filter, split by applicant, train, calibrate, measure.

1. Rows whose product's rules FAIL for the applicant are dropped: those pairs are certain
   declines and are never recommended, so the model need not learn them.
2. Applicants (not rows) are split into train (60%), calibration (20%) and selection (20%)
   parts, so no applicant's other applications leak across parts. Without dates the split is at
   random (with the seed). With ``decided_at`` it is out of time, as a deployment is: the 60%
   of applicants who applied first train the trees, and the latest 40% are split at random into
   calibration and selection, so the calibration and the certificate describe the latest period.
3. The booster is fitted on train, with early stopping on calibration; the calibrator (isotonic
   or Platt) on calibration; the selection part, restricted to pairs whose rules all PASS, gives
   the held-out decision probabilities the target-approval threshold is chosen on, and the
   held-out AUC, ECE and Brier score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.formula import Expr
from loanmatch.domain.metrics import auc, brier, ece
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.model.approval import ApprovalModel
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.calibration import fit_calibrator
from loanmatch.model.features import PairSpace
from loanmatch.model.unknowns import WorstCase

__all__ = ["SPLIT", "History", "fit_bundle", "split_applicants"]

ProgressFn = Callable[[str, int, int], None]
SPLIT = (0.6, 0.2, 0.2)
"""Shares of applicants in the train, calibration and selection parts."""


@dataclass(frozen=True)
class History:
    """Past applications: one row per (applicant, product) decision."""

    ids: npt.NDArray[np.object_]
    values: Values
    product_ids: npt.NDArray[np.object_]
    approved: npt.NDArray[np.int8]
    decided_at: npt.NDArray[np.object_] | None = None
    """ISO dates (``None`` or empty cells: unknown); with them the split is out of time."""


def _dated(decided_at: npt.NDArray[np.object_] | None) -> bool:
    if decided_at is None or len(decided_at) == 0:
        return False
    text = np.asarray(decided_at, dtype=object)
    return bool(all(isinstance(v, str) and v for v in text.tolist()))


def split_applicants(
    ids: npt.ArrayLike, seed: int, decided_at: npt.NDArray[np.object_] | None = None
) -> npt.NDArray[np.int8]:
    """Part of each row (0 train, 1 calibration, 2 selection), the same for all of an applicant's
    rows: at random, or out of time when every row has a ``decided_at`` (module docstring)."""
    unique, inverse = np.unique(np.asarray(ids).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    cut_1 = round(SPLIT[0] * unique.size)
    cut_2 = round((SPLIT[0] + SPLIT[1]) * unique.size)
    if _dated(decided_at):
        dates = np.asarray(decided_at).astype(str)
        order = np.argsort(dates, kind="stable")
        _, earliest = np.unique(inverse[order], return_index=True)
        first = dates[order][earliest]  # each applicant's first decision date
        by_time = np.lexsort((rng.random(unique.size), first))
        position = np.empty(unique.size, dtype=np.int64)
        position[by_time] = np.arange(unique.size)
        late = position >= cut_1
        shuffled = rng.permutation(int(late.sum()))
        position[late] = cut_1 + shuffled
    else:
        position = rng.permutation(unique.size)
    part = np.where(position < cut_1, 0, np.where(position < cut_2, 1, 2)).astype(np.int8)
    return np.asarray(part[inverse], dtype=np.int8)


def _product_index(market: Market, product_ids: npt.ArrayLike) -> npt.NDArray[np.intp]:
    lookup = {pid: j for j, pid in enumerate(market.product_ids)}
    ids = np.asarray(product_ids).astype(str)
    missing = sorted(set(ids.tolist()) - set(lookup))
    if missing:
        raise ValueError(f"history names products that are not in the products: {missing[:5]}")
    return np.array([lookup[pid] for pid in ids.tolist()], dtype=np.intp)


def fit_bundle(
    market: Market,
    history: History,
    seed: int = 0,
    formulas: Mapping[str, Expr] | None = None,
    progress: ProgressFn | None = None,
) -> ModelBundle:
    """Train, calibrate and measure an approval model on ``history`` (module docstring)."""

    def report(step: str, done: int) -> None:
        if progress is not None:
            progress(step, done, 4)

    n = len(history.ids)
    if n == 0:
        raise ValueError("the history is empty")
    report("rules", 0)
    products = _product_index(market, history.product_ids)
    eligibility = market.eligibility(history.values)
    status = eligibility.status[np.arange(n), products]
    fail_rate = tuple(
        tuple(float(v) for v in (rules == FAIL).mean(axis=1)) for rules in eligibility.rule_status
    )
    keep = status != FAIL
    part = split_applicants(history.ids, seed, history.decided_at)
    applicant_number = np.unique(np.asarray(history.ids).astype(str), return_inverse=True)[1]
    space = PairSpace(market)
    applicants = space.applicant_matrix(history.values)
    y = history.approved.astype(np.float64)
    X = space.pairs(applicants, np.flatnonzero(keep), products[keep])
    y, part, status = y[keep], part[keep], status[keep]
    applicant_number, kept_products = applicant_number[keep], products[keep]
    train, calibrate, select = part == 0, part == 1, part == 2
    for name, mask in (("train", train), ("calibration", calibrate), ("selection", select)):
        if np.unique(y[mask]).size < 2:
            raise ValueError(
                f"the {name} part of the history lacks approvals or declines among "
                "applications whose rules do not fail; more history is needed"
            )
    report("train", 1)
    model = ApprovalModel(
        categorical=tuple(space.categorical), monotone=tuple(space.monotone), seed=seed
    ).fit(X[train], y[train], eval_set=(X[calibrate], y[calibrate]))
    report("calibrate", 2)
    calibrator = fit_calibrator(model.predict_approval(X[calibrate]), y[calibrate])
    worst_case = WorstCase.from_training(X[train], space.columns, model.used_columns())
    report("measure", 3)
    held_out_p = calibrator(model.predict_approval(X[select]))
    offerable = select & (status == PASS)
    selection_p = calibrator(worst_case.bound(X[offerable], model.predict_approval))
    report("done", 4)
    return ModelBundle(
        market=market,
        model=model,
        calibrator=calibrator,
        worst_case=worst_case,
        selection_p=selection_p,
        selection_y=y[offerable],
        selection_group=applicant_number[offerable].astype(np.int64),
        selection_product=kept_products[offerable].astype(np.int64),
        metrics={
            "auc": auc(held_out_p, y[select]),
            "ece": ece(held_out_p, y[select]),
            "brier": brier(held_out_p, y[select]),
            "approval_rate": float(history.approved.mean()),
            "rows": float(n),
            "rows_rule_fail": float(n - int(keep.sum())),
            "rows_train": float(train.sum()),
            "rows_calibration": float(calibrate.sum()),
            "rows_selection": float(select.sum()),
            "trees": float(model.booster_.num_trees()),
        },
        rule_fail_rate=fail_rate,
        formulas=dict(formulas or {}),
    )
