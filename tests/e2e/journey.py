"""An owner's answers in the chat page, as a browser gives them: tap a choice where there is
one, else type the applicant's value (or "don't know")."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

__all__ = ["MAX_TURNS", "answer_as", "choice_value", "say"]

MAX_TURNS = 40


def say(page: Page, text: str) -> None:
    page.locator("#message").fill(text)
    page.locator("#send").click()
    page.wait_for_load_state("domcontentloaded")


def choice_value(value: str) -> str:
    """What a choice button posts for a value as applicants.csv writes it."""
    lowered = value.strip().lower()
    if lowered in ("1", "1.0", "true"):
        return "true"
    if lowered in ("0", "0.0", "false"):
        return "false"
    return value


def answer_as(
    page: Page, owner: dict[str, str], lang: str,
    before_each: Callable[[int], bool] | None = None,
) -> list[str]:  # fmt: skip
    """Answer every question as ``owner`` would until the results show; the features answered
    by a tap. ``before_each(turn)`` runs first at each turn; True means it used the turn."""
    dont_know = "不知道" if lang == "zh" else "don't know"
    tapped: list[str] = []
    for turn in range(MAX_TURNS):
        if page.locator("#results").count():
            return tapped
        if before_each is not None and before_each(turn):
            continue
        feature = page.locator("#chat").get_attribute("data-feature") or ""
        value = owner.get(feature) or ""
        choice = page.locator(f'#choices button[value="{choice_value(value)}"]')
        if value and choice.count():
            choice.click()  # a category or yes/no question: tap the choice
            page.wait_for_load_state("domcontentloaded")
            tapped.append(feature)
        else:
            say(page, value or dont_know)
    raise AssertionError(f"no result after {MAX_TURNS} turns")
