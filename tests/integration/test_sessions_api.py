"""The sessions JSON API through FastAPI's TestClient, on a SQLite file, with a fake engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.adapters.consistency_file import load_consistency
from loanmatch.errors import ConnectorTimeout
from loanmatch.storage.database import Database
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.owners import sign_in, start
from tests.unit.services.fakes import FakeClock, FakeConnector, FakeEngine, context, default_catalog

ALL = ["registry", "tax", "bureau", "bank"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    database = Database(f"sqlite:///{tmp_path / 'api.db'}")
    database.upgrade()
    connectors = {
        "registry": FakeConnector("registry", {"enterprise_age_years": 6.0}),
        "tax": FakeConnector("tax", {"tax_grade": "A"}, error=ConnectorTimeout("tax", "slow")),
        "bureau": FakeConnector("bureau", {"owner_bureau_score": 700.0}),
        "bank": FakeConnector("bank", {"monthly_bank_inflow": 1e5}),
    }
    ctx = context(FakeEngine(default_catalog()), connectors, FakeClock())
    app = FastAPI()
    install_sessions_api(app, SessionsBackend(database.unit_of_work, ctx))
    with TestClient(app) as test_client:
        test_client.headers.update(sign_in(test_client))
        yield test_client
    database.dispose()


def _start(client: TestClient, lang: str = "zh-CN") -> str:
    response = start(
        client,
        {"lang": lang, "enterprise_id": "91330106000000019W", "owner_id": "O1"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["stage"] == "consent"
    return str(response.json()["session_id"])


def test_an_owner_goes_from_consent_to_offers_over_http(client: TestClient) -> None:
    session = _start(client, "en")
    body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ALL}).json()
    assert body["stage"] == "asking"
    assert body["sources"]["tax"] == "timeout"
    assert any(n["code"] == "source_timeout" and "tax" in n["message"] for n in body["notices"])
    assert body["question"]["feature"] == "loan_amount"
    assert body["question"]["text"]
    assert body["question"]["seq"] == 1
    body = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "50万", "question": 1}
    ).json()
    assert (body["question"]["feature"], body["question"]["seq"]) == ("annual_revenue", 2)
    body = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "B", "feature": "tax_grade"}
    ).json()
    body = client.post(
        f"/api/v1/sessions/{session}/answers",
        json={"text": "don't know", "question": body["question"]["seq"]},
    ).json()
    assert body["stage"] == "done"
    assert body["result"]["threshold"] == 0.8
    known = {k["feature"]: k for k in body["known"]}
    assert known["loan_amount"]["value"] == 500000.0
    assert known["annual_revenue"]["provenance"] == "dont_know"
    assert known["enterprise_age_years"]["provenance"] == "connector"


def test_a_correction_is_a_put_on_the_feature(client: TestClient) -> None:
    session = _start(client)
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ALL})
    response = client.put(
        f"/api/v1/sessions/{session}/answers/owner_bureau_score", json={"text": 650}
    )
    assert response.status_code == 200
    score = next(k for k in response.json()["known"] if k["feature"] == "owner_bureau_score")
    assert (score["value"], score["provenance"]) == (650.0, "corrected")


def test_a_bad_answer_is_a_422_with_a_machine_readable_body_and_changes_nothing(
    client: TestClient,
) -> None:
    session = _start(client)
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
    before = client.get(f"/api/v1/sessions/{session}").json()
    seq = before["question"]["seq"]
    response = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "很多钱", "question": seq}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_answer"
    assert body["where"] == {"feature": "loan_amount"}
    assert body["message_zh"]
    assert body["message"]
    assert client.get(f"/api/v1/sessions/{session}").json() == before


def test_an_unknown_session_is_a_404(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/sessions/nope"),
        client.post("/api/v1/sessions/nope/answers", json={"text": "1"}),
        client.post("/api/v1/sessions/nope/consent", json={"sources": []}),
        client.delete("/api/v1/sessions/nope/consent/tax"),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "session_not_found"


def test_consent_can_be_revoked_over_http_and_bad_consents_are_422(client: TestClient) -> None:
    session = _start(client)
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ALL})
    response = client.delete(f"/api/v1/sessions/{session}/consent/bureau")
    assert response.status_code == 200
    body = response.json()
    assert {c["source"]: c["status"] for c in body["consents"]}["bureau"] == "revoked"
    assert "owner_bureau_score" not in {k["feature"] for k in body["known"]}
    again = client.delete(f"/api/v1/sessions/{session}/consent/bureau")
    assert again.status_code == 422
    assert again.json()["error"] == "invalid_consent"
    bad = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ["x"], "days": 9})
    assert bad.status_code == 422
    assert "message_zh" in bad.json()


def test_texts_follow_the_lang_query(client: TestClient) -> None:
    session = _start(client, "zh-CN")
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
    zh = client.get(f"/api/v1/sessions/{session}").json()["question"]
    en = client.get(f"/api/v1/sessions/{session}", params={"lang": "en"}).json()["question"]
    assert zh["feature"] == en["feature"]
    assert zh["text"] != en["text"]


def test_a_contradictory_answer_is_a_422_naming_the_fact_it_contradicts(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'checks.db'}")
    database.upgrade()
    catalog = default_catalog()
    engine = FakeEngine(catalog, checks=load_consistency(catalog))
    app = FastAPI()
    install_sessions_api(
        app, SessionsBackend(database.unit_of_work, context(engine, {}, FakeClock()))
    )
    with TestClient(app) as client:
        started = start(client, {"enterprise_id": "91440305000000027E", "owner_id": "O2"})
        session = started.json()["session_id"]
        client.put(f"/api/v1/sessions/{session}/answers/hard_inquiries_6m", json={"text": "1"})
        before = client.get(f"/api/v1/sessions/{session}").json()
        response = client.put(
            f"/api/v1/sessions/{session}/answers/hard_inquiries_3m", json={"text": "4"}
        )
        assert response.status_code == 422
        body = response.json()
        assert (body["reason"], body["contradicts"]) == ("contradiction", ["hard_inquiries_6m"])
        assert body["where"] == {"feature": "hard_inquiries_3m"}
        assert client.get(f"/api/v1/sessions/{session}").json() == before
    database.dispose()


def test_an_answer_to_a_question_already_answered_is_a_409_and_lands_nowhere(
    client: TestClient,
) -> None:
    session = _start(client)
    body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []}).json()
    seq = body["question"]["seq"]
    first = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "50万", "question": seq}
    )
    assert first.status_code == 200
    after = first.json()
    again = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "50万", "question": seq}
    )
    assert again.status_code == 409
    refused = again.json()
    assert refused["code"] == "session.conflict.stale_question"
    assert refused["error"] == "session_conflict"
    assert refused["where"] == {"setting": "question"}
    assert (refused["question"], refused["feature"]) == (seq + 1, after["question"]["feature"])
    assert client.get(f"/api/v1/sessions/{session}").json() == after


def test_an_answer_naming_neither_question_nor_feature_is_a_422_naming_the_question_field(
    client: TestClient,
) -> None:
    session = _start(client)
    before = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []}).json()
    response = client.post(f"/api/v1/sessions/{session}/answers", json={"text": "50万"})
    assert response.status_code == 422
    assert response.json()["where"] == {"setting": "question"}
    assert client.get(f"/api/v1/sessions/{session}").json() == before


def test_a_category_question_lists_its_choices_with_both_labels(client: TestClient) -> None:
    session = _start(client, "en")
    client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
    seq = client.get(f"/api/v1/sessions/{session}").json()["question"]["seq"]
    client.post(f"/api/v1/sessions/{session}/answers", json={"text": "50万", "question": seq})
    body = client.post(
        f"/api/v1/sessions/{session}/answers", json={"text": "300万", "question": seq + 1}
    ).json()
    question = body["question"]
    assert question["feature"] == "tax_grade"
    assert question["choices"][0] == {
        "value": "A", "label": "Grade A", "label_zh": "A级", "label_en": "Grade A"
    }  # fmt: skip
    tapped = client.post(
        f"/api/v1/sessions/{session}/answers",
        json={"text": question["choices"][1]["value"], "question": question["seq"]},
    ).json()
    assert {k["feature"]: k["value"] for k in tapped["known"]}["tax_grade"] == "B"


def test_the_owner_may_stop_answering_and_get_the_offers_of_what_is_known(
    client: TestClient,
) -> None:
    session = _start(client)
    body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []}).json()
    client.post(
        f"/api/v1/sessions/{session}/answers",
        json={"text": "50万", "question": body["question"]["seq"]},
    )
    done = client.post(f"/api/v1/sessions/{session}/finish")
    assert done.status_code == 200
    out = done.json()
    assert (out["stage"], out["question"], out["result"]["threshold"]) == ("done", None, 0.8)
    assert [k["feature"] for k in out["known"]] == ["loan_amount"]
    assert client.post(f"/api/v1/sessions/{session}/finish").json() == out
    assert client.post("/api/v1/sessions/nope/finish").status_code == 404


def test_a_mistyped_credit_code_is_a_422_naming_the_field_before_any_source_is_asked(
    client: TestClient,
) -> None:
    typed = "91330106000000019X"  # the check character should be W
    response = start(client, {"enterprise_id": typed, "owner_id": "O1"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "input.credit_code"
    assert body["where"] == {"setting": "enterprise_id"}
    assert body["message_zh"].startswith("统一社会信用代码校验位不符：第18位应为W")
    assert typed in body["message_zh"]
    assert "check character of the unified social credit code does not match" in body["message"]
