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


def test_the_terminal_consent_lists_each_item_with_why_and_no_protected_one(
    trained_market: TrainedMarket, tmp_path: Path, fresh_settings: None
) -> None:
    out = _run(trained_market, tmp_path, [], ["退出"])
    assert "  - 经营者年龄：产品对经营者年龄有上下限" in out
    assert "  - 纳税信用等级：税贷等产品要求纳税信用A级或B级" in out
    assert "经营者性别" not in out
    english = _run(trained_market, tmp_path, ["--lang", "en"], ["quit"])
    assert "  - Owner's age: products set limits on the owner's age" in english


def test_a_mistyped_code_in_the_terminal_is_refused_in_the_owners_language(
    trained_market: TrainedMarket, tmp_path: Path, fresh_settings: None
) -> None:
    args = ["intake", "--model-dir", str(trained_market.model_dir),
            "--database-url", f"sqlite:///{tmp_path / 'cli.db'}",
            "--enterprise-id", "91350100M000100Y4Z"]  # fmt: skip
    result = CliRunner().invoke(_app(), args, input="")
    assert result.exit_code == 2
    assert "统一社会信用代码校验位不符：第18位应为3" in result.output
    english = CliRunner().invoke(_app(), [*args, "--lang", "en"], input="")
    assert english.exit_code == 2
    assert "The check character of the unified social credit code does not match" in (
        english.output
    )
