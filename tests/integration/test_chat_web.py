"""The chat over HTTP: the JSON route and the page, which works without JavaScript (plain form
posts) and resumes from its address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loanmatch.model.directory import load_model
from loanmatch.settings import Settings
from loanmatch.web.app import create_app
from tests.conftest import TrainedMarket
from tests.owners import PageClient, sign_in, sign_in_page, start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def client(trained_market: TrainedMarket, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        market_dir=trained_market.market,
        model_dir=trained_market.model_dir,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
    )
    with PageClient(create_app(settings, load_model(trained_market.model_dir))) as opened:
        opened.headers.update(sign_in(opened))  # the API's owner is the pages' owner (OWNER)
        yield opened


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def _start_page(client: TestClient, lang: str) -> tuple[str, str]:
    started = sign_in_page(client, lang=lang)
    assert started.status_code == 303
    url = started.headers["location"]
    return url.split("/")[2].split("?")[0], url


def test_the_chat_route_answers_a_doubt_and_returns_the_unchanged_session(
    client: TestClient,
) -> None:
    session = start(client, {"lang": "en"}).json()["session_id"]
    body = client.post(f"/api/v1/sessions/{session}/chat", json={"message": "is my data safe?"})
    assert body.status_code == 200
    out = body.json()
    assert out["kind"] == "doubt"
    assert out["entry"] == "data_safety"
    assert "masked" in out["replies"][0]
    assert out["session"]["stage"] == "consent"
    assert "/api/v1/sessions/{session_id}/chat" in client.get("/openapi.json").json()["paths"]


def test_the_chat_route_says_404_for_an_unknown_session(client: TestClient) -> None:
    answer = client.post("/api/v1/sessions/nope/chat", json={"message": "50万"})
    assert answer.status_code == 404
    assert answer.json()["error"] == "session_not_found"


def test_the_page_shows_the_consent_with_sources_purpose_and_expiry(client: TestClient) -> None:
    _, url = _start_page(client, "zh")
    page = client.get(url).text
    assert 'id="consent"' in page
    for words in ("工商登记", "征信", "用途", "贷款产品匹配", "30 天"):
        assert words in page


def test_a_page_without_javascript_runs_the_chat_with_form_posts(client: TestClient) -> None:
    session, url = _start_page(client, "en")
    page = client.post(f"/chat/{session}/consent", data={"lang": "en", "decline": "1"})
    assert page.status_code == 200
    assert 'data-stage="asking"' in page.text
    doubt = client.post(url, data={"message": "what documents do I need?", "lang": "en",
                                   "version": _version(page.text)})  # fmt: skip
    assert "business licence" in doubt.text
    assert _version(doubt.text) == _version(page.text)
    assert client.get(url).status_code == 200


def test_a_reposted_message_for_an_older_version_answers_nothing(client: TestClient) -> None:
    session, url = _start_page(client, "zh")
    page = client.post(f"/chat/{session}/consent", data={"lang": "zh", "decline": "1"})
    old = _version(page.text)
    answered = client.post(url, data={"message": "不知道", "lang": "zh", "version": old})
    again = client.post(url, data={"message": "不知道", "lang": "zh", "version": old})
    assert "页面已更新" in again.text
    assert _version(again.text) == _version(answered.text)


def test_a_consent_can_be_revoked_from_the_page(client: TestClient) -> None:
    session, _ = _start_page(client, "zh")
    client.post(f"/chat/{session}/consent", data={"lang": "zh", "source": ["registry"]})
    page = client.post(f"/chat/{session}/revoke/registry", data={"lang": "zh"})
    assert "已撤回" in page.text


def test_an_unknown_session_page_sends_the_owner_to_start_again(client: TestClient) -> None:
    moved = client.get("/chat/nope?lang=en", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/chat?lang=en"


def test_revoking_a_source_that_does_not_exist_changes_nothing(client: TestClient) -> None:
    session, _ = _start_page(client, "en")
    page = client.post(f"/chat/{session}/revoke/weather", data={"lang": "en"})
    assert page.status_code == 200
    assert 'id="consent"' in page.text


def _question(html: str) -> str:
    found = re.search(r'name="question" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def _until_choices(client: TestClient, url: str, page: str) -> str:
    """Answer 不知道 until the page asks a question with choices to tap."""
    for _ in range(40):
        if 'id="choices"' in page:
            return page
        assert 'data-stage="asking"' in page
        page = client.post(url, data={"message": "不知道", "lang": "zh", "version": _version(page),
                                      "question": _question(page)}).text  # fmt: skip
    raise AssertionError("no question with choices was asked")


def test_a_question_with_choices_shows_buttons_that_answer_without_javascript(
    client: TestClient,
) -> None:
    session, url = _start_page(client, "zh")
    page = client.post(f"/chat/{session}/consent", data={"lang": "zh", "decline": "1"}).text
    page = _until_choices(client, url, page)
    form = page[
        page.index('<form id="choices"') : page.index("</form>", page.index('id="choices"'))
    ]
    feature = re.search(r'data-feature="(\w+)"', form)
    assert feature is not None
    buttons = re.findall(r'<button type="submit" class="choice secondary" name="choice" '
                         r'value="([^"]+)" id="choice-[^"]+">([^<]+)</button>', form)  # fmt: skip
    assert len(buttons) >= 2
    assert f'name="question" value="{_question(page)}"' in form
    value, label = buttons[0]
    tapped = client.post(url, data={"choice": value, "lang": "zh", "version": _version(form),
                                    "question": _question(form)})  # fmt: skip
    assert tapped.status_code == 200
    assert f'<li class="bubble me">{label}</li>' in tapped.text
    known = client.get(f"/api/v1/sessions/{session}").json()["known"]
    assert {k["feature"]: k["shown"] for k in known}[feature.group(1)] == label


def test_a_message_for_a_question_already_answered_answers_nothing(client: TestClient) -> None:
    session, url = _start_page(client, "zh")
    page = client.post(f"/chat/{session}/consent", data={"lang": "zh", "decline": "1"}).text
    first = _question(page)
    answered = client.post(url, data={"message": "不知道", "lang": "zh", "version": _version(page),
                                      "question": first}).text  # fmt: skip
    stale = client.post(url, data={"message": "不知道", "lang": "zh",
                                   "version": _version(answered), "question": first})  # fmt: skip
    assert "页面已更新" in stale.text
    assert _question(stale.text) == _question(answered) != first
    over_api = client.post(f"/api/v1/sessions/{session}/chat",
                           json={"message": "不知道", "question": int(first)})  # fmt: skip
    assert over_api.status_code == 409
    assert over_api.json()["code"] == "session.conflict.stale_question"
    typed = client.get(f"/api/v1/sessions/{session}").json()["questions_typed"]
    assert typed == 1


def test_the_transcript_shows_units_in_the_owners_language(client: TestClient) -> None:
    session, url = _start_page(client, "zh")
    page = client.post(f"/chat/{session}/consent", data={"lang": "zh", "decline": "1"}).text
    for _ in range(12):
        if 'data-stage="asking"' not in page:
            break
        answer = "是" if 'id="choices"' in page else "3"
        page = client.post(url, data={"message": answer, "lang": "zh", "version": _version(page),
                                      "question": _question(page)}).text  # fmt: skip
        if "抱歉" in page:
            page = client.post(url, data={"message": "不知道", "lang": "zh",
                                          "version": _version(page),
                                          "question": _question(page)}).text  # fmt: skip
    mine = re.findall(r'<li class="bubble me past">([^<]+)</li>', client.get(url).text)
    assert mine
    assert not [m for m in mine if re.search(r"\d\s*(years?|months?|count|days?|points?)", m)]


def test_a_session_page_opens_only_for_its_owner_signed_in_with_the_cookie(
    client: TestClient,
) -> None:
    session, url = _start_page(client, "en")
    assert 'data-stage="consent"' in client.get(url).text
    client.cookies.clear()
    moved = client.get(url, follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, "/chat?lang=en")
    sign_in_page(client, owner_id="13900000009", lang="en")  # another owner's cookie
    assert client.get(url, follow_redirects=False).status_code == 303
    posted = client.post(f"/chat/{session}/consent", data={"lang": "en", "decline": "1"},
                         follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303
    assert posted.headers["location"] == "/chat?lang=en"


def test_a_form_without_the_sign_ins_csrf_value_changes_nothing(client: TestClient) -> None:
    session, url = _start_page(client, "en")
    forged = client.post(f"/chat/{session}/consent", data={"decline": "1", "csrf": "forged"})
    assert forged.status_code == 403
    assert 'role="alert"' in forged.text, "a page, saying to sign in again"
    assert 'data-stage="consent"' in client.get(url).text


def test_a_wrong_code_says_how_many_tries_are_left_and_a_code_needs_its_own_browser(
    client: TestClient,
) -> None:
    asked = client.post("/chat", data={"lang": "en", "owner_id": "13900000001"})
    challenge = re.search(r'name="challenge_id" value="([^"]+)"', asked.text)
    assert challenge is not None
    wrong = client.post("/chat/verify", data={"challenge_id": challenge.group(1),
                                              "code": "abc", "lang": "en"})  # fmt: skip
    assert wrong.status_code == 401
    assert "4 tries left" in wrong.text
    client.cookies.clear()  # another browser: it never asked for this code
    elsewhere = client.post("/chat/verify", data={"challenge_id": challenge.group(1),
                                                  "code": "123456", "lang": "en"})  # fmt: skip
    assert elsewhere.status_code == 403


def test_a_blank_owner_id_is_refused_on_the_start_page(client: TestClient) -> None:
    page = client.post("/chat", data={"lang": "en", "owner_id": ""})
    assert page.status_code == 422
    assert 'id="owner-error"' in page.text
    assert 'id="enterprise-error"' not in page.text
    chinese = client.post("/chat", data={"lang": "zh", "owner_id": ""})
    assert "用户标识须为" in chinese.text, "the Chinese page says it in Chinese"


def test_past_the_code_limit_the_page_says_so_in_its_own_language(client: TestClient) -> None:
    answers = [client.post("/chat", data={"lang": "zh", "owner_id": "13900000077"})
               for _ in range(6)]  # fmt: skip
    assert answers[-1].status_code == 429
    assert "请求太频繁" in answers[-1].text
    assert "try again" not in answers[-1].text
