"""The commands end to end on a small simulated market: simulate, train, recommend, demo."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.cli.reports import evaluation_table
from tests.conftest import TrainedMarket

runner = CliRunner()


def test_simulate_writes_the_four_section_9_files(tmp_path: Path) -> None:
    out = tmp_path / "market"
    result = runner.invoke(
        app,
        ["simulate", "--seed", "3", "--out", str(out), "--applicants", "50",
         "--history-rows", "2000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("features.yaml", "products.yaml", "history.csv", "applicants.csv"):
        assert (out / name).is_file(), name
    with (out / "applicants.csv").open(encoding="utf-8-sig") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 50


def test_train_writes_a_model_directory_that_recommend_uses(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    trained = runner.invoke(
        app,
        ["train", "--features", str(trained_market.features), "--products",
         str(trained_market.products), "--history", str(trained_market.history),
         "--model-dir", str(model_dir)],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "recommendations.csv"
    recommended = runner.invoke(
        app,
        ["recommend", "--model-dir", str(model_dir), "--applicants",
         str(trained_market.applicants), "--out", str(out), "--threshold", "0.8",
         "--max-offers", "2"],
    )  # fmt: skip
    assert recommended.exit_code == 0, recommended.output
    with out.open(encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames is not None
    assert reader.fieldnames[:4] == ["applicant_id", "product_id", "p_approve", "rank"]
    assert rows, "some applicant of the simulated market should get an offer"
    assert all(float(r["p_approve"]) >= 0.8 for r in rows)
    per_applicant: dict[str, int] = {}
    for row in rows:
        per_applicant[row["applicant_id"]] = per_applicant.get(row["applicant_id"], 0) + 1
    assert max(per_applicant.values()) <= 2


def test_recommend_with_a_target_approval_writes_recommendations(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    out = tmp_path / "recommendations.csv"
    result = runner.invoke(
        app,
        ["recommend", "--model-dir", str(trained_market.model_dir), "--applicants",
         str(trained_market.applicants), "--out", str(out), "--target-approval", "0.9"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("applicant_id,product_id,p_approve,rank")


def test_an_impossible_target_exits_3_naming_what_can_be_certified_and_writes_nothing(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    out = tmp_path / "recommendations.csv"
    result = runner.invoke(
        app,
        ["recommend", "--model-dir", str(trained_market.model_dir), "--applicants",
         str(trained_market.applicants), "--out", str(out), "--target-approval", "0.999"],
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    message = " ".join(result.output.split())
    assert "target approval 99.9% cannot be certified" in message
    assert "the highest target they certify is" in message
    assert "history rows like these" in message or "would not reach it" in message
    assert not out.exists()


def test_demo_without_serving_reuses_an_existing_market_and_model(
    trained_market: TrainedMarket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:
    shutil.copytree(trained_market.market, tmp_path / "market")
    shutil.copytree(trained_market.model_dir, tmp_path / "model")
    before = (tmp_path / "model" / "model.txt").stat().st_mtime_ns
    monkeypatch.setenv("LOANMATCH_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "model" / "model.txt").stat().st_mtime_ns == before


@pytest.mark.slow
def test_evaluate_prints_every_measure_as_json_and_as_a_table() -> None:
    result = runner.invoke(
        app, ["evaluate", "--seed", "5", "--json", "--history-rows", "20000", "--applicants", "600"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("baseline_approval", "approval_among_recommended", "coverage",
                "oracle_coverage", "ece", "brier", "auc"):  # fmt: skip
        assert 0.0 <= report[key] <= 1.0, key
    console = Console(record=True, width=120)
    console.print(evaluation_table(report))
    table = console.export_text()
    assert "Naive-policy approval" in table
    assert f"{report['approval_among_recommended'] * 100:.1f}%" in table
