"""Bad input exits 2 with one clear message naming file, row, column or rule, and writes nothing.

The messages are read in English here (``loanmatch --lang en``); the terminal speaks Chinese by
default (tests/integration/test_cli_validation.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from loanmatch.cli.main import app
from tests.conftest import TrainedMarket

runner = CliRunner()


def _train(market: Path, model_dir: Path) -> list[str]:
    return [
        "train",
        "--features",
        str(market / "features.yaml"),
        "--products",
        str(market / "products.yaml"),
        "--history",
        str(market / "history.csv"),
        "--model-dir",
        str(model_dir),
    ]


def _rewrite_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV (``row`` counts data rows from 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _assert_bad_input(args: list[str], *needles: str) -> str:
    result = runner.invoke(app, ["--lang", "en", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output
    return result.output


def test_a_bad_history_row_exits_2_naming_the_row_and_column(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    _rewrite_cell(market / "history.csv", 5, "owner_age", "forty")
    _assert_bad_input(_train(market, tmp_path / "model"), "history.csv", "row 5", "owner_age")
    assert not (tmp_path / "model").exists()


def test_a_history_product_missing_from_products_exits_2_naming_it(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    _rewrite_cell(market / "history.csv", 3, "product_id", "NO_SUCH_PRODUCT")
    _assert_bad_input(_train(market, tmp_path / "model"), "history.csv", "NO_SUCH_PRODUCT")
    assert not (tmp_path / "model").exists()


def test_an_empty_history_exits_2(trained_market: TrainedMarket, tmp_path: Path) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    header = (market / "history.csv").read_text(encoding="utf-8").splitlines()[0]
    (market / "history.csv").write_text(header + "\n", encoding="utf-8")
    _assert_bad_input(_train(market, tmp_path / "model"), "history.csv", "no rows")


def test_malformed_features_yaml_exits_2_naming_the_file(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    (market / "features.yaml").write_text("- name: x\n  type: [unclosed\n", encoding="utf-8")
    _assert_bad_input(_train(market, tmp_path / "model"), "features.yaml")


def test_an_unknown_feature_in_a_rule_exits_2_naming_product_and_rule(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    (market / "products.yaml").write_text(
        "- id: P1\n  lender: L1\n  rules:\n    - shoe_size >= 40\n", encoding="utf-8"
    )
    _assert_bad_input(_train(market, tmp_path / "model"), "products.yaml", "P1", "shoe_size")


def test_a_missing_input_file_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    args = _train(tmp_path, tmp_path / "model")
    _assert_bad_input(args, "features.yaml")


def test_threshold_and_target_approval_together_are_a_usage_error(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    out = tmp_path / "recommendations.csv"
    args = [
        "recommend",
        "--model-dir",
        str(trained_market.model_dir),
        "--applicants",
        str(trained_market.applicants),
        "--out",
        str(out),
        "--threshold",
        "0.8",
        "--target-approval",
        "0.95",
    ]
    _assert_bad_input(args, "not both")
    assert not out.exists()


def test_a_bad_applicant_cell_exits_2_and_writes_no_recommendations(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    market = trained_market.copy_market(tmp_path / "market")
    _rewrite_cell(market / "applicants.csv", 7, "tax_grade", "Z")
    out = tmp_path / "recommendations.csv"
    args = [
        "recommend",
        "--model-dir",
        str(trained_market.model_dir),
        "--applicants",
        str(market / "applicants.csv"),
        "--out",
        str(out),
    ]
    _assert_bad_input(args, "applicants.csv", "row 7", "tax_grade")
    assert not out.exists()


def test_serving_a_directory_that_is_no_model_exits_2(tmp_path: Path) -> None:
    _assert_bad_input(["serve", "--model-dir", str(tmp_path), "--port", "1"], str(tmp_path))


def test_a_corrupt_model_directory_exits_2_when_recommending(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(trained_market.model_dir, model_dir)
    (model_dir / "model.txt").write_text("garbage", encoding="utf-8")
    args = [
        "recommend",
        "--model-dir",
        str(model_dir),
        "--applicants",
        str(trained_market.applicants),
        "--out",
        str(tmp_path / "out.csv"),
    ]
    _assert_bad_input(args, "model.txt")
