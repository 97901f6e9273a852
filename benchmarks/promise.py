"""The promise on every market we have: approval among recommended, coverage against the oracle at
the same approval, the worst lender and the certificate, for each market, seed and target.

    .venv/bin/python benchmarks/promise.py                      # every market, seeds 7 11 13
    .venv/bin/python benchmarks/promise.py --markets steady drift --seeds 7 --targets 0.95

``default`` is the built-in simulator (``loanmatch evaluate``); the others are the test bed's
markets (``loanmatch evaluate --market NAME``), run through the files path (train, then
recommend). One training per market and seed serves every target. Prints one markdown row per
run and writes them all as JSON (``--out``, default ``artifacts/promise.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from loanmatch.adapters.atomic import atomic_write_text
from loanmatch.matching.results import RecommendPolicy
from loanmatch.services.evaluation import evaluate, evaluate_policies
from loanmatch.testbed import MARKETS, generate

COLUMNS = (
    ("market", "market"),
    ("seed", "seed"),
    ("target", "target"),
    ("certified", "certified"),
    ("threshold", "threshold"),
    ("approval", "approval among recommended"),
    ("coverage", "coverage"),
    ("oracle_coverage", "oracle at target"),
    ("coverage_vs_oracle", "coverage / oracle"),
    ("model_ceiling", "model ceiling / oracle"),
    ("worst_lender_approval", "worst lender (>=100)"),
    ("worst_lender_pairs", "its pairs"),
    ("ece_true", "ECE vs truth"),
    ("highest_certifiable", "highest certifiable"),
    ("seconds", "s"),
)


def _row(market: str, seed: int, target: float, measures: dict[str, Any], **extra: Any) -> dict:
    row = {"market": market, "seed": seed, "target": target}
    row.update({k: measures.get(k) for k, _ in COLUMNS if k in measures})
    row.update(extra)
    return row


def run_default(seed: int, targets: list[float]) -> list[dict[str, Any]]:
    rows = []
    for target in targets:
        report = evaluate(seed, target_approval=target)
        rows.append(
            _row(
                "default",
                seed,
                target,
                report.promise,
                certified=report.threshold is not None,
                threshold=report.threshold,
                highest_certifiable=None,
                realised_approval=report.approval_among_recommended,
                seconds=report.seconds,
            )
        )
    return rows


def run_case(name: str, seed: int, targets: list[float], scale: float) -> list[dict[str, Any]]:
    case = generate(name, seed, scale)
    policies = [RecommendPolicy(target_approval=t) for t in targets]
    rows = []
    for target, report in zip(targets, evaluate_policies(case, policies), strict=True):
        rows.append(
            _row(
                name,
                seed,
                target,
                report.measures,
                certified=report.certified,
                threshold=report.threshold,
                highest_certifiable=report.highest_certifiable,
                lenders_raised=report.lenders_raised,
                lenders_excluded=report.lenders_excluded,
                seconds=report.seconds,
            )
        )
    return rows


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markets", nargs="+", default=["default", *MARKETS])
    parser.add_argument("--seeds", nargs="+", type=int, default=[7, 11, 13])
    parser.add_argument("--targets", nargs="+", type=float, default=[0.95, 0.9])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("artifacts/promise.json"))
    args = parser.parse_args(argv)
    unknown = [m for m in args.markets if m != "default" and m not in MARKETS]
    if unknown:
        parser.error(f"unknown market(s) {unknown}; known: default, {', '.join(MARKETS)}")
    print("| " + " | ".join(label for _, label in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for market in args.markets:
        for seed in args.seeds:
            if market == "default":
                new = run_default(seed, args.targets)
            else:
                new = run_case(market, seed, args.targets, args.scale)
            for row in new:
                print("| " + " | ".join(_cell(row.get(k)) for k, _ in COLUMNS) + " |", flush=True)
            rows.extend(new)
            atomic_write_text(args.out, json.dumps(rows, indent=2, allow_nan=False, default=str))
    print(f"{len(rows)} runs in {time.perf_counter() - started:.0f} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
