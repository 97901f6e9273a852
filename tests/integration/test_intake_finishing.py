"""A served session ends only when no question it could still ask would change the outcome: no
answer budget, and no product left undecided for a fact the owner could still give (the real
engine over the trained market, every source declined, owners answering truthfully)."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

from loanmatch.connectors import simulated_credit_code
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.state import IntakeState
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services import intake
from loanmatch.services.intake import IntakeContext, SessionView
from loanmatch.services.intake.setup import default_context
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from tests.conftest import TrainedMarket

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OWNERS = ("A000001", "A000004")
"""Two applicants of the trained market whose connector-free intake took the old engine to its
cap of 10 answers with products still waiting for their tax grade and tax paid."""


@pytest.fixture(scope="module")
def served(trained_market: TrainedMarket) -> tuple[IntakeContext, dict[str, dict[str, str]]]:
    bundle = load_model(trained_market.model_dir)
    ctx = default_context(bundle, trained_market.applicants, RecommendPolicy(), failures={})
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["applicant_id"]: row for row in csv.DictReader(handle)}
    return ctx, rows


def _interview(ctx: IntakeContext, row: dict[str, str]) -> tuple[SessionView, IntakeState, int]:
    """Every source declined; each question answered with the row's value (不知道 if blank)."""
    store = MemoryStore()
    view = intake.start_session(
        MemoryUnitOfWork(store), ctx, "zh", simulated_credit_code(row["applicant_id"]), "o"
    )
    view = intake.grant_consent(MemoryUnitOfWork(store), ctx, view.session_id, [])
    answers = 0
    while view.stage == "asking" and view.question is not None and answers < 60:
        value = row.get(view.question.feature) or "不知道"
        view = intake.answer(
            MemoryUnitOfWork(store), ctx, view.session_id, value, question=view.question.seq
        )
        answers += 1
    state = IntakeState.from_dict(store.sessions[view.session_id].state)
    return view, state, answers


def _waiting(engine: IntakeEngine, view: SessionView, state: IntakeState) -> list[str]:
    """Products the result leaves undecided although every fact they miss could be asked."""
    assert view.result is not None
    index = {p.id: j for j, p in enumerate(engine.bundle.market.products)}
    askable = {f.name for f in engine.open_features(state)}
    known = set(state.known())
    return [
        e.product.id
        for e in view.result.excluded
        if e.kind == "unknown"
        and (missing := engine.rule_inputs[index[e.product.id]] - known)
        and missing <= askable
    ]


@pytest.mark.parametrize("owner", OWNERS)
def test_a_session_is_not_cut_at_ten_answers_and_ends_with_no_product_waiting_for_an_askable_fact(
    served: tuple[IntakeContext, dict[str, dict[str, str]]], owner: str
) -> None:
    ctx, rows = served
    engine = ctx.engine
    assert isinstance(engine, IntakeEngine)
    view, state, answers = _interview(ctx, rows[owner])
    assert view.stage == "done"
    assert answers > 10, "the served intake has no cap of ten answers"
    assert _waiting(engine, view, state) == []
    assert engine.next_question(state) is None


def test_the_capped_engine_of_the_simulated_journeys_stops_at_ten_with_products_waiting(
    served: tuple[IntakeContext, dict[str, dict[str, str]]],
) -> None:
    ctx, rows = served
    served_engine = ctx.engine
    assert isinstance(served_engine, IntakeEngine)
    capped = IntakeEngine(served_engine.bundle, RecommendPolicy(), served_engine.prior)
    view, state, answers = _interview(replace(ctx, engine=capped), rows[OWNERS[1]])
    assert answers == 10
    assert _waiting(capped, view, state), "what the tester saw: it still needed facts it could ask"
