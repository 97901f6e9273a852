"""The full form (``/form``) in a real Chromium (Debian's /usr/bin/chromium, via Playwright).

Screenshots go to ``artifacts/`` (git-ignored). Without /usr/bin/chromium these tests are skipped
on a developer's machine and fail in CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser import ARTIFACTS, launched_chromium, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _fill(page: Page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        field = page.locator(f"#f-{name}")
        if not field.count():
            continue  # a question that does not matter for this owner is not shown
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value if value not in ("1", "0") else
                                {"1": "true", "0": "false"}[value])  # fmt: skip
        else:
            field.fill(value)


def test_a_chinese_form_submitted_in_the_browser_shows_offers(
    page: Page, live_server: str, answers_with_offers: dict[str, str]
) -> None:
    page.goto(f"{live_server}/form")
    expect(page.locator("h1")).to_have_text("小微企业贷款匹配")
    _shot(page, "demo-form-zh.png")
    _fill(page, answers_with_offers)
    page.locator("#submit").click()
    offers = page.locator("li.offer")
    expect(offers.first).to_be_visible()
    expect(page.locator("#results h2")).to_have_text("为您推荐")
    assert "%" in offers.first.locator(".p").inner_text()
    expect(offers.first.locator(".all-in")).to_contain_text("%")
    expect(offers.first.locator(".waterfall .bar")).to_be_visible()
    expect(page.locator("#inquiry-note")).to_contain_text("征信")
    _shot(page, "demo-offers-zh.png")


def test_the_english_switch_turns_the_page_english(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/form")
    page.locator("#switch-lang").click()
    expect(page.locator("h1")).to_have_text("SME loan matching")
    expect(page.locator("#submit")).to_have_text("Find offers")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _shot(page, "demo-form-en.png")


def test_a_bad_amount_shows_the_error_beside_the_field(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/form")
    page.locator("#f-loan_amount").fill("很多")
    page.locator("#f-owner_age").fill("45")
    page.locator("#submit").click()
    expect(page.locator("#e-loan_amount")).to_contain_text("不是有效的数字")
    expect(page.locator("#f-owner_age")).to_have_value("45")
    _shot(page, "demo-error-zh.png")


def test_the_sample_button_fills_the_form(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/form")
    page.locator("#sample").click()
    values = page.locator("input[type=text]").evaluate_all("els => els.map(e => e.value)")
    assert any(values)


def test_the_page_fits_a_phone_screen_without_sideways_scrolling(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{live_server}/form?lang=zh")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    _shot(phone, "demo-phone-zh.png")
    context.close()
