"""The whole loop in a real Chromium against a real server: an owner proves identity, consents,
answers and applies in the chat; the lender's officer signs in to the portal, finds the
application in the inbox and approves it; the owner sees the decision and what went to which
lender. Screenshots go to ``artifacts/`` (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from loanmatch.connectors import simulated_credit_code
from loanmatch.model.directory import load_model
from loanmatch.services.staff import add_staff
from loanmatch.storage.database import Database
from tests.conftest import TrainedMarket
from tests.e2e.browser import desktop_page, launched_chromium, require_chromium, shot
from tests.e2e.identity import start_signed_in
from tests.e2e.journey import answer_as
from tests.owners import confident_applicant

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

PASSWORD = "a long portal password"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


def _officer_of(lender: str, database_url: str) -> str:
    username = f"officer.{lender}"
    database = Database(database_url)
    try:
        with database.unit_of_work() as uow:
            known = uow.staff.user_named(username)
        if known is None:
            add_staff(database.unit_of_work(), lender, username, PASSWORD, "officer",
                      datetime.now(UTC))  # fmt: skip
    finally:
        database.dispose()
    return username


def test_an_owner_applies_an_officer_approves_in_the_portal_and_the_owner_sees_it(
    browser: Browser, live_server: str, live_database_url: str, trained_market: TrainedMarket
) -> None:
    row = confident_applicant(trained_market.applicants, trained_market.model_dir)
    owner = desktop_page(browser)
    owner.goto(f"{live_server}/chat?lang=zh")
    start_signed_in(owner, simulated_credit_code(row["applicant_id"]))
    owner.locator("#consent-agree").click()
    answer_as(owner, row, "zh")
    expect(owner.locator("#apply-form")).to_be_visible()
    box = owner.locator('#apply-form input[name="products"]').first
    product = box.get_attribute("value") or ""
    box.check()
    owner.locator("#apply-button").click()
    expect(owner.locator(f"#status-{product}")).to_have_text("待审批")
    shot(owner, "loop-1-applied.png")

    lender = {p.id: p.lender for p in load_model(trained_market.model_dir).market.products}[product]
    officer = desktop_page(browser)
    officer.goto(f"{live_server}/lender/login")
    officer.locator("#username").fill(_officer_of(lender, live_database_url))
    officer.locator("#password").fill(PASSWORD)
    officer.locator("#login-button").click()
    expect(officer.locator("#inbox")).to_be_visible()
    shot(officer, "loop-2-inbox.png")
    officer.locator("#inbox tbody a").last.click()
    expect(officer.locator("#facts")).to_be_visible()
    officer.locator("#amount").fill("20万")
    officer.locator("#approve-button").click()
    expect(officer.locator("#app-status")).to_have_text("已批准")
    shot(officer, "loop-3-approved.png")
    officer.locator("#nav-funnel").click()
    expect(officer.locator("#funnel-plot rect").first).to_be_visible()
    shot(officer, "loop-4-funnel.png")

    owner.reload()
    expect(owner.locator(f"#status-{product}")).to_have_text("已批准")
    expect(owner.locator(f"#detail-{product}")).to_contain_text("20万")
    owner.locator("#releases summary").click()
    expect(owner.locator("#releases li").first).to_be_visible()
    shot(owner, "loop-5-decision.png")
