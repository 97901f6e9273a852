"""The portal's product pages over the real app (a trained simulated market, a SQLite file): a
manager edits a product's YAML, saves a draft (errors named with their line), tries it, publishes
it and rolls back; officers and other lenders cannot."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import yaml
from fastapi.testclient import TestClient

from loanmatch.domain.products import Product
from loanmatch.model.directory import load_model
from loanmatch.services.staff import add_staff
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.integration.test_lender_portal import PASSWORD, csrf, login

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def app(trained_market: TrainedMarket, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    TestClient
]:  # fmt: skip
    where = tmp_path_factory.mktemp("portal-products")
    settings = Settings(market_dir=trained_market.market, model_dir=trained_market.model_dir,
                        database_url=f"sqlite:///{where / 'portal.db'}")  # fmt: skip
    with TestClient(create_app(settings, load_model(trained_market.model_dir))) as client:
        yield client


def _staff(app: TestClient, lender: str, username: str, role: str) -> TestClient:
    unit_of_work = app.app.state.loanmatch_sessions.get().unit_of_work  # type: ignore[attr-defined]
    add_staff(unit_of_work(), lender, username, PASSWORD, role, datetime.now(UTC))
    browser = TestClient(app.app)
    assert login(browser, username, PASSWORD).status_code == 303
    return browser


def _first_product(app: TestClient) -> tuple[str, str]:
    product = load_model_market(app)[0]
    return product.id, product.lender


def load_model_market(app: TestClient) -> list[Product]:
    market = app.app.state.loanmatch_sessions.get().market  # type: ignore[attr-defined]
    return list(market.products)


def test_a_manager_edits_saves_tries_publishes_and_rolls_back_a_product(app: TestClient) -> None:
    product_id, lender = _first_product(app)
    mia = _staff(app, lender, "mia", "manager")
    listed = mia.get("/lender/products")
    assert listed.status_code == 200
    assert f'data-product="{product_id}"' in listed.text
    page = mia.get(f"/lender/products/{product_id}")
    text = re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page.text, re.DOTALL)
    assert text is not None
    body = yaml.safe_load(html.unescape(text.group(1)))
    assert body["id"] == product_id
    body["rules"].append({"rule": "loan_amount <= 20000", "dimension": "product"})
    body.pop("tests", None)
    saved = mia.post("/lender/products/drafts", follow_redirects=False, data={
        "csrf": csrf(page.text), "text": yaml.safe_dump(body, allow_unicode=True),
        "product_id": product_id, "note": "tighter",
    })  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith("saved=1")
    tried = mia.get(f"/lender/products/{product_id}/versions/1/dry-run")
    assert tried.status_code == 200
    assert 'id="dry-run-plot"' in tried.text
    assert "loan_amount &lt;= 20000" in tried.text
    page = mia.get(f"/lender/products/{product_id}")
    published = mia.post(f"/lender/products/{product_id}/versions/1/publish",
                         data={"csrf": csrf(page.text), "effective_at": ""},
                         follow_redirects=False)  # fmt: skip
    assert published.status_code == 303, published.text
    page = mia.get(f"/lender/products/{product_id}")
    assert 'data-version="1" data-status="published" class="in-effect"' in page.text
    mia.post("/lender/products/drafts", data={
        "csrf": csrf(page.text), "text": yaml.safe_dump({**body, "rules": body["rules"][:-1]}),
        "product_id": product_id,
    })  # fmt: skip
    mia.post(f"/lender/products/{product_id}/versions/2/publish", data={"csrf": csrf(page.text)})
    back = mia.post(
        f"/lender/products/{product_id}/rollback",
        data={"csrf": csrf(page.text), "version": "1"},
        follow_redirects=False,
    )
    assert back.status_code == 303, back.text
    page = mia.get(f"/lender/products/{product_id}")
    assert 'data-version="3" data-status="published" class="in-effect"' in page.text


def test_a_draft_that_does_not_load_is_refused_naming_its_line_and_the_text_is_kept(
    app: TestClient,
) -> None:
    product_id, lender = _first_product(app)
    mia = _staff(app, lender, "mia", "manager")
    page = mia.get(f"/lender/products/{product_id}")
    broken = f"id: {product_id}\nlender: {lender}\nrules:\n  - rule: no_such_feature > 1\n"
    refused = mia.post("/lender/products/drafts", data={
        "csrf": csrf(page.text), "text": broken, "product_id": product_id,
    })  # fmt: skip
    assert refused.status_code == 422
    assert "no_such_feature" in refused.text
    assert "line 4" in refused.text or "行" in refused.text
    assert "rules:" in refused.text, "the text stays in the editor"


def test_officers_are_refused_and_other_lenders_products_are_not_found(app: TestClient) -> None:
    products = load_model_market(app)
    first = products[0]
    other = next(p for p in products if p.lender != first.lender)
    olly = _staff(app, first.lender, "olly", "officer")
    assert olly.get("/lender/products").status_code == 403
    mia = _staff(app, first.lender, "mia", "manager")
    assert mia.get(f"/lender/products/{other.id}").status_code == 404
    assert mia.get(f"/lender/products/{other.id}/versions/1/dry-run").status_code == 404
    page = mia.get("/lender/products")
    forged = mia.post("/lender/products/drafts", data={"csrf": "x", "text": "id: a"})
    assert forged.status_code == 403
    theirs = f"id: {other.id}\nlender: {first.lender}\nkind: {other.kind}\nrules: []\n"
    taken = mia.post("/lender/products/drafts", data={"csrf": csrf(page.text), "text": theirs})
    assert taken.status_code in (404, 422), taken.text
