"""The operator console in a real Chromium against a real server: an operator signs in and
every page's plot has data, an axis and a caption; the audit search finds what it should.
Screenshots go to ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from loanmatch.connectors import simulated_credit_code
from loanmatch.model.directory import model_id
from loanmatch.services import models
from loanmatch.services.staff import add_staff
from loanmatch.storage.database import Database
from loanmatch.storage.records import PLATFORM
from tests.conftest import TrainedMarket
from tests.e2e.browser import desktop_page, launched_chromium, require_chromium, shot
from tests.owners import confident_applicant, sign_in

pytestmark = [pytest.mark.browser]

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

PASSWORD = "a long operator password"
SOURCES = ["registry", "tax", "bureau", "bank"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


def _apply_once(base: str, trained_market: TrainedMarket) -> None:
    """One owner of a simulated enterprise finishes the intake and applies over the API, so
    every plot has data."""
    row = confident_applicant(trained_market.applicants, trained_market.model_dir)
    code = simulated_credit_code(row["applicant_id"])
    with httpx.Client(base_url=base, timeout=30) as client:
        client.headers.update(sign_in(client, "13800002222", code))
        session = client.post("/api/v1/sessions", json={"enterprise_id": code}).json()
        url = f"/api/v1/sessions/{session['session_id']}"
        body = client.post(f"{url}/consent", json={"sources": SOURCES}).json()
        while body.get("question"):
            question = body["question"]
            body = client.post(f"{url}/answers", json={
                "text": row.get(question["feature"]) or "不知道", "question": question["seq"]},
            ).json()  # fmt: skip
        offers = [o["product_id"] for o in body["result"]["offers"]]
        applied = client.post(f"{url}/applications", json={"products": offers[:1]},
                              headers={"Idempotency-Key": "console"})  # fmt: skip
        assert applied.status_code in (200, 201), applied.text


def test_an_operator_reads_the_console_with_plots_axes_and_captions(
    browser: Browser, live_server: str, live_database_url: str, trained_market: TrainedMarket
) -> None:
    database = Database(live_database_url)
    try:
        with database.unit_of_work() as uow:
            known = uow.staff.user_named("console.ops")
        if known is None:
            add_staff(database.unit_of_work(), PLATFORM, "console.ops", PASSWORD, "operator",
                      datetime.now(UTC))  # fmt: skip
        with database.unit_of_work() as uow:  # the served model, as a first retraining records it
            models.ensure_champion(uow, trained_market.model_dir, datetime.now(UTC))
            uow.commit()
    finally:
        database.dispose()
    _apply_once(live_server, trained_market)
    page = desktop_page(browser)
    page.goto(f"{live_server}/lender/login")
    page.locator("#username").fill("console.ops")
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-button").click()
    expect(page.locator("#funnel-plot")).to_be_visible()
    assert float(page.locator("#funnel-plot rect").first.get_attribute("width") or 0) > 0
    expect(page.locator("#funnel-plot line")).to_have_count(1)
    expect(page.locator("#funnel-caption")).not_to_be_empty()
    shot(page, "console-1-overview.png")
    page.locator("#nav-lenders").click()
    expect(page.locator("#lenders-plot")).to_be_visible()
    expect(page.locator("#lenders-plot line")).to_have_count(1)
    expect(page.locator("#lenders-caption")).not_to_be_empty()
    assert page.locator("#lenders-table tbody tr").count() > 1
    widths = [float(w or 0) for w in page.locator("#lenders-plot rect").evaluate_all(
        "rects => rects.map(r => r.getAttribute('width'))")]  # fmt: skip
    assert max(widths) > 0, "a lender received the application"
    shot(page, "console-2-lenders.png")
    page.locator("#nav-ledger").click()
    expect(page.locator("#console-ledger-plot, #console-ledger-empty").first).to_be_visible()
    shot(page, "console-3-ledger.png")
    page.locator("#nav-audit").click()
    page.locator("#q").fill("session_started")
    page.locator("#search-button").click()
    expect(page.locator("#audit tbody tr").first).to_contain_text("session_started")
    shot(page, "console-4-audit.png")
    page.locator("#nav-fairness").click()
    expect(page.locator("#fairness-plot, #fairness-none").first).to_be_visible()
    shot(page, "console-5-fairness.png")
    page.locator("#nav-models").click()
    expect(page.locator("#models-plot")).to_be_visible()
    assert float(page.locator("#models-plot rect").first.get_attribute("width") or 0) > 0
    expect(page.locator("#models-plot line")).to_have_count(1)
    expect(page.locator("#models-caption")).not_to_be_empty()
    expect(page.locator("#serving-now")).to_contain_text(model_id(trained_market.model_dir))
    page.locator("#retrain").click()
    expect(page.locator('#jobs-table tr[data-status="queued"]').first).to_be_visible()
    shot(page, "console-6-models.png")
