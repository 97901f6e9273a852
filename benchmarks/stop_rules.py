"""The intake's stop rule against alternatives, on the same simulated owners (not a test).

Runs ``--n`` fresh owners of the default market through the intake (simulated connectors, the
journey's truthful owner) once per rule and prints, per rule, questions typed (median, p90, the
distribution), approval among recommended (truth), coverage, the share of owners whose final
offers equal those full information gives, and the share whose top offer is in that list
(docs/intake.md section 9)::

    .venv/bin/python benchmarks/stop_rules.py --seed 7 --n 300 --rules today any-needed

Rules: ``today`` (the engine as shipped); ``any-needed`` also stops once no open question is
needed with probability epsilon or more; ``any-needed-top`` does so only while the top offer
alone is stable; ``top`` compares only the top offer. About 8 minutes per rule for 300 owners.
"""

from __future__ import annotations

import argparse
import collections

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.connectors.simulated import connectors_for
from loanmatch.intake.engine import IntakeEngine, Question
from loanmatch.intake.prior import Prior
from loanmatch.intake.state import IntakeState
from loanmatch.journey.owners import run_owner
from loanmatch.matching.batch import recommend_values
from loanmatch.matching.results import RecommendPolicy
from loanmatch.services.evaluation.simulated import FRESH_SEED_OFFSET
from loanmatch.services.train import fit_table
from loanmatch.simulator import simulate_market

RULES = ("today", "any-needed", "any-needed-top", "top")
Rank = npt.NDArray[np.int64]


def _top_only(a: Rank, b: Rank) -> npt.NDArray[np.bool_]:
    return np.asarray(((a == 1) != (b == 1)).any(axis=1))


def _with_rule(engine: IntakeEngine, rule: str) -> None:
    """Change ``engine`` in place to stop by ``rule``."""
    if rule == "top":
        engine._differ = _top_only  # type: ignore[method-assign]
        return
    if rule == "today":
        return
    shipped = engine.next_question
    differ = engine._differ

    def next_question(state: IntakeState) -> Question | None:
        question = shipped(state)
        if question is None or question.p_needed >= engine.epsilon:
            return question
        if rule == "any-needed-top":
            engine._differ = _top_only  # type: ignore[method-assign]
            try:
                top = engine.assess(state)
            finally:
                engine._differ = differ  # type: ignore[method-assign]
            return None if top.offered_today and 1 - top.p_stable <= engine.epsilon else question
        return None if engine.assess(state).offered_today else question

    engine.next_question = next_question  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rules", nargs="+", choices=RULES, default=["today"])
    args = parser.parse_args()
    seed, n = args.seed, args.n
    simulated = simulate_market(seed, history_rows=100_000, n_applicants=100)
    market = simulated.market
    bundle = fit_table(
        market, simulated.history, seed=seed, formulas=catalog_formulas(market.catalog)
    )
    # The first n of the journey's 1,000 fresh owners (loanmatch journey --n 1000).
    people = simulated.sample(max(n, 1_000), seed + FRESH_SEED_OFFSET)
    prior = Prior.from_table(market.catalog, simulated.history, seed=seed)
    truth = np.asarray(simulated.oracle(people), dtype=bool)
    complete = bundle.complete({k: v.copy() for k, v in people.values.items()})
    policy = RecommendPolicy(target_approval=0.95)

    def make() -> IntakeEngine:
        return IntakeEngine(bundle, policy, prior, seed=seed)

    full = (recommend_values(bundle, people.ids, complete, make().policy_fixed).rank > 0)[:n]
    for rule in args.rules:
        engine = make()
        _with_rule(engine, rule)
        connectors = connectors_for(market.catalog, people, seed=seed)
        rng = np.random.default_rng([seed, 11])
        offered = np.zeros_like(full)
        typed, top_in_full = [], []
        for i in range(n):
            run = run_owner(engine, people, i, connectors, rng)
            typed.append(run.state.questions_typed)
            for offer in run.result.offers:
                offered[i, market.index_of(offer.product.id)] = True
            first = run.result.offers[0].product.id if run.result.offers else None
            top_in_full.append(
                bool(full[i, market.index_of(first)]) if first else not full[i].any()
            )
        counts = np.array(typed)
        print(
            f"{rule}: median {np.median(counts):g} p90 {np.percentile(counts, 90):g} "
            f"approval {truth[:n][offered].mean():.3f} coverage {offered.any(axis=1).mean():.3f} "
            f"(full information {full.any(axis=1).mean():.3f}) "
            f"same offers {(offered == full).all(axis=1).mean():.3f} "
            f"top offer in the full list {np.mean(top_in_full):.3f}\n"
            f"  questions typed: {dict(sorted(collections.Counter(typed).items()))}",
            flush=True,
        )


if __name__ == "__main__":
    main()
