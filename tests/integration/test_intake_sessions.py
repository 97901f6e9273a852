"""Whole intake sessions with the real adaptive engine, simulated connectors and a real database
(a SQLite file, and PostgreSQL): from consent to offers, resumed after a restart."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from loanmatch.connectors import simulated_credit_code
from loanmatch.connectors.simulated import connectors_for
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.prior import Prior
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services import intake
from loanmatch.services.intake import IntakeContext
from loanmatch.simulator.population import Population, generate_population
from loanmatch.storage.database import Database
from tests.conftest import TrainedMarket

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def world(trained_market: TrainedMarket) -> tuple[IntakeContext, Population]:
    bundle = load_model(trained_market.model_dir)
    catalog = bundle.market.catalog
    population = generate_population(catalog, 40, np.random.default_rng(11), prefix="S")
    prior = Prior(catalog, population.values)
    engine = IntakeEngine(bundle, RecommendPolicy(), prior)
    return IntakeContext(
        engine=engine,
        connectors=connectors_for(catalog, population, {}),
        timeout_s=60.0,
    ), population


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'loanmatch.db'}"
    else:
        yield request.getfixturevalue("postgres_server")


def _true_answer(population: Population, row: int, feature: str, ctx: IntakeContext) -> object:
    code = float(population.values[feature][row])
    if math.isnan(code):
        return "不知道"
    return ctx.catalog[feature].decode(code)


def test_a_session_runs_from_consent_to_offers_and_survives_a_restart(
    world: tuple[IntakeContext, Population], database_url: str
) -> None:
    ctx, population = world
    row = 3
    database = Database(database_url)
    database.upgrade()
    start = intake.start_session(
        database.unit_of_work(), ctx, "zh", simulated_credit_code(str(population.ids[row])), "O"
    )
    session = start.session_id
    view = intake.grant_consent(
        database.unit_of_work(), ctx, session, ["registry", "tax", "bureau", "bank"]
    )
    assert set(view.sources.values()) == {"ok"}
    prefilled = {k.feature for k in view.known if k.provenance == "connector"}
    assert {"tax_grade", "enterprise_age_years", "owner_bureau_score"} <= prefilled
    asked: list[str] = []
    while view.stage == "asking":
        assert view.question is not None
        feature = view.question.feature
        assert feature not in prefilled, "never ask what a connector already knows"
        asked.append(feature)
        if len(asked) == 3:
            database.dispose()  # the server restarts mid-application: the session is resumed
            database = Database(database_url)
            assert intake.view(database.unit_of_work(), ctx, session) == view
        answer = _true_answer(population, row, feature, ctx)
        view = intake.answer(
            database.unit_of_work(), ctx, session, answer, question=view.question.seq
        )
        assert len(asked) <= 12
    assert view.stage == "done"
    assert view.result is not None
    with database.unit_of_work() as uow:
        kinds = [e.kind for e in uow.events.events(session)]
        actions = [a.action for a in uow.audit.entries(session)]
    assert kinds[:2] == ["started", "consent"]
    assert kinds.count("prefill_ok") == 4
    assert kinds.count("question_asked") == len(asked)
    assert kinds[-1] == "recommended"
    assert actions.count("consent_granted") == 4
    assert actions.count("answered") == len(asked)
    database.dispose()
