"""The consent screen explains itself, and the 统一社会信用代码 is checked where it is typed:
through the app built from a trained market (the chat page and the sessions API)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.owners import OWNER, sign_in, sign_in_page, start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TYPO = "91350100M000100Y4Z"  # GB 32100-2015's own example of a code that does not check


@pytest.fixture
def client(trained_market: TrainedMarket, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{tmp_path / 'consent.db'}",
    )
    with TestClient(create_app(settings, load_model(trained_market.model_dir))) as opened:
        yield opened


def _session_of(location: str) -> str:
    return location.split("/")[2].split("?")[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_consent_screen_says_why_each_item_is_read_and_lists_no_protected_one(
    client: TestClient, lang: str
) -> None:
    started = sign_in_page(client, lang=lang)
    page = client.get(started.headers["location"]).text
    start = page.index('id="consent"')
    consent = html.unescape(page[start : page.index("</form>", start)])
    if lang == "zh":
        assert "经营者年龄：产品对经营者年龄有上下限" in consent
        assert "纳税信用等级：税贷等产品要求纳税信用A级或B级" in consent
        assert "经营者性别" not in consent
    else:
        assert "Owner's age: products set limits on the owner's age" in consent
        assert "gender" not in consent.lower()


def test_a_mistyped_code_on_the_chat_page_is_refused_beside_the_field(client: TestClient) -> None:
    said = {
        "zh": "统一社会信用代码校验位不符：第18位应为3",
        "en": "check character of the unified social credit code does not match",
    }
    for lang, words in said.items():
        page = client.post("/chat", data={"lang": lang, "enterprise_id": TYPO, "owner_id": OWNER})
        assert page.status_code == 422
        assert words in page.text
        assert f'value="{TYPO}"' in page.text
        assert 'id="enterprise-error"' in page.text


def test_the_sample_enterprise_has_a_valid_code_and_its_sources_answer(
    client: TestClient,
) -> None:
    started = sign_in_page(client, sample=True)
    assert started.status_code == 303
    session = _session_of(started.headers["location"])
    client.headers.update(sign_in(client))
    view = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ["registry"]})
    assert view.status_code == 200
    # an id the source does not know was "malformed" (返回的数据有误); the sample's code is known
    assert view.json()["sources"]["registry"] in ("ok", "timeout", "unavailable")


def test_the_api_lists_what_each_source_reads_and_why_before_consent(client: TestClient) -> None:
    client.headers.update(sign_in(client))
    started = client.post("/api/v1/sessions?lang=en", json={"lang": "en"})
    assert started.status_code == 201
    requests = {r["source"]: r for r in started.json()["consent_request"]}
    assert set(requests) == {"registry", "tax", "bureau", "bank"}
    registry = {i["feature"]: i for i in requests["registry"]["items"]}
    assert "owner_gender" not in registry
    assert registry["region"]["purpose"].startswith("bank products serve certain provinces")
    refused = start(client, {"enterprise_id": TYPO})
    assert refused.status_code == 422
    assert refused.json()["code"] == "input.credit_code"
