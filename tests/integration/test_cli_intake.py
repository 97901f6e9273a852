"""``loanmatch intake`` in a terminal: a scripted owner consents, asks a doubt, answers, quits,
and comes back to the same session later."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from loanmatch.cli.intake import intake
from loanmatch.connectors import simulated_credit_code
from tests.conftest import TrainedMarket

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command(name="intake")(intake)

    @app.callback()
    def _root() -> None:
        pass

    return app


def _run(trained_market: TrainedMarket, tmp_path: Path, args: list[str], lines: list[str],
         ) -> str:  # fmt: skip
    env = {"LOANMATCH_MARKET_DIR": str(trained_market.market), "LOANMATCH_LOG_LEVEL": "WARNING"}
    result = CliRunner().invoke(
        _app(),
        ["intake", "--model-dir", str(trained_market.model_dir),
         "--database-url", f"sqlite:///{tmp_path / 'cli.db'}", *args],
        input="".join(f"{line}\n" for line in lines),
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_a_scripted_owner_consents_asks_a_doubt_answers_and_can_resume(
    trained_market: TrainedMarket, tmp_path: Path, fresh_settings: None
) -> None:
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        enterprise = simulated_credit_code(next(csv.DictReader(handle))["applicant_id"])
    out = _run(trained_market, tmp_path, ["--enterprise-id", enterprise],
               ["我的数据安全吗？", "同意", "退出"])  # fmt: skip
    assert "用途" in out
    assert "脱敏" in out
    assert "谢谢授权" in out
    session = re.search(r"--session (\w+)", out)
    assert session is not None
    again = _run(trained_market, tmp_path, ["--session", session.group(1)], ["quit"])
    assert session.group(1) in again


def test_the_english_terminal_session_runs_to_a_result_on_do_not_know_answers(
    trained_market: TrainedMarket, tmp_path: Path, fresh_settings: None
) -> None:
    out = _run(trained_market, tmp_path, ["--lang", "en"],
               ["no", "what rate will I get?", *["don't know"] * 40])  # fmt: skip
    assert "Hello!" in out
    assert "Rates are risk-based" in out
    assert "recommended" in out.lower()
