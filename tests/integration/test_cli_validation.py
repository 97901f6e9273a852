"""The input files are checked before any heavy work: every problem of a bad CSV, one a line in
file order, within a second; a catalog column absent from a CSV is a warning; the terminal
speaks Chinese by default and English with ``--lang en``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.services.train import check_inputs
from tests.conftest import TrainedMarket

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

runner = CliRunner()


def _small_history(source: Path, to: Path, rows: int = 8, drop: str | None = None) -> Path:
    """The first ``rows`` rows of ``source`` (without column ``drop``), written to ``to``."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        table = [row for _, row in zip(range(rows + 1), reader, strict=False)]
    if drop is not None:
        k = table[0].index(drop)
        table = [row[:k] + row[k + 1 :] for row in table]
    with to.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    return to


def _set(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` counts data rows from 1, so it is on line ``row + 1``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    table[row][table[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)


def _bad_history(trained_market: TrainedMarket, tmp_path: Path) -> Path:
    """``approved`` missing (line 1), an unknown product on line 3, a word for a number on
    line 4 and an unknown category on line 6."""
    history = _small_history(trained_market.history, tmp_path / "history.csv", drop="approved")
    _set(history, 2, "product_id", "NO_SUCH_PRODUCT")
    _set(history, 3, "owner_age", "forty")
    _set(history, 5, "tax_grade", "Z")
    return history


def _train(trained_market: TrainedMarket, history: Path, model_dir: Path, *lang: str) -> list[str]:
    return [*lang, "train", "--features", str(trained_market.features),
            "--products", str(trained_market.products), "--history", str(history),
            "--model-dir", str(model_dir)]  # fmt: skip


def test_a_bad_history_fails_before_any_training_with_every_problem_in_file_order_in_chinese(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    history = _bad_history(trained_market, tmp_path)
    result = runner.invoke(app, _train(trained_market, history, tmp_path / "model"))
    assert result.exit_code == 2, result.output
    # the four problems and nothing else: no progress line, no model directory
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 4, result.output
    assert lines[0].startswith(f"错误：{history}，第1行：缺少必需的列：approved")
    assert lines[1] == (
        f"错误：{history}，第3行，第2条记录，列“product_id”：产品“NO_SUCH_PRODUCT”不在 "
        "products.yaml 中"
    )
    assert lines[2] == f"错误：{history}，第4行，第3条记录，列“owner_age”：“forty”不是数字"
    assert lines[3].startswith(f"错误：{history}，第6行，第5条记录，列“tax_grade”：“Z”不是")
    assert not (tmp_path / "model").exists()


def test_the_same_problems_in_english_with_lang_en(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    history = _bad_history(trained_market, tmp_path)
    for args in (
        _train(trained_market, history, tmp_path / "model", "--lang", "en"),
        [*_train(trained_market, history, tmp_path / "model"), "--lang", "en"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        lines = [line for line in result.output.splitlines() if line]
        assert lines[0].startswith(f"error: {history}, line 1: missing required column(s) approved")
        assert lines[1] == (
            f"error: {history}, line 3, row 2, column 'product_id': product 'NO_SUCH_PRODUCT' "
            "is not in products.yaml"
        )
        assert (
            lines[2]
            == f"error: {history}, line 4, row 3, column 'owner_age': 'forty' is not a number"
        )
        assert lines[3].startswith(f"error: {history}, line 6, row 5, column 'tax_grade'")


def test_the_language_setting_is_the_default_of_the_terminal(
    trained_market: TrainedMarket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:  # fmt: skip
    history = _bad_history(trained_market, tmp_path)
    monkeypatch.setenv("LOANMATCH_DEFAULT_LANG", "en")
    result = runner.invoke(app, _train(trained_market, history, tmp_path / "model"))
    assert result.output.lstrip().startswith("error: ")


def test_problems_past_the_limit_are_counted_on_a_last_line(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    history = _small_history(trained_market.history, tmp_path / "history.csv", rows=30)
    for row in range(1, 31):
        _set(history, row, "owner_age", "?")
    result = runner.invoke(app, _train(trained_market, history, tmp_path / "model"))
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 21
    assert "第21行" in lines[19]
    assert lines[20] == "……另有 10 处问题未列出"


def test_a_catalog_column_absent_from_the_history_is_a_warning(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    history = _small_history(trained_market.history, tmp_path / "h.csv", drop="employees")
    checked = check_inputs(trained_market.features, trained_market.products, history)
    assert any("catalog column 'employees' is absent" in w for w in checked.warnings)
    assert any("缺少目录中的列“employees”" in w for w in checked.warnings_zh)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ((), "警告：{file}：缺少目录中的列“employees”，所有行按未知处理"),
        (("--lang", "en"), "warning: {file}: catalog column 'employees' is absent"),
    ],
)
def test_recommend_warns_of_a_catalog_column_absent_from_the_applicants(
    trained_market: TrainedMarket, tmp_path: Path, lang: tuple[str, ...], said: str
) -> None:
    applicants = _small_history(
        trained_market.applicants, tmp_path / "applicants.csv", rows=5, drop="employees"
    )
    result = runner.invoke(app, [*lang, "recommend", "--model-dir",
                                 str(trained_market.model_dir), "--applicants", str(applicants),
                                 "--out", str(tmp_path / "out.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert said.format(file=applicants) in result.output
