"""The applications API over HTTP on a SQLite file (and its races on PostgreSQL): an owner applies,
the lender reads its inbox with its own API key and decides, the owner sees the decision."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.domain.products import Market
from loanmatch.errors import ApplyRefusedError, TransitionError
from loanmatch.services import applications as apps
from loanmatch.services.lender_keys import SCOPES, issue_key
from loanmatch.services.products import ProductsContext
from loanmatch.storage.database import Database
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.products_api import install_products_api
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.owners import start
from tests.unit.services.fakes import (
    APPROVAL,
    PRODUCTS,
    FakeClock,
    FakeConnector,
    OfferingEngine,
    context,
    default_catalog,
)

ALL = ["registry", "tax", "bureau", "bank"]
REPLIES = {"loan_amount": "50万", "annual_revenue": "800万", "tax_grade": "B",
           "owner_bureau_score": "700", "loan_term_months": "12"}  # fmt: skip


@dataclass
class Served:
    client: TestClient
    database: Database
    backend: SessionsBackend

    def key(self, lender: str, *scopes: str) -> dict[str, str]:
        chosen = scopes or SCOPES
        _, token = issue_key(self.database.unit_of_work(), lender, self.backend.context.clock(),
                             chosen)  # fmt: skip
        return {"Authorization": f"Bearer {token}"}


def backend_on(database: Database) -> SessionsBackend:
    connectors = {"tax": FakeConnector("tax", {"annual_revenue": 8e6, "tax_grade": "B"})}
    ctx = context(OfferingEngine(default_catalog()), connectors, FakeClock())
    market = Market(default_catalog(), PRODUCTS)
    products = ProductsContext(market, clock=ctx.clock)
    return SessionsBackend(database.unit_of_work, ctx, market, products=products)


@contextmanager
def serving(path: Path) -> Iterator[Served]:
    """The sessions and applications APIs over a fake engine, on a new SQLite file."""
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    backend = backend_on(database)
    app = FastAPI()
    install_sessions_api(app, backend)
    install_applications_api(app)
    install_products_api(app)
    with TestClient(app) as client:
        yield Served(client, database, backend)
    database.dispose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path / "api.db") as opened:
        yield opened


def finished(client: TestClient, owner: str = "110101199003074518") -> str:
    """A finished session of ``owner`` (the client is left signed in as that owner)."""
    started = start(client, {"enterprise_id": "91330106000000019W", "owner_id": owner})
    session = started.json()["session_id"]
    body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ALL}).json()
    while body["question"] is not None:
        question = body["question"]
        body = client.post(f"/api/v1/sessions/{session}/answers",
                           json={"text": REPLIES[question["feature"]], "question": question["seq"]},
                           ).json()  # fmt: skip
    assert body["stage"] == "done"
    return str(session)


def test_an_owner_applies_a_lender_decides_and_the_owner_sees_it(served: Served) -> None:
    client = served.client
    session = finished(client)
    url = f"/api/v1/sessions/{session}/applications"
    both = {"products": ["p1", "p3"]}
    applied = client.post(url, json=both, headers={"Idempotency-Key": "k1"})
    assert applied.status_code == 201, applied.text
    again = client.post(url, json=both, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 200
    assert [a["id"] for a in again.json()] == [a["id"] for a in applied.json()]
    p1 = applied.json()[0]["id"]
    bank_a, bank_b = served.key("bank_a"), served.key("bank_b")
    inbox = client.get("/api/v1/lender/applications", headers=bank_a).json()
    assert [a["id"] for a in inbox] == [p1]
    assert client.get(f"/api/v1/lender/applications/{p1}", headers=bank_b).status_code == 404
    seen = client.get(f"/api/v1/lender/applications/{p1}", headers=bank_a).json()
    assert seen["facts"]["tax_grade"] == "B"
    decision = {"action": "approve", "amount_yuan": 500000, "annual_rate": 0.048,
                "term_months": 12, "repayment_method": "equal_instalment"}  # fmt: skip
    other = client.post(f"/api/v1/lender/applications/{p1}/decision", json=decision,
                        headers=bank_b)  # fmt: skip
    assert other.status_code == 404
    assert other.json()["code"] == "application.not_found"
    done = client.post(f"/api/v1/lender/applications/{p1}/decision", json=decision,
                       headers=bank_a)  # fmt: skip
    assert done.status_code == 200, done.text
    mine = {a["id"]: a for a in client.get(f"/api/v1/sessions/{session}/applications").json()}
    assert mine[p1]["status"] == "approved"
    assert mine[p1]["history"][0]["annual_rate"] == 0.048
    assert mine[p1]["history"][0]["actor"].startswith("lender:bank_a/")
    ledger = client.get(f"/api/v1/sessions/{session}/releases").json()
    assert sorted(r["lender_id"] for r in ledger) == ["bank_a", "bank_b"]
    assert "tax_grade" in ledger[0]["fields"]


def test_deciding_twice_is_a_409_naming_the_rule(served: Served) -> None:
    session = finished(served.client)
    (app,) = served.client.post(
        f"/api/v1/sessions/{session}/applications",
        json={"products": ["p1"]},
        headers={"Idempotency-Key": "k"},
    ).json()
    bank_a = served.key("bank_a")
    url = f"/api/v1/lender/applications/{app['id']}/decision"
    first = served.client.post(url, json={"action": "decline", "reasons": ["revenue"]},
                               headers=bank_a)  # fmt: skip
    assert first.status_code == 200
    second = served.client.post(url, json={"action": "decline", "reasons": ["revenue"]},
                                headers=bank_a)  # fmt: skip
    assert second.status_code == 409
    assert second.json()["rule"] == "application.transition.state"
    bad = served.client.post(url.replace(app["id"], "nope"), json={"action": "disburse"},
                             headers=bank_a)  # fmt: skip
    assert bad.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"},
     {"Authorization": "Bearer lmk_0000.bad"}],
)  # fmt: skip
def test_the_lender_routes_answer_401_without_a_valid_key(
    served: Served, headers: dict[str, str]
) -> None:
    answer = served.client.get("/api/v1/lender/applications", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "auth"


def test_a_read_only_key_cannot_decide(served: Served) -> None:
    reader = served.key("bank_a", "applications:read")
    assert served.client.get("/api/v1/lender/applications", headers=reader).status_code == 200
    answer = served.client.post("/api/v1/lender/applications/x/decision",
                                json={"action": "disburse"}, headers=reader)  # fmt: skip
    assert answer.status_code == 401
    assert "scope" in answer.json()["message"]


def test_applying_without_an_idempotency_key_or_to_an_unoffered_product_is_a_422(
    served: Served,
) -> None:
    session = finished(served.client)
    url = f"/api/v1/sessions/{session}/applications"
    assert served.client.post(url, json={"products": ["p1"]}).status_code == 422
    refused = served.client.post(url, json={"products": ["p9"]}, headers={"Idempotency-Key": "k"})
    assert refused.status_code == 422
    assert refused.json()["rule"] == "application.refused.not_offered"


@pytest.mark.postgres
def test_fifty_racing_requests_on_postgres_keep_one_application_and_one_decision(
    postgres_database: Database,
) -> None:
    """50 threads apply with one key, then 50 decide one application: one set of
    applications, one decision, every other request refused or answered with the same."""
    backend = backend_on(postgres_database)
    ctx = apps.ApplicationsContext(backend.context, Market(default_catalog(), PRODUCTS))
    app = FastAPI()
    install_sessions_api(app, backend)
    with TestClient(app) as client:
        session = finished(client)

    def apply_once(_: int) -> tuple[str, ...]:
        done = apps.apply(postgres_database.unit_of_work(), ctx, session, ["p1", "p3"], "same")
        return tuple(sorted(a.id for a in done.applications))

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = set(pool.map(apply_once, range(50)))
    assert len(answers) == 1, f"50 requests with one key made {len(answers)} sets"
    with postgres_database.unit_of_work() as uow:
        assert len(uow.applications.for_session(session)) == 2
    target = next(iter(answers))[0]
    with postgres_database.unit_of_work() as uow:
        lender = uow.applications.get(target)
    assert lender is not None

    def decide_once(k: int) -> str:
        try:
            apps.decide(postgres_database.unit_of_work(), ctx, lender.lender_id, f"lender:{k}",
                        target, "approve", APPROVAL)  # fmt: skip
        except TransitionError:
            return "refused"
        return "decided"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(decide_once, range(50)))
    assert outcomes.count("decided") == 1, outcomes
    assert outcomes.count("refused") == 49
    with postgres_database.unit_of_work() as uow:
        final = uow.applications.get(target)
    assert final is not None
    assert [s.action for s in final.history] == ["approve"]


@pytest.mark.postgres
def test_racing_owners_on_postgres_never_pass_a_products_daily_capacity(
    postgres_database: Database,
) -> None:
    """30 owners apply to one product of capacity 10 at once: 10 applications, 20 refused."""
    backend = backend_on(postgres_database)
    limited = (replace(PRODUCTS[0], capacity_per_day=10), *PRODUCTS[1:])
    ctx = apps.ApplicationsContext(backend.context, Market(default_catalog(), limited))
    app = FastAPI()
    install_sessions_api(app, backend)
    with TestClient(app) as client:
        sessions = [finished(client) for _ in range(30)]

    def apply_once(session: str) -> str:
        try:
            apps.apply(postgres_database.unit_of_work(), ctx, session, ["p1"], "k")
        except ApplyRefusedError as refused:
            return refused.rule
        return "applied"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(apply_once, sessions))
    assert outcomes.count("applied") == 10, outcomes
    assert outcomes.count("capacity") == 20
    with postgres_database.unit_of_work() as uow:
        assert len(uow.applications.for_lender("bank_a")) == 10


def test_an_owner_erases_a_session_and_the_lender_keeps_only_its_record(served: Served) -> None:
    client = served.client
    session = finished(client)
    (app,) = client.post(f"/api/v1/sessions/{session}/applications", json={"products": ["p1"]},
                         headers={"Idempotency-Key": "k"}).json()  # fmt: skip
    assert client.delete(f"/api/v1/sessions/{session}").status_code == 204
    assert client.get(f"/api/v1/sessions/{session}").status_code == 404
    assert client.delete(f"/api/v1/sessions/{session}").status_code == 404
    seen = client.get(f"/api/v1/lender/applications/{app['id']}", headers=served.key("bank_a"))
    assert seen.json()["status"] == "withdrawn"
    assert seen.json()["facts"] == {}, "the platform no longer serves the owner's facts"
    with served.database.unit_of_work() as uow:
        record = uow.sessions.get(session)
        assert record is not None
        assert "110101199003074518" not in str(record), "ids are kept masked only"
        assert all(c.consent.revoked_at is not None for c in uow.consents.for_session(session))
        assert [r.lender_id for r in uow.releases.for_session(session)] == ["bank_a"]
        assert uow.audit.entries(session)[-1].action == "session_erased"
