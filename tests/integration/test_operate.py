"""``loanmatch operate``: a simulated month of the live platform (services/operate.py).

- make test: a short month on the shared market runs through the real command, writes its
  report atomically, the ledger's figures equal a direct SQL count of the decisions table, and
  the console's funnel counts every arriving owner's journey.
- make acceptance: 30 days of 60 owners on a market of 2,000 applicants; the busiest lender
  tightens on day 12 (every cutoff +0.5) and is put on hold within ``MAX_DELAY`` decisions
  under its new policy; no other lender is held; approval among recommended stays at or above
  the target over the month; once the decisions of the detection delay are set apart, every
  lender's offers carry a mean prediction at or above the target (its floor in serving,
  services/floors.py) and no lender realises significantly less than the target or than was
  predicted for it (its 90% exact interval reaches both); the ledger agrees with the direct
  count; the first retraining's challenger, which the deterministic log cannot estimate, is
  started as the canary and judged every day after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.services.operations import platform_funnel
from loanmatch.services.simulate import simulate
from loanmatch.services.train import train
from loanmatch.storage.database import Database
from tests.conftest import TrainedMarket

TARGET = 0.9
MAX_DELAY = 250
"""The bound on the detection delay (decisions under the new policy before the hold), as the
drift test states it (tests/integration/test_ledger_drift.py)."""


def _run(monkeypatch: pytest.MonkeyPatch, data: Path, market: Path, model: Path,
         *args: str) -> dict[str, object]:  # fmt: skip
    monkeypatch.setenv("LOANMATCH_DATA_DIR", str(data))
    monkeypatch.setenv("LOANMATCH_MARKET_DIR", str(market))
    monkeypatch.setenv("LOANMATCH_MODEL_DIR", str(model))
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", f"sqlite:///{data / 'loanmatch.db'}")
    result = CliRunner().invoke(app, ["operate", *args])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output, result.output
    report = json.loads((data / "operate.json").read_text(encoding="utf-8"))
    assert isinstance(report, dict)
    print(result.output)
    return report


def test_a_short_month_runs_and_its_ledger_equals_a_direct_count(
    trained_market: TrainedMarket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:  # fmt: skip
    report = _run(monkeypatch, tmp_path, trained_market.market, trained_market.model_dir,
                  "--days", "5", "--owners-per-day", "20", "--change-day", "2",
                  "--retrain-every", "0")  # fmt: skip
    check = report["ledger_check"]
    assert isinstance(check, dict)
    assert check["agree"] is True
    assert check["ledger_decisions"] == report["overall"]["decisions"] > 0  # type: ignore[index]
    assert len(report["days"]) == 5  # type: ignore[arg-type]
    database = Database(f"sqlite:///{tmp_path / 'loanmatch.db'}")
    try:
        counts = platform_funnel(database.unit_of_work()).counts
    finally:
        database.dispose()
    assert counts["started"] == counts["consented"] == 5 * 20, "every arriving owner"
    assert 0 < counts["applied"] == counts["decided"] <= counts["recommended"] <= 100
    assert 0 < counts["approved"] <= counts["decided"]


@pytest.mark.scenario  # about two minutes: make acceptance
def test_a_month_keeps_the_promise_through_a_lenders_policy_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    market, model = tmp_path / "market", tmp_path / "model"
    simulate(7, market, n_applicants=2_000, history_rows=40_000)
    train(market / "features.yaml", market / "products.yaml", market / "history.csv", model,
          pricing=market / "pricing.yaml", loans=market / "loans.csv")  # fmt: skip
    report = _run(monkeypatch, tmp_path / "data", market, model, "--target-approval",
                  str(TARGET))  # fmt: skip
    change = report["change"]
    assert isinstance(change, dict)
    changed = str(change["lender"])
    assert report["held"] == {changed: change["held_on_day"]}, "no other lender is held"
    assert 0 < int(change["decisions_under_new_policy"]) <= MAX_DELAY
    overall = report["overall"]
    assert isinstance(overall, dict)
    assert overall["realised"] >= TARGET
    held_day = int(change["held_on_day"])
    days = report["days"]
    assert isinstance(days, list)
    assert all(changed in d["held"] for d in days if d["day"] > held_day)
    apart = report["lenders_apart_from_the_delay"]
    assert isinstance(apart, list)
    for row in apart:
        assert row["predicted"] >= TARGET, f"{row['lender']}'s offers fell short: {row}"
        assert row["high"] >= TARGET, f"{row['lender']} approved below the target: {row}"
        assert row["high"] >= row["predicted"], f"{row['lender']} was over-promised: {row}"
    delayed = change["approval_under_new_policy"]
    assert delayed["high"] < delayed["predicted"], "the change was real: the delay's decisions"
    assert report["ledger_check"]["agree"] is True  # type: ignore[index]
    first = report["retrainings"][0]  # type: ignore[index]
    assert first["canary"], "the challenger the log cannot estimate is started as the canary"
    verdicts = report["canary"]
    assert isinstance(verdicts, list)
    assert verdicts, "the canary is judged every day"
    assert {v["decision"] for v in verdicts} <= {"wait", "promote", "refuse"}


def test_a_month_larger_than_the_market_is_a_usage_error_naming_the_numbers(
    trained_market: TrainedMarket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:  # fmt: skip
    monkeypatch.setenv("LOANMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOANMATCH_MARKET_DIR", str(trained_market.market))
    monkeypatch.setenv("LOANMATCH_MODEL_DIR", str(trained_market.model_dir))
    result = CliRunner().invoke(app, ["operate", "--days", "300", "--owners-per-day", "100"])
    assert result.exit_code == 2
    assert "need 30000 applicants" in result.output
    assert not (tmp_path / "operate.json").exists()
