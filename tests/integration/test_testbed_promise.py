"""The promise on markets unlike the default simulator, through the files path (train, then
recommend), measured against each market's true probabilities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.errors import NotCertifiedError
from loanmatch.matching.recommend import recommend_file
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services.evaluation import CaseReport, evaluate_policies
from loanmatch.services.train import train
from loanmatch.testbed import MARKETS, generate

runner = CliRunner()


@pytest.fixture(scope="module")
def steady_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("steady")
    files = generate("steady", 7, 0.5).write(root / "market")
    train(files.features, files.products, files.history, root / "model", seed=0)
    return root / "model", files.applicants


def test_certification_rejects_on_a_market_whose_scores_never_saturate(
    steady_model: tuple[Path, Path],
) -> None:
    bundle = load_model(steady_model[0])
    assert float(bundle.selection_p.max()) < 0.99  # no mass at 0.999 to lean on
    top = np.sort(bundle.selection_p)[::-1][:20]
    assert float(top.min()) < 0.99
    choice = bundle.target_threshold(0.85, 0.9)
    assert choice.certified
    assert choice.tested >= 1
    assert choice.p_value <= 0.1
    assert choice.approval >= 0.85
    assert choice.start < float(bundle.selection_p.max())


def test_an_impossible_target_names_the_highest_certifiable_and_writes_nothing(
    steady_model: tuple[Path, Path], tmp_path: Path
) -> None:
    model_dir, applicants = steady_model
    out = tmp_path / "recommendations.csv"
    with pytest.raises(NotCertifiedError) as raised:
        recommend_file(model_dir, applicants, out, RecommendPolicy(target_approval=0.99))
    assert raised.value.highest is not None
    assert 0.5 <= raised.value.highest < 0.99
    assert "the highest target they certify is" in str(raised.value)
    assert raised.value.to_dict()["error"] == "not_certified"
    assert not out.exists()


def test_evaluate_runs_a_test_bed_market_by_name(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["evaluate", "--market", "steady", "--scale", "0.2", "--target-approval", "0.8",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["market"] == "steady"
    for key in ("approval", "coverage", "oracle_coverage", "coverage_vs_oracle",
                "worst_lender_approval", "ece_true", "model_ceiling"):  # fmt: skip
        assert key in report["measures"]
    assert report["certified"] in (True, False)


def test_an_unknown_market_is_a_usage_error_naming_the_known_ones() -> None:
    result = runner.invoke(app, ["evaluate", "--market", "nowhere"])
    assert result.exit_code == 2
    assert "steady" in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    # thin takes over a minute: make acceptance runs it with the other seeds and scenarios
    [pytest.param(n, marks=pytest.mark.scenario) if n == "thin" else n for n in MARKETS],
)
def test_the_promise_holds_on_each_test_bed_market_when_certified(name: str) -> None:
    scale = 0.1 if name == "thin" else 0.4
    case = generate(name, 11, scale)
    reports: list[CaseReport] = evaluate_policies(
        case, [RecommendPolicy(target_approval=0.9), RecommendPolicy(target_approval=0.8)]
    )
    for target, report in zip((0.9, 0.8), reports, strict=True):
        measures = report.measures
        if report.certified:
            assert measures["approval"] >= target - 0.005, (name, target, measures)
        else:
            assert measures["recommended"] == 0
            assert report.highest_certifiable is None or report.highest_certifiable < target
    assert reports[1].certified, f"{name}: 0.8 should be certifiable at this scale"


@pytest.mark.slow
@pytest.mark.scenario  # 27 s of training on the drift market: make acceptance
def test_dated_history_is_held_out_on_its_latest_period_and_names_the_lenders_that_changed(
    tmp_path: Path,
) -> None:
    case = generate("drift", 7, 0.5)
    files = case.write(tmp_path / "market")
    report = train(files.features, files.products, files.history, tmp_path / "model", seed=0)
    flagged = {item["lender"] for item in report.drift["lenders"]}
    changed = set(case.facts["tightened_lenders"]) | set(case.facts["loosened_lenders"])
    assert flagged, "a third of the lenders tightened: drift must show"
    assert len(flagged & changed) >= 0.7 * len(flagged)
    tightened = [item for item in report.drift["lenders"] if item["lender"] in changed]
    assert any(item["realised"] < item["predicted"] for item in tightened)
