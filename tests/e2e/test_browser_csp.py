"""The security headers in a real Chromium: the pages, the chat and the API documentation work
under their Content-Security-Policy, with no violation and nothing fetched from another origin
(the documentation's scripts come from the package: it works offline)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import launched_chromium, require_chromium
from tests.e2e.identity import start_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


class Watched:
    """What a page did that the policy would show: its violations in the console, and the
    requests it began to another origin (the policy then blocks them)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.violations: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def _request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.elsewhere.append(request.url)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def test_the_form_page_and_the_chat_run_under_their_policy_without_a_violation(
    page: Page, live_server: str
) -> None:
    watched = Watched(page, live_server)
    page.goto(f"{live_server}/?sample=1")
    expect(page.locator("h1")).to_be_visible()
    page.locator("#submit").click()
    expect(page.locator("h1")).to_be_visible()
    page.goto(f"{live_server}/chat")
    start_signed_in(page)
    page.wait_for_url("**/chat/*")
    page.locator("#consent-decline").click()
    # the inline script disables the send button on submit: it ran, so the policy allowed it
    page.locator("#message").fill("50万")
    page.evaluate(
        "document.getElementById('chat').addEventListener('submit', e => e.preventDefault())"
    )
    page.locator("#send").click()
    expect(page.locator("#send")).to_be_disabled()
    assert watched.violations == []
    assert watched.elsewhere == []


def test_swagger_ui_and_redoc_render_from_this_server_alone(page: Page, live_server: str) -> None:
    watched = Watched(page, live_server)
    page.goto(f"{live_server}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("loanmatch")
    expect(page.locator(".opblock").first).to_be_visible()
    page.goto(f"{live_server}/redoc")
    expect(page.locator("h1").first).to_contain_text("loanmatch")
    # ReDoc's "powered by" mark is an image on its CDN: the policy blocks it, which is the point
    mark = "https://cdn.redoc.ly/"
    assert [v for v in watched.violations if mark not in v] == []
    assert [url for url in watched.elsewhere if not url.startswith(mark)] == []
    if watched.elsewhere:
        assert any(mark in v for v in watched.violations), "the mark was blocked by the policy"
