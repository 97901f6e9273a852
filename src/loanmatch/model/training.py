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
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.formula import Expr
from loanmatch.domain.metrics import auc, brier, ece
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.model.approval import ApprovalModel
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.calibration import fit_calibrator, fit_group_shift
from loanmatch.model.features import PairSpace
from loanmatch.model.reference import score_reference
from loanmatch.model.selection_bias import fit_rank_shift
from loanmatch.model.unknowns import WorstCase, over_confident

__all__ = ["SPLIT", "History", "fit_bundle", "product_index", "split_applicants"]

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


def product_index(market: Market, product_ids: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Each history row's product, as its index in ``market`` (an unknown id: ValueError)."""
    lookup = {pid: j for j, pid in enumerate(market.product_ids)}
    ids = np.asarray(product_ids).astype(str)
    missing = sorted(set(ids.tolist()) - set(lookup))
    if missing:
        raise ValueError(f"history names products that are not in the products: {missing[:5]}")
    return np.array([lookup[pid] for pid in ids.tolist()], dtype=np.intp)


DRIFT_Z = 3.0
"""A lender's latest-period approval this many standard errors from the trees' prediction is
reported as drift."""


def period_drift(
    raw: npt.NDArray[np.float64],
    approved: npt.NDArray[np.float64],
    lenders: npt.NDArray[np.int64],
    names: list[str],
) -> dict[str, object]:
    """How the latest period's decisions differ from what the trees learned on the earlier one.

    The trees are fitted on the earliest applicants, where their mean prediction matches the
    approval rate; on the latest period (calibration and selection parts, never trained on) a
    difference between realised approval and the trees' mean prediction is drift. Reported
    pooled and for each lender whose difference is at least ``DRIFT_Z`` standard errors.
    """
    n = np.bincount(lenders, minlength=len(names)).astype(np.float64)
    predicted = np.bincount(lenders, raw, minlength=len(names)) / np.maximum(n, 1)
    realised = np.bincount(lenders, approved, minlength=len(names)) / np.maximum(n, 1)
    error = np.sqrt(np.clip(predicted * (1 - predicted), 1e-6, None) / np.maximum(n, 1))
    z = (realised - predicted) / error
    changed = [
        {
            "lender": names[g],
            "pairs": int(n[g]),
            "predicted": round(float(predicted[g]), 4),
            "realised": round(float(realised[g]), 4),
        }
        for g in np.argsort(z).tolist()
        if n[g] > 0 and abs(z[g]) >= DRIFT_Z
    ]
    return {
        "pairs": int(raw.size),
        "predicted": round(float(raw.mean()), 4) if raw.size else None,
        "realised": round(float(approved.mean()), 4) if raw.size else None,
        "lenders": changed,
    }


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
    products = product_index(market, history.product_ids)
    eligibility = market.eligibility(history.values)
    status = eligibility.status[np.arange(n), products]
    fail_rate = tuple(
        tuple(float(v) for v in (rules == FAIL).mean(axis=1)) for rules in eligibility.rule_status
    )
    keep = status != FAIL
    row_part = split_applicants(history.ids, seed, history.decided_at)
    row_applicant = np.unique(np.asarray(history.ids).astype(str), return_inverse=True)[1]
    space = PairSpace(market)
    applicants = space.applicant_matrix(history.values)
    y = history.approved.astype(np.float64)
    X = space.pairs(applicants, np.flatnonzero(keep), products[keep])
    y, part, status = y[keep], row_part[keep], status[keep]
    applicant_number, kept_products = row_applicant[keep], products[keep]
    train, calibrate, select = part == 0, part == 1, part == 2
    for name, mask in (("train", train), ("calibration", calibrate), ("selection", select)):
        if np.unique(y[mask]).size < 2:
            raise ValueError(
                f"the {name} part of the history lacks approvals or declines among "
                "applications whose rules do not fail; more history is needed"
            )
    report("train", 1)
    X_cal, y_cal = X[calibrate], y[calibrate]
    model = ApprovalModel(
        categorical=tuple(space.categorical),
        monotone=tuple(space.monotone),
        ignored=(space.product_column,),
        seed=seed,
    ).fit(X[train], y[train], eval_set=(X_cal, y_cal))
    report("calibrate", 2)
    raw_calibrate = model.predict_approval(X_cal)
    calibrator = fit_calibrator(raw_calibrate, y_cal)
    pooled = calibrator(raw_calibrate)
    lenders, products_of = space.groups_of(X_cal)
    shift = fit_group_shift(
        pooled, y_cal, lenders, products_of, len(market.lenders), len(market.products)
    )
    q_learned = shift.apply(pooled, lenders, products_of)
    unknown = np.isnan(X_cal[:, : space.n_applicant_columns])
    distrusted = frozenset(
        k for k in range(unknown.shape[1]) if over_confident(q_learned, y_cal, unknown[:, k])
    )
    worst_case = WorstCase.from_training(X[train], space.columns, model.used_columns(), distrusted)
    report("measure", 3)
    partial = ModelBundle(
        market=market,
        model=model,
        calibrator=calibrator,
        worst_case=worst_case,
        selection_p=np.empty(0),
        selection_y=np.empty(0),
        metrics={},
        rule_fail_rate=fail_rate,
        shift=shift,
    )
    first_rows = np.unique(row_applicant, return_index=True)[1]  # one row per applicant
    calibration_rows = first_rows[row_part[first_rows] == 1]
    scored = score_reference(
        partial, history.values, calibration_rows, row_applicant[calibration_rows], seed
    )
    q_calibrate = partial.decision_probability(X_cal)
    rank_calibrate = scored.rank_of(applicant_number[calibrate], q_calibrate)
    rank_shift = fit_rank_shift(q_calibrate, y_cal, rank_calibrate)
    partial = replace(partial, rank_shift=rank_shift)
    held_out_p = partial.probability(X[select])
    drift: dict[str, object] = {}
    if _dated(history.decided_at):
        late = calibrate | select
        drift = period_drift(
            model.predict_approval(X[late]),
            y[late],
            space.groups_of(X[late])[0],
            list(market.lenders),
        )
    offerable = select & (status == PASS)
    selection_p = partial.decision_probability(X[offerable])
    held_out = first_rows[row_part[first_rows] == 2]
    reference = score_reference(partial, history.values, held_out, row_applicant[held_out], seed)
    selection_group = applicant_number[offerable].astype(np.int64)
    selection_rank = reference.rank_of(selection_group, selection_p)
    adjusted = replace(reference, p=rank_shift.apply(reference.p))
    report("done", 4)
    return replace(
        partial,
        reference_p=adjusted.best_p,
        reference_lender=adjusted.best_lender,
        selection_rank=selection_rank,
        selection_p=rank_shift.apply_ranked(selection_p, selection_rank),
        selection_y=y[offerable],
        selection_group=selection_group,
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
        info={"drift": drift} if drift else {},
        formulas=dict(formulas or {}),
    )
