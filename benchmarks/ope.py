"""The off-policy estimate against the simulated truth: for each market seed, each fresh log and
each candidate policy, the SNIPS and doubly robust estimates of approval among recommended with
their intervals, the truth, and whether the interval holds it; then the coverage over runs.

    .venv/bin/python benchmarks/ope.py                          # default market, seed 7, 20 logs
    .venv/bin/python benchmarks/ope.py --seeds 7 11 --logs 10 --market steady

``default`` is the built-in simulator (logs from its naive policy with exact propensities);
a test-bed market is logged by the exploring policy of
``services/evaluation/off_policy_check.py``. Writes the rows as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from loanmatch.adapters.atomic import atomic_write_text
from loanmatch.services.evaluation.off_policy_check import (
    OffPolicyCheck,
    check_case,
    check_default_market,
)
from loanmatch.testbed import MARKETS, generate


def _row(check: OffPolicyCheck) -> str:
    if check.refused is not None:
        return f"| {check.market_seed} | {check.log_seed} | {check.policy} | {check.refused} |"
    return (
        f"| {check.market_seed} | {check.log_seed} | {check.policy} | {check.truth:.4f} "
        f"| {check.snips.estimate:.4f} [{check.snips.low:.4f}, {check.snips.high:.4f}] "
        f"| {check.dr.estimate:.4f} [{check.dr.low:.4f}, {check.dr.high:.4f}] "
        f"| {'yes' if check.dr_holds else 'NO'} | {check.coverage:.3f} | {check.matched_rows} "
        f"| {check.weight_check:.3f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", default="default", choices=["default", *MARKETS])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--logs", type=int, default=20, help="fresh logs per seed (seeds 0..N-1)")
    parser.add_argument("--log-rows", type=int, default=30_000)
    parser.add_argument("--confidence", type=float, default=0.9)
    parser.add_argument("--scale", type=float, default=1.0, help="test-bed market size")
    parser.add_argument("--out", type=Path, default=Path("artifacts/ope.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    checks: list[OffPolicyCheck] = []
    print("| seed | log | policy | truth | SNIPS [interval] | DR [interval] | DR holds "
          "| coverage | logged rows recommended | weight check |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        logs = range(args.logs)
        if args.market == "default":
            found = check_default_market(
                seed, logs, log_rows=args.log_rows, confidence=args.confidence
            )
        else:
            case = generate(args.market, seed, args.scale)
            found = check_case(case, logs, confidence=args.confidence, seed=seed)
        for check in found:
            print(_row(check), flush=True)
        checks += found
    held: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for check in checks:
        counts = held[check.policy]
        counts[0] += check.dr_holds
        counts[1] += check.snips_holds
        counts[2] += check.refused is None
        counts[3] += 1
    print(f"\ninterval at {args.confidence:g}: truth inside it, of the runs estimated")
    for policy, (dr, snips, estimated, runs) in held.items():
        print(f"  {policy}: DR {dr}/{estimated}, SNIPS {snips}/{estimated} ({runs - estimated} "
              "refused)")  # fmt: skip
    dr_all = sum(c.dr_holds for c in checks)
    estimated_all = sum(c.refused is None for c in checks)
    print(f"  all: DR {dr_all}/{estimated_all}; {time.perf_counter() - started:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps([c.to_dict() for c in checks], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
