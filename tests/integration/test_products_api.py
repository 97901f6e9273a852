"""The lender products API over the real app (a trained simulated market, a SQLite file): a
lender saves a draft, tries it, publishes it; the next session's result follows the published
rules; another lender's product is 404 (races: tests/integration/storage/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from loanmatch.model.directory import load_model
from loanmatch.services.lender_keys import issue_key
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.owners import start

TIGHT = {
    "rule": "loan_amount <= 10000",
    "dimension": "product",
    "reason": {"zh": "申请金额不超过1万元（收紧）", "en": "at most 10,000 yuan (tightened)"},
}


@pytest.fixture(scope="module")
def served(trained_market: TrainedMarket, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    tuple[TestClient, dict[str, Any]]
]:  # fmt: skip
    where = tmp_path_factory.mktemp("products-api")
    settings = Settings(market_dir=trained_market.market, model_dir=trained_market.model_dir,
                        database_url=f"sqlite:///{where / 'products.db'}")  # fmt: skip
    app = create_app(settings, load_model(trained_market.model_dir))
    with TestClient(app) as client:
        yield client, yaml.safe_load(trained_market.products.read_text(encoding="utf-8"))[0]


def _auth(client: TestClient, lender: str, *scopes: str) -> dict[str, str]:
    unit_of_work = client.app.state.loanmatch_sessions.get().unit_of_work  # type: ignore[attr-defined]
    chosen = scopes or ("products:read", "products:write")
    _, token = issue_key(unit_of_work(), lender, datetime.now(UTC), chosen)
    return {"Authorization": f"Bearer {token}"}


def _result(client: TestClient, owner: str) -> dict[str, Any]:
    session = start(client, {"owner_id": owner}).json()["session_id"]
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
    client.post(f"/api/v1/sessions/{session}/answers",
                json={"text": "50万", "feature": "loan_amount"})  # fmt: skip
    done = client.post(f"/api/v1/sessions/{session}/finish").json()
    result: dict[str, Any] = done["result"]
    return result


def test_a_published_tightening_excludes_the_product_from_new_sessions_with_its_reason(
    served: tuple[TestClient, dict[str, Any]],
) -> None:
    client, product = served
    pid, lender = product["id"], product["lender"]
    auth = _auth(client, lender)
    before = _result(client, "13900000001")
    assert TIGHT["reason"]["zh"] not in str(before)  # type: ignore[index]
    draft = client.post("/api/v1/lender/products", headers=auth, json={
        "product": {**product, "rules": [*product["rules"], TIGHT], "tests": []}, "note": "收紧",
    })  # fmt: skip
    assert draft.status_code == 201, draft.text
    version = draft.json()["version"]["version"]
    tried = client.post(f"/api/v1/lender/products/{pid}/versions/{version}/dry-run", headers=auth)
    assert tried.status_code == 200, tried.text
    trial, current = tried.json()["trial"], tried.json()["current"]
    assert trial["applicants"] > 0
    assert trial["eligible"] <= current["eligible"]
    assert trial["top_reasons"][0]["rule"] == "loan_amount <= 10000"
    assert current["version"] is None, "nothing published yet: the trained product"
    if trial["eligible"]:
        assert 0 < trial["expected_approval"] < 1
    published = client.post(f"/api/v1/lender/products/{pid}/versions/{version}/publish",
                            headers=auth, json={})  # fmt: skip
    assert published.status_code == 200, published.text
    after = _result(client, "13900000002")
    mine = [e for e in after["excluded"] if e["product_id"] == pid]
    assert mine, "the product is excluded now"
    assert mine[0]["kind"] == "rule"
    assert any("1万元" in reason for reason in mine[0]["reasons"]), mine[0]
    assert pid not in {o["product_id"] for o in after["offers"]}
    listed = client.get("/api/v1/lender/products", headers=auth).json()
    assert {p["lender_id"] for p in listed} == {lender}
    assert next(p for p in listed if p["product_id"] == pid)["active_version"] == version
    back = client.post(f"/api/v1/lender/products/{pid}/rollback", headers=auth,
                       json={"version": version})  # fmt: skip
    assert back.status_code == 201, back.text
    assert back.json()["version"] == version + 1


def test_another_lenders_product_is_404_and_a_foreign_lender_field_403(
    served: tuple[TestClient, dict[str, Any]],
) -> None:
    client, product = served
    other = "someone_else"
    auth = _auth(client, other)
    for method, path, body in (
        ("GET", f"/api/v1/lender/products/{product['id']}/versions", None),
        ("POST", f"/api/v1/lender/products/{product['id']}/versions/1/dry-run", None),
        ("POST", f"/api/v1/lender/products/{product['id']}/versions/1/publish", {}),
        ("POST", f"/api/v1/lender/products/{product['id']}/rollback", {"version": 1}),
        ("GET", "/api/v1/lender/products/no_such_product/versions", None),
    ):
        answer = client.request(method, path, headers=auth, json=body)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["code"] == "product.not_found"
    theirs = client.post("/api/v1/lender/products", headers=auth, json={"product": product})
    assert theirs.status_code == 403, theirs.text
    taken = client.post("/api/v1/lender/products", headers=auth,
                        json={"product": {**product, "lender": other}})  # fmt: skip
    assert taken.status_code == 404, taken.text


def test_a_draft_with_errors_or_failing_tests_answers_the_files_messages(
    served: tuple[TestClient, dict[str, Any]],
) -> None:
    client, product = served
    auth = _auth(client, product["lender"])
    text = f"id: {product['id']}\nlender: {product['lender']}\nkind: {product['kind']}\n" \
        "rules:\n  - rule: tax_grade >= A\n"  # fmt: skip
    bad = client.post("/api/v1/lender/products", headers=auth, json={"yaml": text})
    assert bad.status_code == 422
    assert bad.json()["code"] == "input.rule"
    assert (bad.json()["where"]["line"], bad.json()["where"]["rule"]) == (5, "tax_grade >= A")
    case = {"name": "大额", "facts": {"loan_amount": 500000}, "expect": "eligible"}
    draft = client.post("/api/v1/lender/products", headers=auth, json={"product": {
        **product, "rules": [TIGHT], "tests": [case]}})  # fmt: skip
    assert draft.status_code == 201, draft.text
    assert not draft.json()["tests_pass"]
    number = draft.json()["version"]["version"]
    refused = client.post(f"/api/v1/lender/products/{product['id']}/versions/{number}/publish",
                          headers=auth, json={})  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["code"] == "input.products.rule_test"
    assert refused.json()["rule"] == "loan_amount <= 10000"
    read_only = _auth(client, product["lender"], "products:read")
    denied = client.post("/api/v1/lender/products", headers=read_only, json={"product": product})
    assert denied.status_code == 401
