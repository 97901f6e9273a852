"""Applying from the chat page, without JavaScript: the owner ticks offers and submits (a
double submit is one application), follows each application's status and the lender's terms,
sees what went to which lender, and withdraws."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loanmatch.connectors import simulated_credit_code
from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.owners import PageClient, confident_applicant, sign_in, sign_in_page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SOURCES = ["registry", "tax", "bureau", "bank"]


@pytest.fixture(scope="module")
def row(trained_market: TrainedMarket) -> dict[str, str]:
    return confident_applicant(trained_market.applicants, trained_market.model_dir)


@pytest.fixture
def client(trained_market: TrainedMarket, tmp_path: Path) -> Iterator[PageClient]:
    settings = Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{tmp_path / 'apply.db'}",
    )
    with PageClient(create_app(settings, load_model(trained_market.model_dir))) as opened:
        yield opened


def _done_page(client: PageClient, row: dict[str, str]) -> tuple[str, str]:
    """Sign in on the page for the applicant's enterprise, finish the intake through the API
    with the applicant's own answers; (session id, the session page's address)."""
    code = simulated_credit_code(row["applicant_id"])
    started = sign_in_page(client, enterprise_id=code)
    assert started.status_code == 303, started.text
    url = started.headers["location"]
    session = url.split("/")[2].split("?")[0]
    api = {**sign_in(client, enterprise_id=code)}
    body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": SOURCES},
                       headers=api).json()  # fmt: skip
    for _ in range(60):
        question = body.get("question")
        if question is None:
            break
        text = row.get(question["feature"]) or "不知道"
        body = client.post(f"/api/v1/sessions/{session}/answers", headers=api,
                           json={"text": text, "question": question["seq"]}).json()  # fmt: skip
    assert body["stage"] == "done", body
    return session, url


def _form(html: str) -> dict[str, str | list[str]]:
    key = re.search(r'name="key" value="([^"]+)"', html)
    products = re.findall(r'name="products" value="([^"]+)"', html)
    assert key is not None, "no apply form on the page"
    return {"key": key.group(1), "products": products[:1], "lang": "zh"}


def test_an_owner_applies_from_the_page_and_follows_the_status(
    client: PageClient, row: dict[str, str]
) -> None:
    session, url = _done_page(client, row)
    page = client.get(url).text
    assert 'id="apply-form"' in page
    form = _form(page)
    first = client.post(f"/chat/{session}/apply", data=form, follow_redirects=False)
    assert first.status_code == 303
    again = client.post(f"/chat/{session}/apply", data=form, follow_redirects=False)
    assert "refused" not in again.headers["location"], "the same form twice is one application"
    shown = client.get(url).text
    product = form["products"][0]
    assert f'id="status-{product}">待审批<' in shown
    assert 'id="releases"' in shown
    assert shown.count('class="application"') == 1
    assert f'id="apply-{product}"' not in shown, "an applied product is not offered again"


def test_a_withdrawn_application_shows_withdrawn_and_cannot_be_withdrawn_twice(
    client: PageClient, row: dict[str, str]
) -> None:
    session, url = _done_page(client, row)
    client.post(f"/chat/{session}/apply", data=_form(client.get(url).text))
    shown = client.get(url).text
    action = re.search(rf'action="(/chat/{session}/withdraw/[0-9a-f]+)"', shown)
    assert action is not None
    client.post(action.group(1), data={"lang": "zh"})
    assert 'data-status="withdrawn"' in client.get(url).text
    twice = client.post(action.group(1), data={"lang": "zh"}, follow_redirects=False)
    assert twice.headers["location"].endswith("refused=transition#applications")


def test_submitting_nothing_or_another_product_is_refused_in_words(
    client: PageClient, row: dict[str, str]
) -> None:
    session, url = _done_page(client, row)
    form = _form(client.get(url).text)
    empty = client.post(f"/chat/{session}/apply", data={**form, "products": []})
    assert "请至少勾选一款产品" in empty.text
    other = client.post(f"/chat/{session}/apply", data={**form, "products": ["no_such"]})
    assert "只能申请为您推荐的产品" in other.text


def test_an_apply_form_without_the_csrf_value_applies_nothing(
    client: PageClient, row: dict[str, str]
) -> None:
    session, url = _done_page(client, row)
    form = _form(client.get(url).text)
    forged = TestClient.post(client, f"/chat/{session}/apply", data={**form, "csrf": "x"})
    assert forged.status_code == 403
    assert 'class="application"' not in client.get(url).text
