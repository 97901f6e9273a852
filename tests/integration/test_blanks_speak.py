"""Blanks that speak (issue 11 part 3): when an unknown fact alone stands between an owner and
products, the result, the form page, the chat and the engine name it, with how many products it
would open, computed by re-matching (the real recommender over the trained market)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from loanmatch.adapters.tables import read_table
from loanmatch.domain.catalog import Scalar
from loanmatch.intake.answers import parse_answers
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.prior import Prior
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.recommend import recommend_one
from loanmatch.matching.results import ApplicantResult, RecommendPolicy
from loanmatch.matching.unlock import rule_candidates, unlock_text
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BLANK = "owner_bureau_score"


@pytest.fixture(scope="module")
def bundle(trained_market: TrainedMarket) -> ModelBundle:
    return load_model(trained_market.model_dir)


@pytest.fixture(scope="module")
def prior(trained_market: TrainedMarket, bundle: ModelBundle) -> Prior:
    catalog = bundle.market.catalog
    return Prior.from_table(catalog, read_table(trained_market.applicants, catalog))


@pytest.fixture(scope="module")
def client(trained_market: TrainedMarket, bundle: ModelBundle) -> TestClient:
    settings = Settings(market_dir=trained_market.market, model_dir=trained_market.model_dir)
    return TestClient(create_app(settings, bundle))


def _typed(bundle: ModelBundle, answers: dict[str, str]) -> dict[str, Scalar]:
    record = parse_answers(bundle.market.catalog, answers, strict=False).record
    return {k: v for k, v in record.items() if v is not None}


def _blanked(bundle: ModelBundle, answers: dict[str, str], prior: Prior) -> ApplicantResult:
    typed = _typed(bundle, answers)
    typed.pop(BLANK, None)
    return recommend_one(bundle, typed, RecommendPolicy(), candidates=prior.plausible_values())


def test_the_blank_bureau_score_that_blocks_every_offer_is_named_with_the_products_it_opens(
    bundle: ModelBundle, answers_with_offers: dict[str, str], prior: Prior
) -> None:
    result = _blanked(bundle, answers_with_offers, prior)
    assert not result.offers
    first = result.unlocks[0]
    assert first.feature == BLANK
    assert first.count >= 1
    assert first.source == "bureau"
    assert first.text.zh == f"授权查询征信（经营者征信评分）后，可能有 {first.count} 个产品可以申请"
    assert first.answer_text.zh == f"补充经营者征信评分后，可能有 {first.count} 个产品可以申请"
    assert "more product" in first.text.en


def test_every_product_counted_for_a_blank_is_opened_by_one_of_its_plausible_values(
    bundle: ModelBundle, answers_with_offers: dict[str, str], prior: Prior
) -> None:
    result = _blanked(bundle, answers_with_offers, prior)
    counted = {p.id for p in result.unlocks[0].products}
    typed = _typed(bundle, answers_with_offers)
    opened: set[str] = set()
    for value in prior.plausible_values()[BLANK]:
        filled = recommend_one(bundle, {**typed, BLANK: value}, RecommendPolicy())
        opened |= {o.product.id for o in filled.offers}
        opened |= {e.product.id for e in filled.excluded if e.kind in ("price", "max_offers")}
    assert counted <= opened


def test_a_fact_already_known_is_never_named_as_a_blank(
    bundle: ModelBundle, answers_with_offers: dict[str, str], prior: Prior
) -> None:
    typed = _typed(bundle, answers_with_offers)
    result = recommend_one(bundle, typed, RecommendPolicy(), candidates=prior.plausible_values())
    assert all(u.feature not in typed for u in result.unlocks)


def test_without_a_prior_a_number_is_tried_at_its_rules_boundaries_and_range_ends(
    bundle: ModelBundle,
) -> None:
    catalog = bundle.market.catalog
    feature = catalog[BLANK]
    tried = rule_candidates(catalog, bundle.market.products, feature)
    assert feature.min in tried
    assert feature.max in tried
    assert all(feature.min <= v <= feature.max for v in tried if feature.min and feature.max)


def test_an_asked_fact_is_a_fact_to_fill_in_and_one_product_is_singular_in_english(
    bundle: ModelBundle,
) -> None:
    asked = next(f for f in bundle.market.catalog.features if f.source == "ask")
    text = unlock_text(asked, 1)
    assert text.zh.startswith("补充")
    assert text.en.endswith("1 more product could be checked")


def test_the_form_page_says_which_blank_blocks_the_offer_and_highlights_its_field(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    answers = {**answers_with_offers, BLANK: "", "lang": "zh"}
    page = client.post("/form", data=answers).text
    assert 'id="no-offer"' in page
    unlocks = page.split('id="unlocks"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"补充经营者征信评分后，可能有 \d+ 个产品可以申请", unlocks)
    assert 'href="#f-owner_bureau_score"' in unlocks
    field = page.split('<label for="f-owner_bureau_score"', 1)[0].rsplit('<div class="field', 1)[1]
    assert "unlocks-field" in field
    assert 'id="u-owner_bureau_score"' in page


def test_the_form_page_in_english_names_the_blank_too(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/form", data={**answers_with_offers, BLANK: "", "lang": "en"}).text
    said = r"With Owner&#39;s credit-bureau score filled in, \d+ more products? could be checked"
    assert re.search(said, page)


def test_filling_the_named_blank_gives_offers_and_no_blank_message(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/form", data={**answers_with_offers, "lang": "zh"}).text
    assert 'class="offer"' in page
    assert "补充经营者征信评分后" not in page


def test_every_no_offer_result_of_the_form_has_a_next_step(client: TestClient) -> None:
    for answers in ({}, {"loan_amount": "50万"}, {"industry": "J", "loan_amount": "1"}):
        page = client.post("/form", data={**answers, "lang": "zh"}).text
        if 'id="no-offer"' not in page:
            continue
        assert 'id="unlocks"' in page or 'id="plan"' in page


def test_the_form_hides_the_tobacco_licence_years_until_the_owner_holds_a_licence(
    client: TestClient,
) -> None:
    empty = client.get("/form").text
    assert 'name="has_tobacco_licence"' in empty
    assert 'name="tobacco_licence_years"' not in empty
    assert 'id="relevant-hint"' in empty
    holder = client.post("/form", data={"has_tobacco_licence": "true", "lang": "zh"}).text
    assert 'name="tobacco_licence_years"' in holder


def test_the_served_engine_asks_the_blank_that_blocks_every_offer_first(
    trained_market: TrainedMarket,
    bundle: ModelBundle,
    prior: Prior,
    answers_with_offers: dict[str, str],
) -> None:
    typed = _typed(bundle, answers_with_offers)
    typed.pop(BLANK)
    engine = IntakeEngine(bundle, RecommendPolicy(), prior, budget=None, finish_products=True)
    state = IntakeState(
        facts={k: Fact(v, "asked") for k, v in typed.items()},
        sources=dict.fromkeys(("registry", "tax", "bureau", "bank"), "declined"),
    )
    question = engine.next_question(state)
    assert question is not None
    assert question.feature.name == BLANK
    assert "可能有" in question.why.zh


def test_the_api_adds_the_blanks_to_its_answer_without_renaming_a_field(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v and k != BLANK}
    body = client.post("/api/v1/recommend", json={"applicant": applicant, "lang": "zh"}).json()
    assert {"offers", "excluded", "no_offer_reasons", "plan", "threshold"} <= set(body)
    first = body["unlocks"][0]
    assert first["feature"] == BLANK
    assert first["source"] == "bureau"
    assert first["products"]
    assert first["text"].startswith("授权查询征信")
    n = len(first["products"])
    assert first["answer_text"] == f"补充经营者征信评分后，可能有 {n} 个产品可以申请"
