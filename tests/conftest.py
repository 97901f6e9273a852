"""Shared fixtures: ONE small simulated market and a model trained on it, built once per session.

Integration and end-to-end tests use them instead of building their own, so that the whole suite
stays within its time budget. Nothing here is mocked: the market comes from the simulator and the
model from the real training service.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from loanmatch.settings import get_settings

SEED = 7
HISTORY_ROWS = 20_000
APPLICANTS = 400


@dataclass(frozen=True)
class TrainedMarket:
    """A simulated market in section-9 files and a model directory trained on it."""

    market: Path
    model_dir: Path

    @property
    def features(self) -> Path:
        return self.market / "features.yaml"

    @property
    def products(self) -> Path:
        return self.market / "products.yaml"

    @property
    def history(self) -> Path:
        return self.market / "history.csv"

    @property
    def applicants(self) -> Path:
        return self.market / "applicants.csv"

    def copy_market(self, to: Path) -> Path:
        """A private copy of the market files, for a test that changes them."""
        shutil.copytree(self.market, to)
        return to


@pytest.fixture(scope="session")
def trained_market(tmp_path_factory: pytest.TempPathFactory) -> TrainedMarket:
    from loanmatch.services.simulate import simulate
    from loanmatch.services.train import train

    root = tmp_path_factory.mktemp("trained-market")
    market, model_dir = root / "market", root / "model"
    simulate(SEED, market, n_applicants=APPLICANTS, history_rows=HISTORY_ROWS)
    train(
        market / "features.yaml",
        market / "products.yaml",
        market / "history.csv",
        model_dir,
        seed=0,
        pricing=market / "pricing.yaml",
        loans=market / "loans.csv",
    )
    return TrainedMarket(market=market, model_dir=model_dir)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Forget cached settings before and after a test that changes LOANMATCH_* variables."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def answers_with_offers(trained_market: TrainedMarket) -> dict[str, str]:
    """The answers (as typed in the form) of a simulated applicant who gets at least one offer
    at the default policy, found by asking the real recommender."""
    import csv

    from loanmatch.intake.answers import parse_answers
    from loanmatch.matching.recommend import recommend_one
    from loanmatch.matching.results import RecommendPolicy
    from loanmatch.model.directory import load_model
    from loanmatch.web.views import form_features

    bundle = load_model(trained_market.model_dir)
    asked = [f.name for f in form_features(bundle.market.catalog)]
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            answers = {name: row.get(name) or "" for name in asked}
            record = parse_answers(bundle.market.catalog, answers, strict=False).record
            typed = {k: v for k, v in record.items() if v is not None}
            if recommend_one(bundle, typed, RecommendPolicy()).offers:
                return answers
    pytest.fail("no simulated applicant gets an offer: the market or the model is broken")


@pytest.fixture(scope="session")
def hidden_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated market directory with its hidden truth (lenders_hidden.npz): what the
    simulated lender agents decide by. No model is trained on it."""
    from loanmatch.services.simulate import simulate

    market = tmp_path_factory.mktemp("hidden-market") / "market"
    simulate(SEED, market, n_applicants=200, history_rows=2_000)
    return market
