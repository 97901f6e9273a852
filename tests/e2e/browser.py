"""Shared set-up of the browser tests: Debian's Chromium driven by Playwright.

Without /usr/bin/chromium a browser test module is skipped on a developer's machine, with a
message saying how to install it, and fails in CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling module (or fail in CI) when Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        raise RuntimeError(f"browser tests cannot run in CI: {message}")
    pytest.skip(message, allow_module_level=True)


@contextlib.contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the flags this machine's closed network needs."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def desktop_page(browser: Browser) -> Page:
    """A new desktop-sized page in its own context (its own cookies: one person)."""
    page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    return page


def shot(page: Page, name: str) -> None:
    """A full-page screenshot into ``artifacts/`` (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
