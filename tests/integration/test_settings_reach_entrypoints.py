"""Every field of ``Settings``, given through the environment, reaches the objects of the CLI
(``loanmatch intake``, ``serve``, ``demo``, ``db upgrade``) and of
the web app: all of them are built by the one composition root (``loanmatch.bootstrap``).

``LOANMATCH_GOOD_ALL_IN=6.5`` once reached the web app but not ``loanmatch intake`` (12).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loanmatch.bootstrap import Root, compose, retention_from
from loanmatch.cli import serving
from loanmatch.cli.db import db_app
from loanmatch.cli.intake import run_intake
from loanmatch.matching.results import RecommendPolicy
from loanmatch.services.assistant import Assistant
from loanmatch.services.retention import RetentionPolicy
from loanmatch.settings import Settings, get_settings
from loanmatch.web.app import create_app
from loanmatch.web.sessions_api import LazySessions
from tests.conftest import TrainedMarket
from tests.owners import start


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    trained_market: TrainedMarket,
    fresh_settings: None,
) -> dict[str, str]:
    """Every setting through LOANMATCH_*, none at its default."""
    values = {
        "data_dir": str(tmp_path / "data"),
        "model_dir": str(trained_market.model_dir),
        "market_dir": str(trained_market.copy_market(tmp_path / "market")),
        "host": "127.0.0.2",
        "port": "9123",
        "default_lang": "en",
        "threshold": "0.75",
        "max_offers": "2",
        "target_approval": "0.7",
        "good_all_in": "6.5",
        "log_level": "WARNING",
        "database_url": f"sqlite:///{tmp_path / 'sessions.db'}",
        "seed": "11",
        "max_body_bytes": "5000",
        "rate_sessions": "1/minute",
        "rate_pulls": "5/hour",
        "rate_lender": "7/day",
        "rate_codes": "3/hour",
        "rate_logins": "4/hour",
        "rate_storage": "memory:///",  # redis:// is tested in test_rate_limits.py
        "owner_token_minutes": "45",
        "staff_session_minutes": "50",
        "retention_session_days": "90",
        "retention_credential_days": "7",
        "cookie_secure": "true",
        "llm_base_url": "http://127.0.0.1:9/v1",
        "llm_model": "tiny-model",
        "llm_api_key": "secret-key",
        "llm_timeout_s": "1.5",
    }
    assert set(values) == set(Settings.model_fields), "a new setting needs a case here"
    for name, value in values.items():
        monkeypatch.setenv(f"LOANMATCH_{name.upper()}", value)
    defaults = Settings.model_construct()
    for name in values:
        assert getattr(get_settings(), name) != getattr(defaults, name), name
    return values


def expected_policy() -> RecommendPolicy:
    return RecommendPolicy(threshold=0.75, target_approval=0.7, max_offers=2, good_all_in=6.5)


def check_root(root: Root, values: dict[str, str]) -> None:
    """The root carries every setting, and what it builds uses them."""
    assert root.settings == get_settings()
    assert str(root.settings.data_dir) == values["data_dir"]
    assert root.settings.host == values["host"]
    assert root.settings.port == int(values["port"])
    assert root.settings.log_level == values["log_level"]
    assert root.settings.seed == int(values["seed"])
    assert root.settings.default_lang == values["default_lang"]
    assert root.policy == expected_policy()
    assert str(root.model_dir) == values["model_dir"]
    assert root.applicants == Path(values["market_dir"]) / "applicants.csv"
    assert root.database_url == values["database_url"]
    assert retention_from(root.settings) == RetentionPolicy(session_days=90, credential_days=7)
    llm = root.llm()
    assert llm is not None
    assert (llm.base_url, llm.model, llm.api_key, llm.timeout_s) == (
        values["llm_base_url"],
        values["llm_model"],
        values["llm_api_key"],
        float(values["llm_timeout_s"]),
    )


def check_assistant(assistant: Assistant, values: dict[str, str]) -> None:
    """The assistant's engine runs under the settings' policy, its model is the settings'."""
    engine: Any = assistant.context.engine
    assert engine.policy == expected_policy()
    assert engine.policy.good_all_in == 6.5
    assert assistant.llm is not None
    assert assistant.llm.model == values["llm_model"]


