"""``loanmatch db upgrade`` creates or migrates the database named by the settings or --url."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from loanmatch.cli.db import db_app
from loanmatch.storage.database import Database, head_revision
from tests.conftest import TrainedMarket


def test_db_upgrade_creates_the_default_sqlite_file_and_can_run_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'loanmatch.db'}"
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", url)
    for _ in range(2):
        result = CliRunner().invoke(db_app, ["upgrade"])
        assert result.exit_code == 0, result.output
        assert f"is at revision {head_revision()}" in result.output
    database = Database(url)
    assert "intake_sessions" in inspect(database.engine).get_table_names()
    database.dispose()


def test_db_upgrade_reports_a_bad_url_with_exit_code_2() -> None:
    result = CliRunner().invoke(db_app, ["upgrade", "--url", "not a url"])
    assert result.exit_code == 2
    assert "not a database URL" in result.output


def test_db_upgrade_reports_an_unreachable_server_with_exit_code_1() -> None:
    result = CliRunner().invoke(
        db_app, ["upgrade", "--url", "postgresql://postgres@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert "OperationalError" in result.output


def test_db_purge_applies_the_retention_settings_and_says_what_it_did(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
    trained_market: TrainedMarket,
) -> None:
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'purge.db'}")
    monkeypatch.setenv("LOANMATCH_MODEL_DIR", str(trained_market.model_dir))
    monkeypatch.setenv("LOANMATCH_MARKET_DIR", str(trained_market.market))
    monkeypatch.setenv("LOANMATCH_RETENTION_SESSION_DAYS", "1")
    result = CliRunner().invoke(db_app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "0 idle session(s) erased" in result.output
