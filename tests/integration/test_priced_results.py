"""Priced offers, reason codes and the "not yet" plan, through the service, the page and the API.

Uses the session's trained market, whose model directory holds the PD model and pricing.yaml.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.errors import ModelError
from loanmatch.intake.answers import parse_answers
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.plan import apply_changes
from loanmatch.services.recommend import recommend_file, recommend_one, recommend_values
from loanmatch.services.results import ApplicantResult, PolicyConfig
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from loanmatch.web.views import form_features
from tests.conftest import TrainedMarket


@pytest.fixture(scope="module")
def bundle(trained_market: TrainedMarket) -> ModelBundle:
    return load_model(trained_market.model_dir)


@pytest.fixture(scope="module")
def client(trained_market: TrainedMarket, bundle: ModelBundle) -> TestClient:
    settings = Settings(market_dir=trained_market.market, model_dir=trained_market.model_dir)
    return TestClient(create_app(settings, bundle))


def _answers(trained_market: TrainedMarket, bundle: ModelBundle) -> list[dict[str, str]]:
    asked = [f.name for f in form_features(bundle.market.catalog)]
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        return [{name: row.get(name) or "" for name in asked} for row in csv.DictReader(handle)]


def _typed(bundle: ModelBundle, answers: dict[str, str]) -> dict[str, Any]:
    record = parse_answers(bundle.market.catalog, answers, strict=False).record
    return {k: v for k, v in record.items() if v is not None}


@pytest.fixture(scope="module")
def owner_with_plan(
    trained_market: TrainedMarket, bundle: ModelBundle
) -> tuple[dict[str, str], ApplicantResult]:
    """A simulated owner with no offer whose plan has at least one verified change."""
    for answers in _answers(trained_market, bundle)[:200]:
        result = recommend_one(bundle, _typed(bundle, answers), PolicyConfig())
        if not result.offers and result.plan:
            return answers, result
    pytest.fail("no simulated owner without an offer has a plan")


@pytest.fixture(scope="module")
def priced_result(bundle: ModelBundle, answers_with_offers: dict[str, str]) -> ApplicantResult:
    return recommend_one(bundle, _typed(bundle, answers_with_offers), PolicyConfig())


def test_the_model_directory_holds_the_pd_model_and_pricing_and_says_so(
    bundle: ModelBundle, trained_market: TrainedMarket
) -> None:
    assert bundle.pd_model is not None
    assert bundle.pricing is not None
    meta = json.loads((trained_market.model_dir / "meta.json").read_text(encoding="utf-8"))
    assert {"pd_model.pkl", "pricing.yaml"} <= set(meta["files"])
    assert 0.5 < meta["risk"]["pd_auc"] <= 1.0


def test_a_changed_pd_model_file_is_refused(trained_market: TrainedMarket, tmp_path: Path) -> None:
    copy = shutil.copytree(trained_market.model_dir, tmp_path / "model")
    with open(copy / "pd_model.pkl", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ModelError, match=r"pd_model\.pkl"):
        load_model(copy)


def test_a_directory_without_pricing_still_loads_and_offers_are_unpriced(
    trained_market: TrainedMarket, tmp_path: Path, answers_with_offers: dict[str, str]
) -> None:
    copy = shutil.copytree(trained_market.model_dir, tmp_path / "old")
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    for name in ("pd_model.pkl", "pricing.yaml"):
        (copy / name).unlink()
        del meta["files"][name]
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    old = load_model(copy)
    assert old.pd_model is None
    assert old.pricing is None
    result = recommend_one(old, _typed(old, answers_with_offers), PolicyConfig())
    assert result.offers
    assert not result.priced
    assert all(o.quote is None for o in result.offers)


def test_every_offer_is_priced_within_its_range_the_legal_line_and_the_owners_maximum(
    priced_result: ApplicantResult, answers_with_offers: dict[str, str], bundle: ModelBundle
) -> None:
    owner_max = _typed(bundle, answers_with_offers).get("max_acceptable_rate")
    assert priced_result.priced
    assert priced_result.offers
    for offer in priced_result.offers:
        quote = offer.quote
        assert quote is not None
        assert quote.offered
        assert quote.all_in_rate is not None
        assert offer.tier in ("A", "B", "C", "D", "E")
        assert sum((line.rate for line in quote.waterfall), Decimal(0)) == quote.rate
        if offer.product.rate_max is not None:
            assert quote.rate <= Decimal(repr(offer.product.rate_max))
        assert quote.all_in_rate <= Decimal(24)
        if owner_max is not None:
            assert quote.all_in_rate <= Decimal(repr(float(owner_max)))


def test_offers_never_exceed_the_inquiry_budget_and_rank_by_benefit_score(
    priced_result: ApplicantResult,
) -> None:
    offers = priced_result.offers
    assert len(offers) <= priced_result.max_offers
    scores = [o.score if o.score is not None else -1.0 for o in offers]
    assert min(scores) >= 0.0
    assert scores == sorted(scores, reverse=True)


def test_every_exclusion_carries_a_listed_reason_code_with_its_text(
    priced_result: ApplicantResult,
) -> None:
    codes = default_reason_codes()
    for exclusion in priced_result.excluded:
        assert exclusion.code in codes.texts, exclusion
        assert exclusion.code_text == codes.text(exclusion.code)
        if exclusion.kind == "low_probability":
            assert exclusion.code == "R11"
        if exclusion.kind == "unknown":
            assert exclusion.code == "R14"


def test_every_suggestion_of_the_plan_opens_its_product_when_re_verified(
    bundle: ModelBundle, owner_with_plan: tuple[dict[str, str], ApplicantResult]
) -> None:
    answers, result = owner_with_plan
    values = bundle.market.catalog.encode_record(_typed(bundle, answers))
    bundle.complete(values)
    for step in result.plan:
        changed = apply_changes(
            bundle, values, np.zeros(1, dtype=np.intp), [{c.feature: c.new for c in step.changes}]
        )
        batch = recommend_values(bundle, np.array(["again"], dtype=object), changed, PolicyConfig())
        j = bundle.market.product_ids.index(step.product.id)
        assert batch.rank[0, j] > 0, step.text.en
        assert batch.p_decision[0, j] >= batch.threshold
        assert math.isclose(batch.p_decision[0, j], step.p_approve)


def test_the_plan_never_changes_a_fact_the_owner_cannot_change(
    bundle: ModelBundle, owner_with_plan: tuple[dict[str, str], ApplicantResult]
) -> None:
    catalog = bundle.market.catalog
    for step in owner_with_plan[1].plan:
        for change in step.changes:
            feature = catalog[change.feature]
            assert feature.actionable is not None, change
            if feature.actionable in ("time", "start"):
                assert step.wait_months > 0
                assert change.new > change.old


def test_recommendations_csv_has_the_rate_of_every_priced_offer(
    trained_market: TrainedMarket, tmp_path: Path, bundle: ModelBundle
) -> None:
    out = tmp_path / "recommendations.csv"
    recommend_file(trained_market.model_dir, trained_market.applicants, out, PolicyConfig())
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert {"rate", "all_in_rate", "tier"} <= set(rows[0])
    products = {p.id: p for p in bundle.market.products}
    for row in rows:
        assert row["rate"], row
        product = products[row["product_id"]]
        assert product.rate_min is None or float(row["rate"]) >= product.rate_min
        assert product.rate_max is None or float(row["rate"]) <= product.rate_max


def test_the_page_shows_the_all_in_cost_the_waterfall_and_the_tier_of_each_offer(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/", data={**answers_with_offers, "lang": "zh"}).text
    assert "综合年化成本" in page
    assert "名义年利率" in page
    assert re.search(r'class="all-in">\d+\.\d\d%<', page)
    assert 'class="waterfall"' in page
    assert "资金成本" in page
    assert "预期损失" in page
    assert re.search(r'class="tier tier-[A-E]">[A-E]<', page)
    assert 'id="inquiry-note"' in page
    assert "征信" in page


def test_the_page_shows_reason_codes_for_excluded_products(
    client: TestClient, answers_with_offers: dict[str, str]
) -> None:
    page = client.post("/", data={**answers_with_offers, "lang": "en"}).text
    assert re.search(r'<span class="code"[^>]*>R\d\d</span>', page)


def test_an_owner_without_an_offer_sees_the_verified_plan(
    client: TestClient, owner_with_plan: tuple[dict[str, str], ApplicantResult]
) -> None:
    answers, result = owner_with_plan
    page = client.post("/", data={**answers, "lang": "zh"}).text
    assert 'id="plan"' in page
    assert result.plan[0].text.zh in page
    assert "可获批（获批概率" in page


def test_the_api_returns_rate_waterfall_tier_codes_and_plan(
    client: TestClient,
    answers_with_offers: dict[str, str],
    owner_with_plan: tuple[dict[str, str], ApplicantResult],
) -> None:
    applicant = {k: v for k, v in answers_with_offers.items() if v}
    body = client.post("/api/v1/recommend", json={"applicant": applicant}).json()
    offer = body["offers"][0]
    assert body["priced"] is True
    assert offer["rate"] is not None
    assert offer["all_in_rate"] >= offer["rate"] - 1e-9
    assert {w["key"] for w in offer["waterfall"]} >= {"funding", "expected_loss", "profit"}
    assert offer["tier"] in list("ABCDE")
    assert all(e["code"].startswith("R") for e in body["excluded"])
    answers = {k: v for k, v in owner_with_plan[0].items() if v}
    no_offer = client.post("/api/v1/recommend", json={"applicant": answers}).json()
    assert not no_offer["offers"]
    assert no_offer["plan"]
    assert no_offer["plan"][0]["p_approve"] >= no_offer["threshold"]
