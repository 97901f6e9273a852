"""The promotion gate on the default simulated market (services/promotion.py, `loanmatch model
compare`): a worse challenger is refused, a better one promoted, a tie refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.adapters.tables import table_to_csv
from loanmatch.cli.main import app
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.promotion import compare_bundles
from loanmatch.services.train import fit_table, train
from loanmatch.simulator import SimulatedMarket, simulate_market
from loanmatch.simulator.files import write_market
from loanmatch.simulator.market import LoggedDecisions

pytestmark = pytest.mark.scenario  # 2.5 min of training: make acceptance, out of make test

AT_08 = RecommendPolicy(threshold=0.8)


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return simulate_market(7, history_rows=100_000, n_applicants=10)


@pytest.fixture(scope="module")
def recent(market: SimulatedMarket) -> LoggedDecisions:
    """Recent decisions never trained on: a fresh log of the naive policy, with propensities."""
    return market.log_decisions(30_000, seed=1)


def _fit(market: SimulatedMarket, rows: int, shuffled: bool = False) -> ModelBundle:
    history = market.history.take(np.arange(rows))
    if shuffled and history.approved is not None:
        labels = np.random.default_rng(0).permutation(history.approved)
        history = replace(history, approved=labels)
    return fit_table(market.market, history, seed=7, formulas=catalog_formulas(market.catalog))


@pytest.fixture(scope="module")
def models(market: SimulatedMarket) -> dict[str, ModelBundle]:
    return {
        "champion": _fit(market, 20_000),
        "more data": _fit(market, 100_000),
        "less data": _fit(market, 5_000),
        "shuffled labels": _fit(market, 20_000, shuffled=True),
    }


def test_a_challenger_trained_on_five_times_the_decisions_is_promoted(
    models: dict[str, ModelBundle], recent: LoggedDecisions
) -> None:
    result = compare_bundles(models["champion"], models["more data"], recent.table, AT_08)
    assert result.promote, result.reasons
    assert "better on" in result.reasons[0]
    assert all(f.verdict != "worse" for f in result.figures)


def test_a_challenger_trained_on_a_quarter_of_the_decisions_is_refused_on_approval(
    models: dict[str, ModelBundle], recent: LoggedDecisions
) -> None:
    result = compare_bundles(models["champion"], models["less data"], recent.table, AT_08)
    assert not result.promote
    verdicts = {f.name: f.verdict for f in result.figures}
    assert verdicts["approval_among_recommended"] == "worse"
    assert any(r.startswith("approval_among_recommended") for r in result.reasons)


def test_a_challenger_trained_on_shuffled_labels_is_refused_with_every_reason(
    models: dict[str, ModelBundle], recent: LoggedDecisions
) -> None:
    result = compare_bundles(models["champion"], models["shuffled labels"], recent.table, AT_08)
    assert not result.promote
    assert any("no off-policy estimate of the challenger" in r for r in result.reasons)
    assert {f.name for f in result.figures if f.verdict == "worse"} >= {"coverage", "ece"}


def test_the_champion_against_itself_is_a_tie_and_is_refused(
    models: dict[str, ModelBundle], recent: LoggedDecisions
) -> None:
    result = compare_bundles(models["champion"], models["champion"], recent.table, AT_08)
    assert not result.promote
    assert "tie" in result.reasons[0]
    assert all(f.verdict == "same" for f in result.figures)


def test_at_a_target_approval_more_coverage_at_the_promised_approval_is_promoted_and_not_back(
    models: dict[str, ModelBundle], recent: LoggedDecisions
) -> None:
    policy = RecommendPolicy(target_approval=0.95)
    forward = compare_bundles(models["champion"], models["more data"], recent.table, policy)
    backward = compare_bundles(models["more data"], models["champion"], recent.table, policy)
    assert forward.promote, forward.reasons
    assert not backward.promote
    assert any(r.startswith("coverage") for r in backward.reasons)


def test_model_compare_prints_the_decision_as_json_and_writes_nothing(
    market: SimulatedMarket, recent: LoggedDecisions, tmp_path: Path
) -> None:
    files = tmp_path / "market"
    write_market(market, files)
    catalog = market.catalog
    dirs = {}
    for name, rows in (("small", 5_000), ("large", 20_000)):
        history = files / f"history-{rows}.csv"
        history.write_text(table_to_csv(market.history.take(np.arange(rows)), catalog), "utf-8")
        dirs[name] = tmp_path / name
        train(files / "features.yaml", files / "products.yaml", history, dirs[name], seed=7)
    decisions = tmp_path / "recent.csv"
    decisions.write_text(table_to_csv(recent.table, catalog), encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    runner = CliRunner()
    args = ["model", "compare", "--champion", str(dirs["large"]), "--challenger",
            str(dirs["small"]), "--decisions", str(decisions), "--threshold", "0.8"]  # fmt: skip
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["decision"] == "refuse"
    assert data["reasons"]
    assert {f["name"] for f in data["figures"]} == {
        "approval_among_recommended", "coverage", "ece", "worst_lender_approval",
    }  # fmt: skip
    text = runner.invoke(app, ["--lang", "en", *args])
    assert text.exit_code == 0
    assert "decision: refuse" in text.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    no_propensity = tmp_path / "no-propensity.csv"
    no_propensity.write_text(
        table_to_csv(replace(recent.table, propensity=None), catalog), encoding="utf-8"
    )
    bad = runner.invoke(app, ["model", "compare", "--champion", str(dirs["large"]),
                              "--challenger", str(dirs["small"]), "--decisions",
                              str(no_propensity)])  # fmt: skip
    assert bad.exit_code == 2
    assert "propensity" in bad.output