@dataclass
class Spy:
    """The roots and assistants an entrypoint built."""

    roots: list[Root] = field(default_factory=list)
    assistants: list[Assistant] = field(default_factory=list)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    seen = Spy()
    build = Root.assistant

    def assistant(self: Root, *args: Any, **kwargs: Any) -> Assistant:
        seen.roots.append(self)
        made = build(self, *args, **kwargs)
        seen.assistants.append(made)
        return made

    monkeypatch.setattr(Root, "assistant", assistant)
    return seen


def test_compose_reads_every_setting(env: dict[str, str]) -> None:
    check_root(compose(), env)


def test_every_setting_reaches_loanmatch_intake(env: dict[str, str], spy: Spy) -> None:
    out = io.StringIO()
    session_id = run_intake(
        lang="en",
        model_dir=None,
        database_url=None,
        enterprise_id="",
        session_id=None,
        flaky_sources=False,
        stdin=io.StringIO("quit\n"),
        out=out,
    )
    assert session_id
    [root] = spy.roots
    check_root(root, env)
    check_assistant(spy.assistants[0], env)
    assert Path(env["database_url"].removeprefix("sqlite:///")).is_file()


def check_web_app(client: TestClient, env: dict[str, str], spy: Spy) -> None:
    app: Any = client.app
    root = app.state.loanmatch_root
    check_root(root, env)
    sessions = app.state.loanmatch_sessions
    assert isinstance(sessions, LazySessions)
    engine: Any = sessions.get().context.engine
    assert engine.policy == expected_policy()
    page = client.get("/chat")  # the default language of the page is the settings'
    assert page.status_code == 200
    assert 'lang="en"' in page.text
    started = start(client, {"lang": "en"})
    assert started.status_code in (200, 201), started.text
    session_id = started.json()["session_id"]
    again = start(client, {"lang": "en"})
    assert (again.status_code, again.json()["code"]) == (429, "rate_limited"), "1 a minute"
    limits = app.state.loanmatch_rate_limits
    assert {k: str(v) for k, v in limits.items.items()} == {
        "sessions": "1 per 1 minute", "pulls": "5 per 1 hour", "lender": "7 per 1 day",
        "codes": "3 per 1 hour", "logins": "4 per 1 hour",
    }  # fmt: skip
    backend = sessions.get()
    assert (backend.token_minutes, backend.cookie_secure, backend.staff_minutes) == (45, True, 50)
    chat = client.post(f"/api/v1/sessions/{session_id}/chat", json={"message": "hello"})
    assert chat.status_code == 200, chat.text
    assert spy.assistants, "the chat did not build its assistant from the root"
    check_root(spy.roots[-1], env)
    check_assistant(spy.assistants[-1], env)
    assert Path(env["database_url"].removeprefix("sqlite:///")).is_file()
    too_long = client.post("/api/v1/recommend", content=b" " * 5001)
    assert (too_long.status_code, too_long.json()["code"]) == (413, "input.request.too_large")
    assert client.post("/api/v1/recommend", content=b" " * 5000).status_code == 422


def test_every_setting_reaches_the_web_app(env: dict[str, str], spy: Spy) -> None:
    root = compose()
    with TestClient(create_app(get_settings(), root.bundle())) as client:
        check_web_app(client, env, spy)


def test_every_setting_reaches_loanmatch_serve(
    env: dict[str, str], spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def run(app: Any, **kwargs: Any) -> None:
        served.update(kwargs, app=app)

    monkeypatch.setattr("uvicorn.run", run)
    serving.serve_command(port=None, host=None, model_dir=None)
    assert (served["host"], served["port"], served["log_level"]) == ("127.0.0.2", 9123, "warning")
    with TestClient(served["app"]) as client:
        check_web_app(client, env, spy)


def test_the_seed_reaches_loanmatch_demo(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seeds: list[int] = []
    monkeypatch.setenv("LOANMATCH_MARKET_DIR", str(tmp_path / "empty-market"))
    get_settings.cache_clear()
    monkeypatch.setattr(
        "loanmatch.services.simulate.simulate", lambda seed, *a, **k: seeds.append(seed)
    )
    monkeypatch.setattr("loanmatch.services.train.train", lambda *a, **k: None)
    serving.demo_command(port=None, host=None, serve=False)
    assert seeds == [int(env["seed"])]


def test_the_database_url_reaches_loanmatch_db_upgrade(env: dict[str, str]) -> None:
    result = CliRunner().invoke(db_app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert Path(env["database_url"].removeprefix("sqlite:///")).is_file()
