"""``loanmatch fairness`` on a small simulated market: with lenders that start declining women
the audit flags the calibration gap, the report lands in the data directory, and the operator
console's fairness page plots it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.model.directory import load_model
from loanmatch.services.staff import add_staff
from loanmatch.settings import Settings
from loanmatch.storage.records import PLATFORM
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.integration.test_lender_portal import PASSWORD, login

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_a_biased_market_is_flagged_and_the_console_shows_the_report(
    trained_market: TrainedMarket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:  # fmt: skip
    monkeypatch.setenv("LOANMATCH_DATA_DIR", str(tmp_path))
    done = CliRunner().invoke(app, ["fairness", "--seed", "7", "--bias", "0.4", "--applicants",
                                    "1500", "--history-rows", "10000", "--json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "fairness.json").read_text(encoding="utf-8"))
    assert "calibration:female" in report["audit"]["flags"]
    settings = Settings(data_dir=tmp_path, market_dir=trained_market.market,
                        model_dir=trained_market.model_dir,
                        database_url=f"sqlite:///{tmp_path / 'console.db'}")  # fmt: skip
    with TestClient(create_app(settings, load_model(trained_market.model_dir))) as client:
        unit_of_work = client.app.state.loanmatch_sessions.get().unit_of_work  # type: ignore[attr-defined]
        add_staff(unit_of_work(), PLATFORM, "ops", PASSWORD, "operator", datetime.now(UTC))
        assert login(client, "ops", PASSWORD).status_code == 303
        page = client.get("/operator/fairness?lang=en")
    assert page.status_code == 200
    assert 'id="fairness-plot"' in page.text
    assert "calibration:female" in page.text
