"""Errors through the real app: each LoanMatchError answers its class's status with the body the
OpenAPI document describes (ErrorBody), from the one handler of loanmatch.web.errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.errors import (
    Location,
    ModelError,
    NotUnderstoodError,
    SessionConflictError,
    SessionNotFoundError,
)
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services import intake
from loanmatch.settings import Settings
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from loanmatch.web.app import create_app
from loanmatch.web.errors import ErrorBody, error_response
from loanmatch.web.sessions_api import SessionsBackend
from tests.conftest import TrainedMarket
from tests.owners import sign_in, start
from tests.unit.services.fakes import FakeClock, FakeEngine, context, default_catalog

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_ERROR_BODY = "#/components/schemas/ErrorBody"


@pytest.fixture(scope="module")
def bundle(trained_market: TrainedMarket) -> ModelBundle:
    return load_model(trained_market.model_dir)


def _settings(trained_market: TrainedMarket, tmp_path: Path) -> Settings:
    return Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
    )


@pytest.fixture
def client(
    trained_market: TrainedMarket, bundle: ModelBundle, tmp_path: Path
) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(trained_market, tmp_path), bundle)) as opened:
        opened.headers.update(sign_in(opened))
        yield opened


def _body(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    ErrorBody.model_validate(body)
    assert body["code"] == code
    return body


def test_a_bad_answer_is_422_with_its_own_code_and_the_old_one(client: TestClient) -> None:
    reply = client.post("/api/v1/recommend", json={"applicant": {"tax_grade": "Z"}})
    body = _body(reply, 422, NotUnderstoodError.code)
    assert (body["error"], body["reason"]) == ("invalid_answer", "not_understood")
    assert body["where"] == {"feature": "tax_grade"}
    assert body["message"]
    assert body["message_zh"]


def test_an_unknown_session_is_404_from_the_sessions_api_and_the_chat(client: TestClient) -> None:
    for reply in (
        client.get("/api/v1/sessions/nope"),
        client.post("/api/v1/sessions/nope/answers", json={"text": "50万"}),
        client.post("/api/v1/sessions/nope/chat", json={"message": "50万"}),
    ):
        body = _body(reply, SessionNotFoundError.status, "session.not_found")
        assert body["error"] == "session_not_found"
        assert body["where"] == {"setting": "session_id"}


def test_a_malformed_body_is_422_with_the_same_shape(client: TestClient) -> None:
    session = start(client, {}).json()["session_id"]
    for reply in (
        client.post("/api/v1/recommend", json={"lang": "en"}),
        start(client, {"enterprise_id": "9" * 200}),
        client.post(f"/api/v1/sessions/{session}/consent", json={"sources": [], "days": "many"}),
        client.post(f"/api/v1/sessions/{session}/chat", json={}),
    ):
        body = _body(reply, 422, "input.request")
        assert body["error"] == "invalid_request"
        assert body["errors"]
        assert all(problem["loc"] and problem["msg"] for problem in body["errors"])


def test_a_session_changed_meanwhile_is_409(
    trained_market: TrainedMarket, bundle: ModelBundle, tmp_path: Path
) -> None:
    store = MemoryStore()
    engine = FakeEngine(default_catalog())
    ctx = context(engine, {}, FakeClock())
    backend = SessionsBackend(lambda: MemoryUnitOfWork(store), ctx)
    app = create_app(_settings(trained_market, tmp_path), bundle, sessions=backend)
    with TestClient(app) as client:
        session = start(client, {}).json()["session_id"]
        client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
        engine.meanwhile = lambda: intake.answer(
            MemoryUnitOfWork(store), ctx, session, "24", feature="loan_term_months"
        )
        reply = client.post(
            f"/api/v1/sessions/{session}/answers", json={"text": "50万", "feature": "loan_amount"}
        )
        body = _body(reply, SessionConflictError.status, "session.conflict")
        assert (reply.status_code, body["error"]) == (409, "session_conflict")
        known = client.get(f"/api/v1/sessions/{session}").json()["known"]
        assert [k["feature"] for k in known] == ["loan_term_months"]


def test_the_openapi_document_gives_every_error_response_the_error_body(
    client: TestClient,
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    document = app.openapi()
    assert "ErrorBody" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    seen: set[tuple[str, str, str]] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": _ERROR_BODY}, (method, path, status)
                    seen.add((method, path, status))
    assert ("post", "/api/v1/recommend", "422") in seen
    for method, path, statuses in (
        ("post", "/api/v1/sessions", "409 422"),
        ("get", "/api/v1/sessions/{session_id}", "404 422"),
        ("post", "/api/v1/sessions/{session_id}/answers", "404 409 422"),
        ("put", "/api/v1/sessions/{session_id}/answers/{feature}", "404 409 422"),
        ("post", "/api/v1/sessions/{session_id}/chat", "404 409 422"),
    ):
        assert {(method, path, s) for s in statuses.split()} <= seen, path
    body = document["components"]["schemas"]["ErrorBody"]
    assert {"code", "error", "message", "where"} <= set(body["required"])


def test_a_server_side_error_answers_its_code_but_not_its_paths() -> None:
    response = error_response(ModelError("meta.json is corrupt", Location(file="/srv/models/x")))
    raw = bytes(response.body)
    body = ErrorBody.model_validate_json(raw)
    assert response.status_code == 500
    assert body.code == "model"
    assert "/srv/models" not in raw.decode()
    assert "meta.json" not in body.message
