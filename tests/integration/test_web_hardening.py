"""The owner endpoints cannot be crashed: huge numbers, lone surrogates, bytes that are not UTF-8
and bodies too long are refused with the ErrorBody; every answer carries the security headers;
the API documentation works offline; a traceback in the log has personal values masked."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.bootstrap import configure_logging
from loanmatch.errors import BodyTooLargeError, UnreadableBodyError
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from loanmatch.web.errors import ErrorBody
from tests.conftest import TrainedMarket
from tests.owners import sign_in_page, start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HUGE = "1" + "0" * 400
LIMIT = 4096


@pytest.fixture(scope="module")
def bundle(trained_market: TrainedMarket) -> ModelBundle:
    return load_model(trained_market.model_dir)


def _app(trained_market: TrainedMarket, bundle: ModelBundle, tmp_path: Path) -> FastAPI:
    settings = Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        max_body_bytes=LIMIT,
    )
    return create_app(settings, bundle)


@pytest.fixture
def client(
    trained_market: TrainedMarket, bundle: ModelBundle, tmp_path: Path
) -> Iterator[TestClient]:
    with TestClient(_app(trained_market, bundle, tmp_path)) as opened:
        yield opened


def _raw(client: TestClient, path: str, body: bytes, **headers: str) -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    ErrorBody.model_validate(body)
    assert body["code"] == code
    return body


def _locs(body: dict[str, Any]) -> list[list[str | int]]:
    return [problem["loc"] for problem in body["errors"]]


def _session(client: TestClient) -> str:
    session: str = start(client, {}).json()["session_id"]
    return session


def test_a_huge_integer_amount_is_answered_422_naming_the_field(client: TestClient) -> None:
    raw = f'{{"applicant": {{"loan_amount": {HUGE}}}}}'.encode()
    body = _error(_raw(client, "/api/v1/recommend", raw), 422, "input.request")
    assert _locs(body) == [["body", "applicant", "loan_amount"]]
    assert "body.applicant.loan_amount" in body["message"]


def test_a_lone_surrogate_is_answered_422_naming_the_field_on_every_json_endpoint(
    client: TestClient,
) -> None:
    session = _session(client)
    for path, raw, loc in (
        ("/api/v1/recommend", b'{"applicant": {"tax_grade": "\\ud800"}}', "applicant.tax_grade"),
        ("/api/v1/sessions", b'{"owner_id": "x\\udfffy"}', "owner_id"),
        (f"/api/v1/sessions/{session}/answers", b'{"text": "\\ud800"}', "text"),
        (f"/api/v1/sessions/{session}/chat", b'{"message": "\\ud83d"}', "message"),
    ):
        body = _error(_raw(client, path, raw), 422, "input.request")
        assert _locs(body) == [["body", *loc.split(".")]], path


def test_a_surrogate_in_a_key_is_refused_and_quoted_escaped(client: TestClient) -> None:
    raw = b'{"applicant": {"\\ud800": 1}}'
    body = _error(_raw(client, "/api/v1/recommend", raw), 422, "input.request")
    assert _locs(body) == [["body", "applicant", "\\ud800"]]


def test_numbers_no_reader_holds_are_refused_each_named(client: TestClient) -> None:
    session = _session(client)
    raw = b'{"applicant": {"loan_amount": 1e400, "revenue": NaN, "x": -Infinity, "y": 9e15}}'
    body = _error(_raw(client, "/api/v1/recommend", raw), 422, "input.request")
    assert _locs(body) == [["body", "applicant", name] for name in ("loan_amount", "revenue", "x")]
    days = f'{{"sources": [], "days": {HUGE}}}'.encode()
    reply = _raw(client, f"/api/v1/sessions/{session}/consent", days)
    assert _locs(_error(reply, 422, "input.request")) == [["body", "days"]]


def test_a_body_over_the_limit_is_413_with_the_error_body_announced_or_not(
    client: TestClient,
) -> None:
    big = json.dumps({"applicant": {"note": "x" * LIMIT}}).encode()
    announced = _raw(client, "/api/v1/recommend", big)
    _error(announced, BodyTooLargeError.status, BodyTooLargeError.code)

    def chunks() -> Iterator[bytes]:
        yield big[: LIMIT // 2]
        yield big[LIMIT // 2 :]

    streamed = client.post(
        "/api/v1/recommend", content=chunks(), headers={"content-type": "application/json"}
    )
    body = _error(streamed, 413, "input.request.too_large")
    assert body["errors"] == [{"loc": ["body"], "msg": f"a body may have at most {LIMIT} bytes"}]
    form = client.post("/", data={"lang": "zh", "loan_amount": "9" * LIMIT})
    _error(form, 413, "input.request.too_large")


def test_json_that_is_not_utf8_is_400_with_the_error_body(client: TestClient) -> None:
    session = _session(client)
    for path in ("/api/v1/recommend", f"/api/v1/sessions/{session}/answers"):
        reply = _raw(client, path, b'{"text": "\xff\xfe\xfa"}')
        body = _error(reply, UnreadableBodyError.status, UnreadableBodyError.code)
        assert body["error"] == "invalid_request"


def test_the_openapi_document_gives_every_json_route_its_400_and_413(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(operation["responses"]), (method, path)


def test_a_huge_number_typed_in_the_form_page_is_a_form_error_not_a_crash(
    client: TestClient,
) -> None:
    page = client.post("/", data={"lang": "en", "loan_amount": "9" * 400})
    assert page.status_code == 422, page.text[:300]
    assert "loan_amount" in page.text


def test_an_unknown_path_and_a_wrong_method_answer_the_error_body(client: TestClient) -> None:
    _error(client.get("/api/v1/nothing-here"), 404, "http.not_found")
    _error(client.get("/api/v1/recommend"), 405, "http.method_not_allowed")


_SECURITY = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    session = _session(client)
    for reply in (
        client.get("/"),
        client.get("/chat"),
        client.get(f"/chat/{session}"),
        client.get("/healthz"),
        client.get("/api/v1/nothing-here"),
        _raw(client, "/api/v1/recommend", b'{"applicant": {"a": "\\ud800"}}'),
        client.post("/api/v1/recommend", content=b"x" * (LIMIT + 1)),
        client.get("/docs"),
        client.get("/openapi.json"),
    ):
        for name, value in _SECURITY.items():
            assert reply.headers.get(name) == value, (reply.request.url, name)
        csp = reply.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "http" not in csp, csp  # nothing from another origin


def test_the_pages_csp_allows_exactly_their_inline_scripts_and_no_other(
    client: TestClient,
) -> None:
    page = client.get(sign_in_page(client).headers["location"])
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert scripts, "the chat page has its inline script"
    csp = page.headers["content-security-policy"]
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "default-src 'none'" in csp
    assert "style-src 'self' 'unsafe-inline'" in csp  # <style> and the offer bars' widths


def test_swagger_ui_and_redoc_load_everything_from_this_server(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "cdn." not in page.text
        assets = re.findall(r'(?:src|href)="(/static-offline-docs/[^"]+)"', page.text)
        assert assets, path
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        assert "fonts.googleapis" not in page.text


def test_an_exception_in_a_route_is_logged_with_personal_values_masked(
    trained_market: TrainedMarket, bundle: ModelBundle, tmp_path: Path
) -> None:
    phone, credit_code = "13812345678", "91350100M000100Y43"
    app = _app(trained_market, bundle, tmp_path)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"owner {phone} of {credit_code} could not be served")

    stream = io.StringIO()
    level = logging.getLogger().level
    handler = configure_logging("INFO", stream)
    try:
        with TestClient(app, raise_server_exceptions=False) as opened:
            reply = opened.get("/boom")
    finally:
        assert handler is not None
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
    body = _error(reply, 500, "internal")
    assert phone not in reply.text
    assert reply.headers["x-content-type-options"] == "nosniff"
    logged = stream.getvalue()
    assert "Traceback" in logged
    assert "RuntimeError: owner 138****5678 of 91**************43 could not be served" in logged
    assert phone not in logged
    assert credit_code not in logged
    assert body["where"] == {}


def test_an_answer_longer_than_the_api_takes_is_422_naming_the_field(client: TestClient) -> None:
    reply = client.post("/api/v1/recommend", json={"applicant": {"tax_grade": "A" * 201}})
    body = _error(reply, 422, "input.request")
    assert all(loc[:3] == ["body", "applicant", "tax_grade"] for loc in _locs(body))
    many = {f"f{i}": 1 for i in range(201)}
    _error(client.post("/api/v1/recommend", json={"applicant": many}), 422, "input.request")


def test_overlong_fields_of_the_sessions_and_chat_bodies_are_refused_naming_each(
    client: TestClient,
) -> None:
    session = _session(client)
    for path, body, loc in (
        (f"/api/v1/sessions/{session}/answers", {"text": "万" * 201, "question": 0}, "text"),
        (f"/api/v1/sessions/{session}/answers", {"text": "5", "feature": "f" * 65}, "feature"),
        (f"/api/v1/sessions/{session}/consent", {"sources": ["tax"] * 17}, "sources"),
        (f"/api/v1/sessions/{session}/consent", {"sources": ["t" * 33]}, "sources.0"),
        ("/api/v1/sessions", {"lang": "z" * 17}, "lang"),
    ):
        reply = _error(client.post(path, json=body), 422, "input.request")
        named = [".".join(str(part) for part in where[1:]) for where in _locs(reply)]
        assert any(name.startswith(loc) for name in named), (path, named)
    page = client.post(f"/chat/{session}", data={"message": "a" * 1001})
    assert page.status_code == 422
