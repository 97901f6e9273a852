"""The chat page's identity check, as an owner goes through it in the browser: type a mobile
number and the enterprise's code, press start, type the code the demo shows, verify."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.owners import OWNER

__all__ = ["start_signed_in"]


def start_signed_in(page: Page, enterprise_id: str = "", owner_id: str = OWNER) -> None:
    """From the chat start page to the new session's page."""
    page.locator("#owner_id").fill(owner_id)
    if enterprise_id:
        page.locator("#enterprise_id").fill(enterprise_id)
    page.locator("#start-button").click()
    expect(page.locator("#code-form")).to_be_visible()
    page.locator("#code").fill(page.locator("#demo-code").inner_text())
    page.locator("#verify-button").click()
