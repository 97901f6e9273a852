"""Issue 12's whole loop in a real Chromium against ``loanmatch demo`` (a real process with its
simulated lenders running as agents): a lender's manager signs in to the portal with the demo's
printed account and publishes a new version of a product with one more rule; an owner proves
identity, consents, answers and applies to it in the chat; the simulated lender decides; the
owner sees the decision and the data-release ledger shows what went where. Screenshots go to
``artifacts/``."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanmatch.connectors import simulated_credit_code
from tests.conftest import TrainedMarket
from tests.e2e.browser import desktop_page, launched_chromium, require_chromium, shot
from tests.e2e.conftest import _wait_until_healthy, free_port
from tests.e2e.identity import start_signed_in
from tests.e2e.journey import answer_as
from tests.owners import OWNER, confident_applicant

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

DECIDED_WITHIN_S = 75.0
RULE = "hard_inquiries_3m <= 30"
REASON = "近3个月硬查询不超过30次"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def demo(trained_market: TrainedMarket, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``loanmatch demo`` on a free port over a copy of the session's market and model: its
    base URL and its log."""
    shutil.copytree(trained_market.market, tmp_path / "market")
    shutil.copytree(trained_market.model_dir, tmp_path / "model")
    port = free_port()
    env = {**os.environ, "LOANMATCH_DATA_DIR": str(tmp_path), "LOANMATCH_RATE_CODES": "100/minute"}
    log_path = tmp_path / "demo.log"
    command = [sys.executable, "-m", "loanmatch.cli.main", "demo", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process, log_path)
        yield base, log_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _offered(trained_market: TrainedMarket, row: dict[str, str]) -> tuple[str, str]:
    """The first product offered to ``row`` when all is known that carries no test cases (one
    more rule cannot break them), and its lender."""
    from loanmatch.intake.answers import parse_answers
    from loanmatch.matching.recommend import recommend_one
    from loanmatch.matching.results import RecommendPolicy
    from loanmatch.model.directory import load_model

    bundle = load_model(trained_market.model_dir)
    catalog = bundle.market.catalog
    asked = {f.name: row.get(f.name) or "" for f in catalog.features if not f.derived}
    record = parse_answers(catalog, asked, strict=False).record
    result = recommend_one(bundle, {k: v for k, v in record.items() if v is not None},
                           RecommendPolicy())  # fmt: skip
    offer = next(o for o in result.offers if not o.product.tests)
    return offer.product.id, offer.product.lender


def _publish_with_one_more_rule(page: Page, base: str, log: Path, product: str, lender: str
                                ) -> None:  # fmt: skip
    found = re.search(r"password 密码 (\S+)", log.read_text(encoding="utf-8"))
    assert found is not None, log.read_text(encoding="utf-8")
    page.goto(f"{base}/lender/login")
    page.locator("#username").fill(f"demo.{lender}")
    page.locator("#password").fill(found.group(1))
    page.locator("#login-button").click()
    expect(page.locator("#inbox, #inbox-empty").first).to_be_visible()
    page.goto(f"{base}/lender/products/{product}")
    text = page.locator("#text").input_value()
    assert "\nrules:\n- " in text, text
    added = f"\nrules:\n- rule: {RULE}\n  dimension: process\n  reason:\n    zh: {REASON}\n"
    page.locator("#text").fill(text.replace("\nrules:\n", added, 1))
    page.locator("#draft-note").fill("one more rule")
    page.locator("#save-draft").click()
    expect(page.locator("#saved")).to_be_visible()
    version = page.url.rsplit("saved=", 1)[1]
    page.locator(f"#dry-run-{version}").click()
    expect(page.locator("#dry-run-plot")).to_be_visible()
    shot(page, "whole-loop-1-dry-run.png")
    page.go_back()
    page.locator(f"#publish-{version}").click()
    expect(page.locator(f'tr[data-version="{version}"].in-effect')).to_be_visible()
    shot(page, "whole-loop-2-published.png")


def test_a_lender_publishes_an_owner_applies_the_simulated_lender_decides_the_owner_sees_it(
    browser: Browser, demo: tuple[str, Path], trained_market: TrainedMarket
) -> None:
    base, log = demo
    row = confident_applicant(trained_market.applicants, trained_market.model_dir)
    product, lender = _offered(trained_market, row)
    manager = desktop_page(browser)
    _publish_with_one_more_rule(manager, base, log, product, lender)

    owner = desktop_page(browser)
    owner.goto(f"{base}/chat?lang=zh")
    start_signed_in(owner, simulated_credit_code(row["applicant_id"]))
    owner.locator("#consent-agree").click()
    answer_as(owner, row, "zh")
    box = owner.locator(f"#apply-{product}")
    expect(box).to_be_visible()
    box.check()
    owner.locator("#apply-button").click()
    expect(owner.locator(f"#status-{product}")).to_have_text("待审批")
    shot(owner, "whole-loop-3-applied.png")

    started = time.monotonic()
    status = owner.locator(f".application[data-product='{product}']")
    while time.monotonic() - started < DECIDED_WITHIN_S:
        if status.get_attribute("data-status") != "submitted":
            break
        time.sleep(2)
        owner.reload()
    decided = status.get_attribute("data-status")
    assert decided in ("approved", "disbursed", "declined"), log.read_text(encoding="utf-8")
    expect(owner.locator(f"#detail-{product}")).to_be_visible()
    owner.locator("#releases summary").click()
    expect(owner.locator("#releases li").first).to_be_visible()
    shot(owner, "whole-loop-4-decision.png")
    print(f"decided {decided} after {time.monotonic() - started:.0f} s")

    manager.goto(f"{base}/lender/inbox")
    expect(manager.locator("#inbox tbody tr")).to_have_count(1)
    manager.locator("#nav-funnel").click()
    expect(manager.locator("#funnel-total")).to_contain_text("1")
    shot(manager, "whole-loop-5-funnel.png")
    text = log.read_text(encoding="utf-8")
    assert "[lender agents]" in text
    assert "lmk_" not in text, "no key is printed"
    assert OWNER not in text, "no owner id is printed"
    assert "GET /api/v1/lender/applications" not in text, "the agents' polls stay out of the log"
