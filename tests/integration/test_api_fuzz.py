"""Schemathesis against the app's own OpenAPI document, in process (ASGI): every operation, with
data that fits its schema and data that does not, must answer without a server error and as its
document says (status, content type, headers, body schema).

Bounded and deterministic: ``QUICK`` cases per operation and generation mode in ``make test``,
``DEEP`` in ``make acceptance`` (marked ``scenario``), derandomised (the same cases every run), no
example database. Schemathesis never generates lone surrogates
(they cannot be encoded for its wire) and seldom a huge integer, so the second half of this module
sends both, and a number beyond a float's range, to every field of every JSON body.

The measured counts (cases sent, server errors, answers off the schema) are printed
(``pytest -s``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loanmatch.model.directory import load_model
from loanmatch.services.lender_keys import issue_key
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from loanmatch.web.errors import ErrorBody
from tests.conftest import TrainedMarket
from tests.owners import start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QUICK, DEEP = 10, 100
"""Cases per operation and generation mode: in ``make test`` (quick) and ``make acceptance``."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
"""Schemathesis's response checks, and that data off the schema is refused. Not its
``positive_data_acceptance``: a schema-valid value may still be no answer of the catalog (a data
source that does not exist, ``tax_grade: "Z"``), which is a 422 by design."""


@pytest.fixture(scope="module")
def app(trained_market: TrainedMarket, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    where = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{where / 'fuzz.db'}",
    )
    return create_app(settings_, load_model(trained_market.model_dir))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as opened:
        yield opened


@pytest.fixture(scope="module")
def lender_auth(app: FastAPI, client: TestClient, trained_market: TrainedMarket) -> dict[str, str]:
    """A valid key of the market's first lender, so the lender operations get past 401."""
    unit_of_work = app.state.loanmatch_sessions.get().unit_of_work
    lender = load_model(trained_market.model_dir).market.lenders[0]
    _, token = issue_key(unit_of_work(), lender, datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def session_id(client: TestClient) -> str:
    """A real session, so the session operations get past 404 to their own work (the client
    is left signed in as its owner)."""
    started: str = start(client, {}).json()["session_id"]
    return started


@pytest.fixture(scope="module")
def owner_auth(client: TestClient, session_id: str) -> dict[str, str]:
    """The session's owner's token, so the owner operations get past 401."""
    return {"Authorization": client.headers["Authorization"]}


SIGN_OUT = ("DELETE", "/api/v1/identity/tokens/current")
"""Not sent with the owner's token: it would end it for every later case."""


def _auth_for(case: Case[Any], lender: dict[str, str], owner: dict[str, str]) -> dict[str, str]:
    if case.path.startswith("/api/v1/lender/"):
        return lender
    owned = case.path.startswith(("/api/v1/sessions", "/api/v1/identity/me"))
    return owner if owned and (case.method, case.path) != SIGN_OUT else {}


def _check(
    case: Case[Any],
    session_id: str,
    tally: dict[str, int],
    failures: list[str],
    auth: dict[str, str] | None = None,
) -> None:
    """Send ``case`` (on the real session; with ``auth``, the lender's or the owner's, when
    given) and count what comes back."""
    for name, value in (auth or {}).items():
        case.headers[name] = value
    erasing = case.method == "DELETE" and case.path == "/api/v1/sessions/{session_id}"
    if case.path_parameters and "session_id" in case.path_parameters and not erasing:
        case.path_parameters["session_id"] = session_id  # (erasing it would 404 the rest)
    tally["cases"] += 1
    response = case.call()
    if response.status_code >= 500:
        tally["server_errors"] += 1
    if auth and response.status_code != 401:
        tally["as_lender" if case.path.startswith("/api/v1/lender/") else "as_owner"] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as failure:  # a check failed: count it and keep going
        tally["off_schema"] += 1
        failures.append(f"{case.method} {case.path} -> {response.status_code}: {failure}")


def _runner(operation: Any, mode: GenerationMode, examples: int, check: Any) -> Any:
    """Hypothesis over ``operation``'s cases in ``mode``, each passed to ``check``."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Case[Any]) -> None:
        check(case)

    return run


@pytest.mark.parametrize(
    "examples", [QUICK, pytest.param(DEEP, marks=pytest.mark.scenario)], ids=["quick", "deep"]
)
def test_no_generated_request_gets_a_server_error_or_an_answer_off_its_schema(
    app: FastAPI,
    client: TestClient,
    session_id: str,
    lender_auth: dict[str, str],
    owner_auth: dict[str, str],
    examples: int,
) -> None:
    """Each operation in both modes; the positive cases of lender operations as a lender (its
    key) and of owner operations as the session's owner (its token), the negative ones with
    whatever credentials were generated."""
    # schemathesis.pytest.from_fixture breaks on pytest 9 (request.node._nodeid), so each
    # operation's strategies are run here under hypothesis directly
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    tally = {"cases": 0, "server_errors": 0, "off_schema": 0, "as_lender": 0, "as_owner": 0}
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) >= 8
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            positive = mode is GenerationMode.POSITIVE

            run = _runner(operation, mode, examples, lambda c, p=positive: _check(
                c, session_id, tally, failures,
                _auth_for(c, lender_auth, owner_auth) if p else None))  # fmt: skip

            try:
                run()
            except Unsatisfiable:
                # no data off the schema exists (an operation without parameters or body)
                assert mode is GenerationMode.NEGATIVE, operation.label
    print(  # the measured counts, for the record (pytest -s)
        f"\nschemathesis ({examples} a mode): {tally['cases']} cases over {len(operations)} "
        f"operations, {tally['server_errors']} server errors, {tally['off_schema']} off the schema"
        f", {tally['as_lender']} lender and {tally['as_owner']} owner cases past authentication"
    )
    assert tally["as_lender"] > 0, "the lender operations were fuzzed as a lender"
    assert tally["as_owner"] > 0, "the owner operations were fuzzed as the owner"
    assert tally["server_errors"] == 0, failures[:5]
    assert failures == [], f"{len(failures)} answers off the schema: {failures[:5]}"


def _json_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            yield method, path, sorted(schemas[ref]["properties"])


_POISON = {
    "a lone surrogate": '"\\ud800"',
    "a huge integer": "1" + "0" * 400,
    "a number beyond a float": "1e400",
    "a surrogate in a list": '["\\udfff"]',
}


@pytest.mark.parametrize("poison", sorted(_POISON))
def test_a_poisoned_value_in_any_field_of_any_json_body_is_refused_naming_it(
    app: FastAPI, client: TestClient, session_id: str, poison: str
) -> None:
    sent = 0
    for method, path, fields in _json_operations(app.openapi()):
        url = path.replace("{session_id}", session_id).replace("{feature}", "loan_amount")
        for field in fields:
            raw = f'{{"{field}": {_POISON[poison]}}}'.encode()
            reply = client.request(
                method.upper(), url, content=raw, headers={"content-type": "application/json"}
            )
            assert reply.status_code == 422, (method, path, field, reply.text)
            body = ErrorBody.model_validate(reply.json())
            assert body.errors is not None
            assert body.errors[0].loc[:2] == ["body", field], (path, field)
            json.dumps(reply.json(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8
            sent += 1
    assert sent >= 8, "every JSON body's fields were tried"
