"""The adaptive intake on a trained simulated market: it asks only what can change the offers,
never what is known, takes answers in any order, and stops with a recommendation."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pytest

from loanmatch.adapters.tables import read_table
from loanmatch.connectors import connectors_for
from loanmatch.connectors.simulated import CONNECTOR_SOURCES
from loanmatch.domain.rules import PASS
from loanmatch.errors import AnswerError, ContradictionError, NotAskableError
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.prior import Prior
from loanmatch.intake.state import IntakeState
from loanmatch.journey.owners import prefill, run_owner
from loanmatch.matching.batch import score_pairs
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.simulator.population import Population, generate_population
from tests.conftest import TrainedMarket


@pytest.fixture(scope="module")
def bundle(trained_market: TrainedMarket) -> ModelBundle:
    return load_model(trained_market.model_dir)


@pytest.fixture(scope="module")
def engine(trained_market: TrainedMarket, bundle: ModelBundle) -> IntakeEngine:
    history = read_table(trained_market.history, bundle.market.catalog, kind="history")
    prior = Prior.from_table(bundle.market.catalog, history)
    return IntakeEngine(bundle, RecommendPolicy(target_approval=0.95), prior, seed=1)


@pytest.fixture(scope="module")
def people(bundle: ModelBundle) -> Population:
    return generate_population(bundle.market.catalog, 12, np.random.default_rng(5), "T")


def connected(engine: IntakeEngine, people: Population, row: int) -> IntakeState:
    state = IntakeState(enterprise_id=str(people.ids[row]), owner_id="o")
    connectors = connectors_for(engine.catalog, people, failures={})
    prefill(state, connectors, datetime.now(UTC))
    return state


def test_the_first_question_is_about_the_request_when_connectors_gave_the_rest(
    engine: IntakeEngine, people: Population
) -> None:
    question = engine.next_question(connected(engine, people, 0))
    assert question is not None
    assert question.feature.source == "ask"
    assert question.text.zh
    assert question.why.en


def test_a_feature_a_connector_knows_is_never_asked(
    engine: IntakeEngine, people: Population
) -> None:
    rng = np.random.default_rng(0)
    connectors = connectors_for(engine.catalog, people, failures={})
    for row in range(6):
        run = run_owner(engine, people, row, connectors, rng, dont_know_rate=0.0)
        from_connectors = {k for k, f in run.state.facts.items() if f.provenance == "connector"}
        assert not from_connectors & set(run.questions)
        assert len(set(run.questions)) == len(run.questions)


def test_a_failed_source_makes_its_features_askable_and_says_why(
    engine: IntakeEngine, people: Population
) -> None:
    state = IntakeState(enterprise_id=str(people.ids[1]))
    for source in ("registry", "tax", "bureau", "bank"):
        state.source_failed(source, "timeout")
    assert {f.source for f in engine.open_features(state)} >= {"registry", "bureau"}
    question = engine.next_question(state)
    assert question is not None
    if question.feature.source != "ask":
        assert "could not be reached" in question.why.en


def test_answers_in_any_order_and_dont_know_is_not_asked_again(
    engine: IntakeEngine, people: Population
) -> None:
    state = connected(engine, people, 2)
    engine.answer(state, "days_until_needed", "30天")
    engine.answer(state, "loan_amount", "二十万")
    engine.answer(state, "social_security_months", "不知道")
    assert state.known()["loan_amount"] == 200_000.0
    open_names = {f.name for f in engine.open_features(state)}
    assert not open_names & {"days_until_needed", "loan_amount", "social_security_months"}
    engine.answer(state, "loan_amount", "30万")
    assert state.facts["loan_amount"].provenance == "corrected"


def test_a_bad_answer_is_refused_and_leaves_the_state_untouched(
    engine: IntakeEngine, people: Population
) -> None:
    state = connected(engine, people, 3)
    before = state.to_dict()
    with pytest.raises(AnswerError):
        engine.answer(state, "loan_term_months", "forever")
    with pytest.raises(NotAskableError):
        engine.answer(state, "debt_to_revenue", "0.2")
    with pytest.raises(NotAskableError):
        engine.answer(state, "favourite_colour", "blue")
    assert state.to_dict() == before


def test_the_intake_stops_with_a_result_within_the_budget(
    engine: IntakeEngine, people: Population
) -> None:
    rng = np.random.default_rng(1)
    connectors = connectors_for(engine.catalog, people, failures={})
    for row in range(4):
        run = run_owner(engine, people, row, connectors, rng)
        assert engine.budget is not None  # the journeys' engine keeps its cap of typed answers
        assert run.state.questions_typed <= engine.budget
        assert engine.next_question(run.state) is None
        assert all(o.p_approve >= run.result.threshold for o in run.result.offers)


def test_choosing_a_question_takes_well_under_a_second(
    engine: IntakeEngine, people: Population
) -> None:
    state = connected(engine, people, 4)
    engine.next_question(state)
    started = time.perf_counter()
    for _ in range(3):
        engine.next_question(state)
    assert (time.perf_counter() - started) / 3 < 1.0


def test_with_connectors_off_the_intake_completes_one_products_rules_before_anything_else(
    engine: IntakeEngine, people: Population
) -> None:
    rng = np.random.default_rng(3)
    for row in range(3):
        run = run_owner(engine, people, row, None, rng)
        assert engine.budget is not None
        assert run.state.questions_typed <= engine.budget
        if not run.result.offers:
            continue
        known = set(run.state.known())
        for offer in run.result.offers:
            j = engine.bundle.market.index_of(offer.product.id)
            assert engine.rule_inputs[j] <= known


def test_the_plausible_score_is_exact_when_everything_is_known_and_never_passes_unknown_rules(
    engine: IntakeEngine, bundle: ModelBundle, people: Population
) -> None:
    values = bundle.complete({k: v[:3].copy() for k, v in people.values.items()})
    exact = score_pairs(bundle, values)[1]
    assert np.allclose(engine.plausible(bundle, values, None)[1], exact, equal_nan=True)
    values["current_overdue"][:] = np.nan
    eligibility, p = engine.plausible(bundle, values, None)
    unknown = eligibility.status != PASS
    assert np.isnan(p[unknown]).all()
    assert ((p[~unknown] >= 0) & (p[~unknown] <= 1)).all()


def test_the_plausible_score_of_an_unknown_fact_lies_within_what_its_completions_give(
    engine: IntakeEngine, bundle: ModelBundle, people: Population
) -> None:
    values = bundle.complete({k: v[:1].copy() for k, v in people.values.items()})
    values["annual_revenue"][:] = np.nan
    eligibility, p = engine.plausible(bundle, values, None)
    passing = np.flatnonzero(eligibility.status[0] == PASS)
    if passing.size == 0:
        pytest.skip("this applicant passes no product's rules")
    lowest = engine.plausible.quantile
    engine.plausible.quantile = 0.0
    try:
        floor = engine.plausible(bundle, values, None)[1]
    finally:
        engine.plausible.quantile = lowest
    assert (p[0, passing] >= floor[0, passing] - 1e-12).all()


def test_an_answer_that_contradicts_a_known_fact_is_refused_and_either_fact_can_be_corrected(
    engine: IntakeEngine,
) -> None:
    state = IntakeState(enterprise_id="E", owner_id="o")
    engine.answer(state, "owns_property", "没有")
    before = state.to_dict()
    with pytest.raises(ContradictionError) as raised:
        engine.answer(state, "property_value", "200万")
    assert state.to_dict() == before
    body = raised.value.to_dict()
    assert (body["reason"], body["check"], body["contradicts"]) == (
        "contradiction", "property_value_without_property", ["owns_property"],
    )  # fmt: skip
    assert "房产" in str(body["message_zh"])
    assert "否" in str(body["message_zh"])
    engine.answer(state, "owns_property", "有")
    assert engine.answer(state, "property_value", "200万").value == 2_000_000.0
    with pytest.raises(ContradictionError):
        engine.answer(state, "owns_property", "没有")


def test_with_connectors_off_a_question_says_which_product_needs_it(engine: IntakeEngine) -> None:
    state = IntakeState(enterprise_id="E", owner_id="o")
    for source in CONNECTOR_SOURCES:
        state.source_failed(source, "off")
    question = engine.next_question(state)
    assert question is not None
    products = engine.bundle.market.products
    assert any(p.display("zh") in question.why.zh for p in products)
    assert any(p.display("en") in question.why.en for p in products)
