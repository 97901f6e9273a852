"""A real uvicorn server over real HTTP: the form, the API, health and the OpenAPI document."""

from __future__ import annotations

import re
import time

import httpx


def test_the_server_answers_health_checks(live_server: str) -> None:
    body = httpx.get(f"{live_server}/healthz").json()
    assert body["status"] == "ok"
    assert body["products"] > 0


def test_posting_the_form_over_http_returns_offers(
    live_server: str, answers_with_offers: dict[str, str]
) -> None:
    reply = httpx.post(f"{live_server}/", data={**answers_with_offers, "lang": "zh"}, timeout=30)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert 'class="offer"' in reply.text
    assert re.search(r"\d+\.\d%", reply.text)


def test_a_bad_form_answer_over_http_is_422_and_keeps_the_answers(live_server: str) -> None:
    reply = httpx.post(f"{live_server}/", data={"owner_age": "200", "loan_amount": "80万"})
    assert reply.status_code == 422
    assert "不能大于" in reply.text
    assert 'value="80万"' in reply.text


def test_the_json_api_over_http_returns_offers(
    live_server: str, answers_with_offers: dict[str, str]
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v}
    reply = httpx.post(f"{live_server}/api/v1/recommend", json={"applicant": applicant})
    assert reply.status_code == 200
    assert reply.json()["offers"]


def test_one_recommendation_over_http_takes_well_under_a_second(
    live_server: str, answers_with_offers: dict[str, str]
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v}
    with httpx.Client(base_url=live_server) as client:
        client.post("/api/v1/recommend", json={"applicant": applicant})
        started = time.perf_counter()
        for _ in range(20):
            assert client.post("/api/v1/recommend", json={"applicant": applicant}).is_success
        per_request = (time.perf_counter() - started) / 20
    assert per_request < 0.5


def test_the_openapi_document_is_served(live_server: str) -> None:
    spec = httpx.get(f"{live_server}/openapi.json").json()
    assert "/api/v1/recommend" in spec["paths"]
    assert httpx.get(f"{live_server}/docs").status_code == 200
