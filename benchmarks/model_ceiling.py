"""The approval model's ceiling on a test-bed market, for model variants (not a test).

The ceiling is the coverage a perfect threshold on the model's scores reaches at a target
approval (each fresh applicant's best-scored feasible pair, applicants by score, as many as keep
the mean true probability at the target), as a share of the oracle's (docs/testbed.md). Here it
is measured on the trees' calibrated scores alone (no shifts, no certificate), for each variant
and tree seed, so a change to the model can be judged before a full ``benchmarks/promise.py`` run:

    .venv/bin/python benchmarks/model_ceiling.py --market thin --seed 7 --scale 0.25 \
        --variants product-index no-product-index --tree-seeds 0 1 2 3

Variants: ``no-product-index`` is the model as trained (the trees never split on the product's
own index, docs/method.md section 3); ``product-index`` lets them split on it as a categorical.

Two more variants ask how much of the gap to the oracle is the noise of decisions, not the model.
Both fit the same trees on the feasible pairs of one half of the fresh applicants (every product
whose rules pass, not the logging policy's choice) and measure the ceiling on the other half:
``fresh-decisions`` on one 0/1 decision drawn per pair from its true probability, ``noise-free``
on the true probabilities themselves (``objective="cross_entropy"``). What ``noise-free``
reaches and ``fresh-decisions`` does not, no model of these features can learn from this many
decisions; what neither reaches, these trees cannot represent.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from loanmatch.adapters.catalog_file import load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import read_table
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.model.approval import ApprovalModel
from loanmatch.model.calibration import fit_calibrator
from loanmatch.model.features import PairSpace
from loanmatch.model.training import product_index, split_applicants
from loanmatch.services.evaluation.promise import model_ceiling, oracle_coverage
from loanmatch.testbed import MARKETS, generate

VARIANTS = ("no-product-index", "product-index", "fresh-decisions", "noise-free")
HISTORY_VARIANTS = VARIANTS[:2]
TARGETS = (0.95, 0.9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--market", choices=sorted(MARKETS), default="thin")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--tree-seeds", nargs="+", type=int, default=[0])
    args = parser.parse_args()

    case = generate(args.market, args.seed, args.scale)
    with tempfile.TemporaryDirectory(prefix="loanmatch-ceiling-") as scratch:
        files = case.write(Path(scratch))
        catalog = load_catalog(files.features)
        market = load_products(files.products, catalog)
        history = read_table(files.history, catalog, kind="history")
        fresh = read_table(files.applicants, catalog, kind="applicants")
    space = PairSpace(market)
    if history.product_ids is None or history.approved is None:
        raise SystemExit(f"{files.history}: no product_id / approved columns")
    products = product_index(market, history.product_ids)
    rows = np.arange(len(history.ids))
    keep = market.eligibility(history.values).status[rows, products] != FAIL
    part = split_applicants(history.ids, args.seed, history.decided_at)[keep]
    X = space.pairs(space.applicant_matrix(history.values), rows[keep], products[keep])
    y = history.approved.astype(np.float64)[keep]
    feasible = market.eligibility(fresh.values).status == PASS
    r, c = np.nonzero(feasible)
    X_fresh = space.pairs(space.applicant_matrix(fresh.values), r, c)
    train, calibrate = part == 0, part == 1
    oracle = {t: oracle_coverage(case.true_p, feasible, t) for t in TARGETS}
    print(f"{args.market} seed {args.seed} scale {args.scale}: {int(keep.sum())} history pairs, "
          f"{len(market.products)} products, {len(X_fresh)} fresh feasible pairs")  # fmt: skip
    for variant in [v for v in args.variants if v not in HISTORY_VARIANTS]:
        truth = case.true_p[r, c]
        for tree_seed in args.tree_seeds:
            started = time.perf_counter()
            labels = truth
            if variant == "fresh-decisions":
                draws = np.random.default_rng(tree_seed).random(truth.size)
                labels = (draws < truth).astype(np.float64)
            shown, trees = _fresh_ceiling(space, case.true_p, feasible, X_fresh, labels, tree_seed)
            seconds = time.perf_counter() - started
            print(f"  {variant:17s} tree seed {tree_seed}: {shown} ({trees} trees, {seconds:.0f}s)")
    for variant in [v for v in args.variants if v in HISTORY_VARIANTS]:
        ignored = (space.product_column,) if variant == "no-product-index" else ()
        ceilings: dict[float, list[float]] = {t: [] for t in TARGETS}
        for tree_seed in args.tree_seeds:
            started = time.perf_counter()
            model = ApprovalModel(
                categorical=tuple(space.categorical),
                monotone=tuple(space.monotone),
                ignored=ignored,
                seed=tree_seed,
            ).fit(X[train], y[train], eval_set=(X[calibrate], y[calibrate]))
            calibrator = fit_calibrator(model.predict_approval(X[calibrate]), y[calibrate])
            score = np.full(feasible.shape, np.nan)
            score[r, c] = calibrator(model.predict_approval(X_fresh))
            for t in TARGETS:
                ceilings[t].append(model_ceiling(case.true_p, feasible, score, t) / oracle[t])
            shown = "  ".join(f"{t}: {ceilings[t][-1]:.3f}" for t in TARGETS)
            seconds = time.perf_counter() - started
            trees = model.booster_.num_trees()
            print(f"  {variant:17s} tree seed {tree_seed}: {shown} ({trees} trees, {seconds:.0f}s)")
        means = "  ".join(f"{t}: {statistics.fmean(ceilings[t]):.3f}" for t in TARGETS)
        print(f"  {variant:17s} mean of {len(args.tree_seeds)}: {means}")


def _fresh_ceiling(
    space: PairSpace,
    true_p: np.ndarray,
    feasible: np.ndarray,
    X_fresh: np.ndarray,
    labels: np.ndarray,
    tree_seed: int,
) -> tuple[str, int]:
    """Trees fitted on the fresh applicants of the first half (a fifth of them for early
    stopping), the ceiling measured on the second half against its own oracle."""
    rows, cols = np.nonzero(feasible)
    n = feasible.shape[0]
    fit_half, stop = rows < n // 2, (rows < n // 2) & (rows % 5 == 0)
    train, measured = fit_half & ~stop, ~fit_half
    objective = "binary" if np.isin(labels, (0.0, 1.0)).all() else "cross_entropy"
    model = ApprovalModel(
        categorical=tuple(space.categorical),
        monotone=tuple(space.monotone),
        ignored=(space.product_column,),
        seed=tree_seed,
        objective=objective,
    ).fit(X_fresh[train], labels[train], eval_set=(X_fresh[stop], labels[stop]))
    half = np.arange(n // 2, n)
    score = np.full((half.size, feasible.shape[1]), np.nan)
    score[rows[measured] - n // 2, cols[measured]] = model.predict_approval(X_fresh[measured])
    truth, open_ = true_p[half], feasible[half]
    shares = {
        t: model_ceiling(truth, open_, score, t) / oracle_coverage(truth, open_, t) for t in TARGETS
    }
    shown = "  ".join(f"{t}: {share:.3f}" for t, share in shares.items())
    return shown, model.booster_.num_trees()


if __name__ == "__main__":
    main()
