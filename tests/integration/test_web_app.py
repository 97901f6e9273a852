"""The demo page and the JSON API, in process (FastAPI's TestClient over the real app)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket


@pytest.fixture(scope="module")
def client(trained_market: TrainedMarket) -> TestClient:
    settings = Settings(market_dir=trained_market.market, model_dir=trained_market.model_dir)
    return TestClient(create_app(settings, load_model(trained_market.model_dir)))


def test_the_front_door_starts_the_few_questions_journey_and_links_the_full_form(
    client: TestClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert 'id="start" method="post" action="/chat"' in page.text
    assert 'id="full-form" href="/form?lang=zh"' in page.text
    assert 'name="loan_amount"' not in page.text


def test_the_old_sample_link_of_the_front_page_goes_to_the_form_with_a_sample(
    client: TestClient,
) -> None:
    moved = client.get("/", params={"sample": "1", "lang": "en"}, follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/form?lang=en&sample=1"


def test_the_form_page_is_chinese_by_default_with_a_field_per_asked_feature(
    client: TestClient,
) -> None:
    page = client.get("/form")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "小微企业贷款匹配" in page.text
    assert 'name="loan_amount"' in page.text
    assert "贷款需求" in page.text  # the request group's heading


def test_derived_and_protected_features_are_not_asked(client: TestClient) -> None:
    page = client.get("/form").text
    assert 'name="debt_to_revenue"' not in page
    assert 'name="owner_gender"' not in page


def test_the_english_switch_gives_the_english_page(client: TestClient) -> None:
    page = client.get("/form", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "SME loan matching" in page.text
    assert 'href="/form?lang=zh"' in page.text


def test_the_sample_button_fills_the_form_with_a_simulated_enterprise(client: TestClient) -> None:
    page = client.get("/form", params={"sample": "1"}).text
    filled = re.findall(r'name="(\w+)" type="text" value="([^"]+)"', page)
    assert filled, "a sample enterprise should fill some text fields"


def test_posting_good_answers_shows_ranked_offers_with_probability_rate_and_term(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/", data={**answers_with_offers, "lang": "zh"})
    assert page.status_code == 200
    assert "为您推荐" in page.text
    assert 'class="offer"' in page.text
    shown = re.findall(r'class="p"[^>]*>([^<]*)<', page.text)
    assert shown
    assert all(re.fullmatch(r"约\d+%–\d+%|\d+%以上|约\d+%", p) for p in shown), shown
    results = page.text.split('id="results"', 1)[1].split('<form id="answers"', 1)[0]
    assert not re.search(r">[^<]*100(\.0)?%", results)  # a band, never a guarantee
    assert "年利率" in page.text
    assert "个月" in page.text
    assert "未推荐的产品" in page.text


def test_posting_in_english_shows_english_offers(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/", data={**answers_with_offers, "lang": "en"})
    assert "Recommended for you" in page.text
    assert "Nominal annual rate" in page.text
    assert "All-in annual cost" in page.text


def test_an_empty_form_shows_no_offer_and_the_main_reasons(client: TestClient) -> None:
    page = client.post("/", data={"lang": "zh"})
    assert page.status_code == 200
    assert "暂时没有可以推荐的产品" in page.text


def test_a_bad_answer_re_renders_the_form_with_its_error_and_keeps_the_others(
    client: TestClient,
) -> None:
    page = client.post(
        "/", data={"lang": "zh", "loan_amount": "很多", "owner_age": "45", "tax_grade": "B"}
    )
    assert page.status_code == 422
    assert "不是有效的数字" in page.text
    assert 'value="很多"' in page.text
    assert 'value="45"' in page.text
    assert re.search(r'<option value="B"\s+selected>', page.text)


def test_money_in_wan_is_accepted_by_the_form(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    amount = float(answers_with_offers.get("loan_amount") or 100000)
    answers = {**answers_with_offers, "loan_amount": f"{amount / 10000:g}万"}
    assert client.post("/", data=answers).status_code == 200


def test_the_api_returns_offers_and_exclusions_for_json_answers(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v}
    reply = client.post("/api/v1/recommend", json={"applicant": applicant, "lang": "en"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["offers"]
    first = body["offers"][0]
    assert first["rank"] == 1
    assert first["p_approve"] >= body["threshold"]
    assert {"product_id", "product_name", "lender", "rate_min", "term_months"} <= set(first)
    assert len(body["offers"]) + len(body["excluded"]) == client.get("/healthz").json()["products"]


def test_the_api_keeps_the_number_and_adds_the_band_the_page_shows(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v}
    body = client.post("/api/v1/recommend", json={"applicant": applicant, "lang": "zh"}).json()
    for offer in body["offers"]:
        assert 0.0 <= offer["p_approve"] <= 1.0
        band = offer["p_band"]
        assert band is not None
        assert band["low"] <= band["high"] <= 1.0
        assert band["pairs"] >= band["approved"] >= 0
        assert band["confidence"] == 0.9
        assert offer["p_text"]
        assert "100%" not in offer["p_text"]
        assert offer["reasons"][0] == f"预计获批概率{offer['p_text']}"
    for excluded in body["excluded"]:
        if excluded["kind"] == "low_probability":
            assert excluded["p_text"].startswith("约")


def test_a_bad_api_answer_is_422_with_a_machine_readable_body(client: TestClient) -> None:
    reply = client.post("/api/v1/recommend", json={"applicant": {"tax_grade": "Z"}})
    assert reply.status_code == 422
    body = reply.json()
    assert body["error"] == "invalid_answer"
    assert body["where"] == {"feature": "tax_grade"}
    assert "message_zh" in body


def test_an_unknown_feature_in_the_api_is_422(client: TestClient) -> None:
    reply = client.post("/api/v1/recommend", json={"applicant": {"shoe_size": 42}})
    assert reply.status_code == 422
    assert reply.json()["where"]["feature"] == "shoe_size"


def test_a_malformed_api_body_is_422_with_the_same_shape(client: TestClient) -> None:
    reply = client.post("/api/v1/recommend", json={"lang": "en"})
    assert reply.status_code == 422
    assert reply.json()["error"] == "invalid_request"
    assert "applicant" in reply.json()["message"]


def test_health_and_openapi_are_served(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert "/api/v1/recommend" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_a_unit_already_in_the_label_is_not_repeated(client: TestClient) -> None:
    page = client.get("/form").text
    assert "（元）（元）" not in page
    assert '<span class="unit">（年）</span>' in page  # 成立年限 has no unit in its label


def test_what_was_typed_is_escaped_when_the_page_shows_it_again(client: TestClient) -> None:
    page = client.post("/", data={"loan_amount": '"><script>alert(1)</script>'})
    assert page.status_code == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
