"""The owner's journey in Chinese in a real Chromium (Debian's /usr/bin/chromium, Playwright),
through the front door (the few-questions chat at ``/``) and through the full form at ``/form``,
each with a blank that blocks every offer and the message that names it (issue 11 parts 3, 5).

The owner does not authorise the credit bureau and does not know their bureau score: while the
score is asked the chat offers to authorise the bureau instead, and the result names the score
as the blank that would open products (with how many) and offers 授权查询; authorising it pulls
the score and gives offers. On the form the same blank is named and its field
highlighted; typing the score gives offers. Screenshots go to ``artifacts/screenshots/``
(git-ignored; ``.ci/run`` copies ``artifacts/`` to the CI's artefacts directory). Without
/usr/bin/chromium these tests are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import pytest

from loanmatch.connectors import simulated_credit_code
from tests.conftest import TrainedMarket
from tests.e2e.browser import ARTIFACTS, launched_chromium, require_chromium
from tests.e2e.identity import start_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

BLANK = "owner_bureau_score"
SHOTS = ARTIFACTS / "screenshots"
MAX_TURNS = 60
NAMED = re.compile(r"授权查询征信（经营者征信评分）后，可能有 \d+ 个产品可以申请")
NAMED_ON_FORM = re.compile(r"补充经营者征信评分后，可能有 \d+ 个产品可以申请")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


@pytest.fixture(scope="module")
def owner(trained_market: TrainedMarket, answers_with_offers: dict[str, str]) -> dict[str, str]:
    """The applicants.csv row of the owner whose answers get offers (``answers_with_offers``)."""
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if all((row.get(k) or "") == v for k, v in answers_with_offers.items()):
                return row
    pytest.fail("the owner with offers is not in applicants.csv")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _say(page: Page, text: str) -> None:
    page.locator("#message").fill(text)
    page.locator("#send").click()
    page.wait_for_load_state("domcontentloaded")


def _tap_or_say(page: Page, value: str) -> None:
    lowered = value.strip().lower()
    code = {"1": "true", "1.0": "true", "0": "false", "0.0": "false"}.get(lowered, value)
    choice = page.locator(f'#choices button[value="{code}"]')
    if value and choice.count():
        choice.click()
        page.wait_for_load_state("domcontentloaded")
    else:
        _say(page, value or "不知道")


def _answer_until_results(page: Page, owner: dict[str, str], blank: str) -> bool:
    """Answer as ``owner`` would, saying 不知道 to ``blank``; whether the pull offer showed
    while ``blank`` was asked."""
    offered_pull = False
    for _ in range(MAX_TURNS):
        if page.locator("#results").count():
            return offered_pull
        feature = page.locator("#chat").get_attribute("data-feature") or ""
        if feature == blank:
            expect(page.locator("#pull")).to_contain_text("授权查询征信")
            _shot(page, "journey-zh-3-score-asked.png")
            offered_pull = True
            _say(page, "不知道")
            continue
        _tap_or_say(page, owner.get(feature) or "")
    pytest.fail(f"no result after {MAX_TURNS} turns")


def test_the_front_door_journey_names_the_blank_score_and_authorising_it_gives_offers(
    phone: Page, live_server: str, owner: dict[str, str]
) -> None:
    phone.goto(f"{live_server}/")
    expect(phone.locator("h1")).to_have_text("贷款助手")
    expect(phone.locator("#full-form")).to_have_attribute("href", "/form?lang=zh")
    _shot(phone, "journey-zh-1-front-door.png")
    start_signed_in(phone, simulated_credit_code(owner["applicant_id"]))
    expect(phone.locator("#consent")).to_be_visible()
    phone.locator("#source-bureau").uncheck()
    _shot(phone, "journey-zh-2-consent-without-bureau.png")
    phone.locator("#consent-agree").click()
    expect(phone.locator("#chat")).to_be_visible()
    _answer_until_results(phone, owner, BLANK)
    named = phone.locator(f'#unlocks li[data-feature="{BLANK}"]')
    expect(named).to_have_text(NAMED)
    if phone.locator("#no-offer").count():  # no offer yet: the reply says the blank first
        expect(phone.locator(".bubble.bot").last).to_contain_text("授权查询征信")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "journey-zh-4-blank-named.png")
    phone.locator(f"#authorise-{BLANK}").click()
    _answer_until_results(phone, owner, BLANK)
    expect(phone.locator("li.offer").first).to_be_visible()
    expect(phone.locator("#results h2")).to_have_text("为您推荐")
    expect(phone.locator(f'#unlocks li[data-feature="{BLANK}"]')).to_have_count(0)
    _shot(phone, "journey-zh-5-offers-after-authorising.png")


def _fill(page: Page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        field = page.locator(f"#f-{name}")
        if not field.count():
            continue  # a question that does not matter for this owner is not shown
        if field.evaluate("e => e.tagName") == "SELECT":
            choice = {"1": "true", "0": "false"}.get(value, value)
            field.select_option(choice)
        else:
            field.fill(value)


def test_the_form_names_the_blank_score_highlights_its_field_and_typing_it_gives_offers(
    desktop: Page, live_server: str, answers_with_offers: dict[str, str]
) -> None:
    desktop.goto(f"{live_server}/")
    desktop.locator("#full-form").click()
    expect(desktop.locator("#answers h2")).to_have_text("完整表单")
    expect(desktop.locator("#f-tobacco_licence_years")).to_have_count(0)
    _shot(desktop, "form-zh-1-relevant-questions.png")
    score = answers_with_offers[BLANK]
    _fill(desktop, {**answers_with_offers, BLANK: ""})
    desktop.locator("#submit").click()
    expect(desktop.locator("#no-offer")).to_be_visible()
    expect(desktop.locator(f'#unlocks li[data-feature="{BLANK}"]')).to_have_text(NAMED_ON_FORM)
    expect(desktop.locator(f"#u-{BLANK}")).to_be_visible()
    expect(desktop.locator(".field.unlocks-field").locator(f"#f-{BLANK}")).to_have_count(1)
    _shot(desktop, "form-zh-2-blank-named.png")
    desktop.locator(f'#unlocks li[data-feature="{BLANK}"] a').click()
    desktop.locator(f"#f-{BLANK}").fill(score)
    desktop.locator("#submit").click()
    expect(desktop.locator("li.offer").first).to_be_visible()
    expect(desktop.locator(f'#unlocks li[data-feature="{BLANK}"]')).to_have_count(0)
    _shot(desktop, "form-zh-3-offers.png")
