"""Benchmark (run by ``make bench``; not a test): simulate, train, recommend, against the floor.

Every model-bound figure is printed beside the raw LightGBM prediction time on the same pairs,
measured in the same run with the same thread count, and as a ratio (docs/design.md §10, speed).

    python benchmarks/bench.py [--seed S] [--history-rows N] [--applicants N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.adapters.pricing_file import load_pricing_data
from loanmatch.domain.rules import PASS
from loanmatch.matching.batch import recommend_values
from loanmatch.matching.recommend import recommend_one
from loanmatch.matching.results import RecommendPolicy
from loanmatch.risk.pd_model import train_pd_model
from loanmatch.services.train import fit_table
from loanmatch.simulator import simulate_market
from loanmatch.simulator.performance import loan_book
from loanmatch.simulator.pricing_defaults import default_pricing


def timed(run: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-rows", type=int, default=100_000)
    parser.add_argument("--applicants", type=int, default=10_000)
    parser.add_argument(
        "--priced-applicants",
        type=int,
        default=2_000,
        help="applicants for the priced path (PD model, screened pricing, Decimal quotes)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures: dict[str, Any] = {"cpus": os.cpu_count()}

    started = time.perf_counter()
    simulated = simulate_market(args.seed, history_rows=args.history_rows, n_applicants=1000)
    seconds = time.perf_counter() - started
    history = simulated.history
    figures["simulate_rows"] = len(history.ids)
    figures["simulate_seconds"] = seconds
    figures["simulate_rows_per_s"] = len(history.ids) / seconds

    market = simulated.market
    started = time.perf_counter()
    bundle = fit_table(market, history, seed=0, formulas=catalog_formulas(market.catalog))
    figures["train_seconds"] = time.perf_counter() - started
    space, booster = bundle.space, bundle.model.booster_
    threads = bundle.model.num_threads
    history_pairs = space.pairs(
        space.applicant_matrix(history.values),
        np.arange(len(history.ids)),
        np.array([market.index_of(p) for p in history.product_ids]),
    )
    figures["train_raw_predict_history_s"] = timed(
        lambda: booster.predict(history_pairs, num_threads=threads), 2
    )
    figures["train_vs_raw_predict"] = (
        figures["train_seconds"] / figures["train_raw_predict_history_s"]
    )

    population = simulated.sample(args.applicants, args.seed + 99)
    values = population.values
    n, m = len(population.ids), len(market.products)
    policy = RecommendPolicy()
    rows, cols = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    all_pairs = space.pairs(space.applicant_matrix(values), rows, cols)
    raw_all = timed(lambda: booster.predict(all_pairs, num_threads=threads), 3)
    batch = recommend_values(bundle, population.ids, values, policy)
    passing = batch.status == PASS
    pass_pairs = all_pairs[passing.ravel()]
    raw_pass = timed(lambda: booster.predict(pass_pairs, num_threads=threads), 3)
    ours = timed(lambda: recommend_values(bundle, population.ids, values, policy), 3)
    figures.update(
        recommend_applicants=n,
        recommend_products=m,
        recommend_pairs=n * m,
        recommend_pairs_passing=int(passing.sum()),
        recommend_seconds=ours,
        recommend_pairs_per_s=n * m / ours,
        raw_predict_all_pairs_s=raw_all,
        raw_predict_passing_pairs_s=raw_pass,
        recommend_vs_raw_all=ours / raw_all,
        recommend_vs_raw_passing=ours / raw_pass,
        covered=float(batch.covered.mean()),
    )

    book = loan_book(simulated)
    priced_bundle = replace(
        bundle,
        pd_model=train_pd_model(market.catalog, book.values, book.default, book.kinds, seed=0),
        pricing=load_pricing_data(default_pricing(list(simulated.products)), market),
    )
    k = min(args.priced_applicants, n)
    few = {name: column[:k] for name, column in values.items()}
    unpriced_few = timed(lambda: recommend_values(bundle, population.ids[:k], few, policy), 3)
    priced_few = timed(lambda: recommend_values(priced_bundle, population.ids[:k], few, policy), 3)
    figures.update(
        priced_applicants=k,
        priced_seconds=priced_few,
        unpriced_same_applicants_seconds=unpriced_few,
        priced_vs_unpriced=priced_few / unpriced_few,
    )

    one = {k: v[:1] for k, v in values.items()}
    one_pairs = space.pairs(space.applicant_matrix(one), np.zeros(m, dtype=np.intp), np.arange(m))
    raw_one = statistics.median(
        timed(lambda: booster.predict(one_pairs, num_threads=threads)) for _ in range(50)
    )
    record = {
        f.name: f.decode(float(values[f.name][0])) for f in market.catalog.features if not f.derived
    }
    latencies = sorted(timed(lambda: recommend_one(bundle, record, policy)) for _ in range(200))
    figures.update(
        one_p50_ms=1000 * latencies[len(latencies) // 2],
        one_p99_ms=1000 * latencies[int(len(latencies) * 0.99) - 1],
        one_raw_predict_ms=1000 * raw_one,
        one_p50_vs_raw=latencies[len(latencies) // 2] / raw_one,
    )
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"cpus                       {figures['cpus']}")
    print(
        f"simulate                   {figures['simulate_rows']:,} history rows in "
        f"{figures['simulate_seconds']:.2f} s = {figures['simulate_rows_per_s']:,.0f} rows/s"
    )
    print(
        f"train                      {figures['train_seconds']:.2f} s; raw predict of the same "
        f"{figures['simulate_rows']:,} rows {figures['train_raw_predict_history_s']:.3f} s "
        f"(ratio {figures['train_vs_raw_predict']:.1f}x)"
    )
    print(
        f"recommend {n:,} x {m} products {ours:.3f} s = {n * m / ours:,.0f} pairs/s; "
        f"raw predict all {n * m:,} pairs {raw_all:.3f} s (ratio {ours / raw_all:.2f}x); "
        f"raw predict the {int(passing.sum()):,} rule-passing pairs scored {raw_pass:.3f} s "
        f"(ratio {ours / raw_pass:.2f}x)"
    )
    print(
        f"recommend priced           {k:,} applicants {priced_few:.2f} s with PD model, float "
        f"screen and exact-decimal quotes of the offers; unpriced {unpriced_few:.2f} s "
        f"(ratio {figures['priced_vs_unpriced']:.1f}x)"
    )
    print(
        f"recommend one applicant    p50 {figures['one_p50_ms']:.1f} ms, p99 "
        f"{figures['one_p99_ms']:.1f} ms; raw predict of its {m} pairs "
        f"{figures['one_raw_predict_ms']:.2f} ms (p50 ratio {figures['one_p50_vs_raw']:.1f}x)"
    )


if __name__ == "__main__":
    main()
