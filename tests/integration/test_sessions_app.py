"""The served app migrates its database at start-up and serves the sessions API over the market's
simulated connectors (the enterprises of applicants.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import inspect

from loanmatch.connectors import simulated_credit_code
from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.storage.database import Database, current_revision, head_revision
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.owners import start


def test_the_app_migrates_at_start_up_and_prefills_a_known_enterprise(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'app.db'}"
    settings = Settings(
        market_dir=trained_market.market, model_dir=trained_market.model_dir, database_url=url
    )
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        enterprise = simulated_credit_code(next(csv.DictReader(handle))["applicant_id"])
    app = create_app(settings, load_model(trained_market.model_dir))
    with TestClient(app) as client:
        database = Database(url)
        assert current_revision(database.engine) == head_revision()
        assert "audit_log" in inspect(database.engine).get_table_names()
        database.dispose()
        started = start(client, {"lang": "en", "enterprise_id": enterprise, "owner_id": "o"})
        assert started.status_code == 201
        session = started.json()["session_id"]
        body = client.post(
            f"/api/v1/sessions/{session}/consent", json={"sources": ["registry", "tax"]}
        ).json()
        assert body["sources"]["bureau"] == "declined"
        assert body["sources"]["registry"] in ("ok", "timeout", "unavailable", "malformed")
        assert body["stage"] in ("asking", "done")
        assert client.get(f"/api/v1/sessions/{session}").json()["version"] == body["version"]
        assert (
            "/api/v1/sessions/{session_id}/consent" in client.get("/openapi.json").json()["paths"]
        )
