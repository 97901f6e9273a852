"""The chat page in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright): an owner
completes an application through the guiding assistant, in Chinese and in English, asks one doubt
on the way, and sees offers. A screenshot of each step goes to ``artifacts/`` (git-ignored).
Without /usr/bin/chromium these tests are skipped on a developer's machine and fail in CI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loanmatch.connectors import simulated_credit_code
from tests.conftest import TrainedMarket
from tests.e2e.browser import ARTIFACTS, launched_chromium, require_chromium
from tests.e2e.identity import start_signed_in
from tests.e2e.journey import answer_as, say
from tests.owners import confident_applicant

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page: the chat must work on a phone."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


@pytest.fixture(scope="module")
def owner(trained_market: TrainedMarket) -> dict[str, str]:
    return confident_applicant(trained_market.applicants, trained_market.model_dir)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _complete(
    page: Page, owner: dict[str, str], lang: str, doubt: str, doubt_words: str
) -> list[str]:
    """Ask one doubt, then answer every question as ``owner`` would."""

    def ask_doubt(turn: int) -> bool:
        if turn == 0:
            say(page, doubt)
            expect(page.locator(".bubble.bot").filter(has_text=doubt_words)).to_be_visible()
            _shot(page, f"chat-{lang}-3-doubt.png")
            return True
        if turn < 5:
            _shot(page, f"chat-{lang}-4-answer-{turn}.png")
        return False

    return answer_as(page, owner, lang, ask_doubt)


@pytest.mark.parametrize(
    ("lang", "title", "doubt", "doubt_words", "offers_title", "approval"),
    [
        ("zh", "贷款助手", "我的数据安全吗？", "脱敏", "为您推荐", "获批概率"),
        ("en", "Loan assistant", "Is my data safe?", "masked", "Recommended for you",
         "Approval probability"),
    ],
)  # fmt: skip
def test_an_owner_completes_an_application_through_the_chat_and_sees_offers(
    phone: Page, live_server: str, owner: dict[str, str], lang: str, title: str, doubt: str,
    doubt_words: str, offers_title: str, approval: str,
) -> None:  # fmt: skip
    phone.goto(f"{live_server}/chat?lang={lang}")
    expect(phone.locator("h1")).to_have_text(title)
    _shot(phone, f"chat-{lang}-1-start.png")
    start_signed_in(phone, simulated_credit_code(owner["applicant_id"]))
    expect(phone.locator("#consent")).to_be_visible()
    expect(phone.locator("#consent")).to_contain_text("30")
    _shot(phone, f"chat-{lang}-2-consent.png")
    phone.locator("#consent-agree").click()
    expect(phone.locator("#chat")).to_be_visible()
    session_url = phone.url
    _complete(phone, owner, lang, doubt, doubt_words)
    expect(phone.locator("#results h2")).to_have_text(offers_title)
    offer = phone.locator("li.offer").first
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(approval)
    assert "%" in offer.locator(".p").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, f"chat-{lang}-5-offers.png")
    phone.goto(session_url)  # a reload resumes the same session, result and all
    expect(phone.locator("li.offer").first).to_be_visible()


def test_the_demo_form_page_links_to_the_chat(phone: Page, live_server: str) -> None:
    phone.goto(f"{live_server}/form?lang=en")
    phone.locator("#chat-link").click()
    expect(phone.locator("h1")).to_have_text("Loan assistant")
