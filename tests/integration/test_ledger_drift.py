"""The ledger's drift alarm on the simulated market: a lender that tightens its policy mid-run
is noticed within a bounded number of decisions, and an unchanged lender raises no alarm over
a long run (seeded; docs/ledger.md, "The drift alarm").

The predictions are the simulator's perfect-model probabilities (``LenderBehaviour.probability``:
P(approve | every visible fact)), so an unchanged lender's decisions follow them exactly and the
test measures the rule, not a trained model's calibration. The tightened lender is the hidden
behaviour with every cutoff of its products raised by ``TIGHTEN`` (score units); the lender
agents' ``verdict()`` over that behaviour decides as the test's vectorised decisions do.
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.ledger import DriftRule, LearningRecord, build_ledger, cusum
from loanmatch.services.agent_runner import AgentWorld, load_world
from loanmatch.services.lender_agents import Verifier, verdict
from loanmatch.services.simulate import simulate
from loanmatch.simulator.lender_behaviour import LenderBehaviour

SEED = 11
APPLICANTS = 8_000
THRESHOLD = 0.8
TIGHTEN = 0.5
"""Cutoff raise of the tightened lender: its approval among recommended falls from about 97%
to about 81% (measured below)."""
BEFORE = 1_000
"""Decisions under the old policy before the change."""
LENDER = "icbc"
RULE = DriftRule()
MAX_DELAY = 250
"""The bound the test holds the detection delay to (decisions after the change)."""
START = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> AgentWorld:
    market = tmp_path_factory.mktemp("drift-market") / "market"
    simulate(SEED, market, n_applicants=APPLICANTS, history_rows=2_000)
    return load_world(market)


def _tightened(behaviour: LenderBehaviour, lender: str) -> LenderBehaviour:
    raise_ = np.asarray([TIGHTEN if p.lender == lender else 0.0 for p in behaviour.market.products])
    return replace(behaviour, cutoff=behaviour.cutoff + raise_)


def _recommended(
    world: AgentWorld, lender: str
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Each applicant's best product of ``lender`` where its P reaches the threshold: rows,
    products and P (one application per owner and lender)."""
    truth = world.verifier.truth
    p = truth.behaviour.probability(truth.applicants)
    cols = np.asarray([j for j, q in enumerate(world.market.products) if q.lender == lender])
    best = cols[np.argmax(p[:, cols], axis=1)]
    rows = np.flatnonzero(p[np.arange(len(p)), best] >= THRESHOLD)
    return rows, best[rows], p[rows, best[rows]]


def _records(
    lender: str, p: npt.NDArray[np.float64], approved: npt.NDArray[np.bool_]
) -> list[LearningRecord]:
    return [
        LearningRecord(f"a{k}", lender, "x", bool(y), float(q), "sim", THRESHOLD, 1.0,
                       START + timedelta(minutes=k), "lender:sim")
        for k, (q, y) in enumerate(zip(p, approved, strict=True))
    ]  # fmt: skip


def test_the_tightened_lenders_verdicts_are_the_tightened_hidden_policy(world: AgentWorld) -> None:
    truth = world.verifier.truth
    tight = _tightened(truth.behaviour, LENDER)
    verifier = Verifier(replace(truth, behaviour=tight))
    decided = tight.decide(truth.applicants)
    rows, products, _ = _recommended(world, LENDER)
    own = truth.applicants.complete
    for row, j in list(zip(rows, products, strict=True))[:20]:
        facts = {"loan_amount": float(own["loan_amount"][row]),
                 "loan_term_months": float(own["loan_term_months"][row])}  # fmt: skip
        code = simulated_credit_code(str(truth.applicants.ids[row]))
        said = verdict(verifier, world.pricing, world.market.products[j], code, facts)
        assert said.judgement is not None
        assert said.judgement.approve == bool(decided[row, j])


def test_a_lender_that_tightens_its_policy_is_noticed_within_a_bounded_number_of_decisions(
    world: AgentWorld,
) -> None:
    truth = world.verifier.truth
    old = truth.behaviour.decide(truth.applicants)
    new = _tightened(truth.behaviour, LENDER).decide(truth.applicants)
    rows, products, p = _recommended(world, LENDER)
    delays, before_rate, after_rate = [], [], []
    for run in range(20):
        order = np.random.default_rng(run).permutation(len(rows))
        r, j, q = rows[order], products[order], p[order]
        approved = np.where(np.arange(len(r)) < BEFORE, old[r, j], new[r, j])
        before_rate.append(float(approved[:BEFORE].mean()))
        after_rate.append(float(approved[BEFORE:].mean()))
        alarm = cusum(_records(LENDER, q, approved), RULE, LENDER)
        assert alarm.alarm_after is not None, f"run {run}: the tightening was never noticed"
        assert alarm.alarm_after > BEFORE, f"run {run}: an alarm before the change"
        delays.append(alarm.alarm_after - BEFORE)
    print(f"approval among recommended {statistics.mean(before_rate):.3f} -> "
          f"{statistics.mean(after_rate):.3f}; delay median {statistics.median(delays)}, "
          f"max {max(delays)}, min {min(delays)} decisions")  # fmt: skip
    assert statistics.mean(before_rate) > 0.95
    assert statistics.mean(after_rate) < 0.85
    assert max(delays) <= MAX_DELAY
    assert 40 <= statistics.median(delays) <= 160


def test_an_unchanged_lender_raises_no_alarm_over_a_long_run(world: AgentWorld) -> None:
    truth = world.verifier.truth
    decided = truth.behaviour.decide(truth.applicants)
    lenders = sorted(set(world.market.lenders))
    longest = 0
    for run in range(3):
        for lender in lenders:
            rows, products, p = _recommended(world, lender)
            order = np.random.default_rng(100 + run).permutation(len(rows))
            approved = decided[rows[order], products[order]]
            records = _records(lender, p[order], approved)
            alarm = build_ledger(records, START, START + timedelta(days=365), RULE).alarms[0]
            assert not alarm.ringing, (run, lender, alarm)
            longest = max(longest, len(records))
    assert longest >= 3_000, "a long run: thousands of one lender's decisions"
