"""The simulated lender's decision on one application is its hidden true policy's, with terms
inside the product's (services/lender_agents.py over simulator/hidden.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.applications import DECLINE_REASONS, REPAYMENT_METHODS
from loanmatch.services.agent_runner import AgentWorld, load_world
from loanmatch.services.lender_agents import REASON_OF_FACTOR, reason_of, verdict
from loanmatch.simulator.lender_behaviour import FACTORS

ROWS = 24
STEP = 4
"""Every STEP-th product: one verdict takes about 15 ms (the rules of all products run)."""


@pytest.fixture(scope="module")
def world(hidden_market: Path) -> AgentWorld:
    return load_world(hidden_market)


def _asks(world: AgentWorld, row: int) -> dict[str, float]:
    own = world.verifier.truth.applicants.complete
    return {"loan_amount": float(own["loan_amount"][row]),
            "loan_term_months": float(own["loan_term_months"][row])}  # fmt: skip


def test_the_agent_approves_exactly_what_the_hidden_policy_approves(world: AgentWorld) -> None:
    truth = world.verifier.truth
    people = truth.applicants.take(np.arange(ROWS))
    decided = truth.behaviour.decide(people)
    probability = truth.behaviour.probability(people)
    products = world.market.products
    agree = 0
    for row in range(ROWS):
        code = simulated_credit_code(str(people.ids[row]))
        for j in range(0, len(products), STEP):
            said = verdict(world.verifier, world.pricing, products[j], code, _asks(world, row))
            assert said.judgement is not None
            assert said.judgement.approve == bool(decided[row, j]), (row, products[j].id)
            if said.action == "approve":
                assert said.judgement.approve
            elif said.judgement.approve:  # approved by the policy, asked below the minimum
                assert said.decision.reasons == ("policy",)
            assert said.judgement.probability == pytest.approx(probability[row, j])
            agree += 1
    assert agree == ROWS * len(range(0, len(products), STEP))
    assert decided[:, ::STEP].any(), "some applications are approved"


def test_an_approval_stays_inside_the_products_terms(world: AgentWorld) -> None:
    approvals = 0
    for row in range(ROWS):
        code = simulated_credit_code(str(world.verifier.truth.applicants.ids[row]))
        asks = _asks(world, row)
        for product in world.market.products[1::STEP]:
            said = verdict(world.verifier, world.pricing, product, code, asks)
            if said.action != "approve":
                continue
            approvals += 1
            d = said.decision
            assert d.amount_yuan is not None
            assert d.annual_rate is not None
            assert d.amount_yuan <= asks["loan_amount"]
            assert product.amount_max is None or d.amount_yuan <= product.amount_max
            assert product.amount_min is None or d.amount_yuan >= product.amount_min
            low, high = (product.rate_min or 0.0) / 100, (product.rate_max or 36.0) / 100
            assert low - 1e-9 <= d.annual_rate <= high + 1e-9, product.id
            assert not product.term_months or d.term_months in product.term_months
            assert d.repayment_method in REPAYMENT_METHODS
            assert not product.repayment or d.repayment_method in product.repayment
    assert approvals >= 10, f"only {approvals} approvals to check"


def test_a_decline_names_standard_reasons_only(world: AgentWorld) -> None:
    seen: set[str] = set()
    for row in range(ROWS):
        code = simulated_credit_code(str(world.verifier.truth.applicants.ids[row]))
        for product in world.market.products[2::STEP]:
            said = verdict(world.verifier, world.pricing, product, code, _asks(world, row))
            if said.action == "decline":
                assert said.decision.reasons
                assert set(said.decision.reasons) <= set(DECLINE_REASONS)
                seen.update(said.decision.reasons)
    assert len(seen) >= 3, seen
    assert set(REASON_OF_FACTOR) >= set(FACTORS)
    assert reason_of("gate:bureau") == "credit_history"
    assert reason_of("gate:lenders") == "debt_burden"
    assert reason_of("rule:annual_revenue") == "revenue"


def test_an_enterprise_the_simulator_does_not_know_is_declined_as_unverifiable(
    world: AgentWorld,
) -> None:
    said = verdict(world.verifier, world.pricing, world.market.products[0],
                   "91330106000000019W", {"loan_amount": 300_000.0})  # fmt: skip
    assert said.action == "decline"
    assert said.decision.reasons == ("documents",)
    assert said.judgement is None


def test_the_decision_is_on_the_amount_asked_not_the_applicants_own(world: AgentWorld) -> None:
    truth = world.verifier.truth
    approved = np.argwhere(truth.behaviour.decide(truth.applicants.take(np.arange(ROWS))))
    assert len(approved) > 0
    for row, j in approved[:10]:
        code = simulated_credit_code(str(truth.applicants.ids[row]))
        product = world.market.products[j]
        own = verdict(world.verifier, world.pricing, product, code, _asks(world, row))
        huge = verdict(world.verifier, world.pricing, product, code,
                       {**_asks(world, row), "loan_amount": 9e7})  # fmt: skip
        assert own.judgement is not None
        assert own.judgement.approve
        assert huge.action == "decline", "nobody lends 9千万 to a small firm"
