"""Tenancy over every lender-scoped and owner-scoped route, listed from the OpenAPI document
(not by hand): another lender's key, or another owner's token on a session, gets 404 and learns
nothing of the other's applications or session; no token is 401; a list shows only the caller's
own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from loanmatch.services import products as svc
from tests.integration.test_applications_api import Served, finished, serving

BODIES: dict[str, dict[str, object]] = {
    "/api/v1/lender/applications/{application_id}/decision": {
        "action": "decline", "reasons": ["revenue"],
    },
}  # fmt: skip
"""A valid body for each route that needs one (else none is sent)."""


OWNERS = {"mine": "13800000001", "theirs": "13800000002"}


@pytest.fixture
def two_of_each(tmp_path: Path) -> Iterator[tuple[Served, dict[str, str]]]:
    """Two owners, each applied to p1 (bank_a) and p3 (bank_b); ids by name, and each owner's
    Authorization header (``mine_auth``, ``theirs_auth``); the client is left signed in as
    ``mine``."""
    with serving(tmp_path / "tenancy.db") as served:
        client = served.client
        ids: dict[str, str] = {}
        for owner in ("theirs", "mine"):
            session = finished(client, OWNERS[owner])
            ids[f"{owner}_auth"] = client.headers["Authorization"]
            made = client.post(f"/api/v1/sessions/{session}/applications",
                               json={"products": ["p1", "p3"]},
                               headers={"Idempotency-Key": owner}).json()  # fmt: skip
            ids[f"{owner}_session"] = session
            ids[f"{owner}_bank_a"] = made[0]["id"]
            ids[f"{owner}_bank_b"] = made[1]["id"]
        yield served, ids


def _routes(app: FastAPI, keep: str) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if keep in path
    ]


def test_a_lender_reaches_no_other_lenders_application_on_any_route(
    two_of_each: tuple[Served, dict[str, str]],
) -> None:
    served, ids = two_of_each
    bank_a = served.key("bank_a")["Authorization"]
    routes = _routes(served.client.app, "/api/v1/lender/applications")  # type: ignore[arg-type]
    assert len(routes) >= 3
    other_ids = {ids["mine_bank_b"], ids["theirs_bank_b"]}
    for method, path in routes:
        if "{application_id}" in path:
            for other in other_ids:
                url = path.replace("{application_id}", other)
                answer = served.client.request(method, url, json=BODIES.get(path),
                                               headers={"Authorization": bank_a})  # fmt: skip
                assert answer.status_code == 404, (method, path, answer.text)
                assert answer.json()["code"] == "application.not_found"
                assert ids["mine_session"] not in answer.text
                assert ids["theirs_session"] not in answer.text
        else:
            answer = served.client.request(method, path, headers={"Authorization": bank_a})
            assert answer.status_code == 200, (method, path, answer.text)
            listed = answer.json()
            assert {a["lender_id"] for a in listed} == {"bank_a"}
            assert not other_ids & {a["id"] for a in listed}
    with served.database.unit_of_work() as uow:
        assert all(a.status.value == "submitted" for a in uow.applications.for_lender("bank_b"))


def test_an_owner_reaches_no_other_owners_session_on_any_route(
    two_of_each: tuple[Served, dict[str, str]],
) -> None:
    served, ids = two_of_each
    routes = [
        (m, p)
        for m, p in _routes(served.client.app, "/api/v1/sessions/")  # type: ignore[arg-type]
        if "{session_id}" in p
    ]
    assert len(routes) >= 10, routes
    fills = {"{application_id}": ids["theirs_bank_a"], "{source}": "tax", "{feature}": "tax_grade"}
    with served.database.unit_of_work() as uow:
        before = uow.sessions.get(ids["theirs_session"])
    for method, path in routes:
        url = path.replace("{session_id}", ids["theirs_session"])
        for hole, value in fills.items():
            url = url.replace(hole, value)
        body = BODIES.get(path, {"text": "B", "sources": [], "products": ["p1"], "message": "B"})
        extra = {"Idempotency-Key": "probe"}
        mine = served.client.request(method, url, json=body, headers=extra)
        assert mine.status_code == 404, (method, path, mine.text)
        assert mine.json()["code"] == "session.not_found"
        assert ids["theirs_bank_a"] not in mine.text
        anonymous = served.client.request(
            method, url, json=body, headers={**extra, "Authorization": ""}
        )
        assert anonymous.status_code == 401, (method, path, anonymous.text)
    with served.database.unit_of_work() as uow:
        assert uow.sessions.get(ids["theirs_session"]) == before, "nothing of theirs changed"
        assert {a.status.value for a in uow.applications.for_session(ids["theirs_session"])} == {
            "submitted"
        }


def test_an_owner_reaches_no_other_owners_application_on_any_route(
    two_of_each: tuple[Served, dict[str, str]],
) -> None:
    served, ids = two_of_each
    routes = [
        (m, p)
        for m, p in _routes(served.client.app, "/api/v1/sessions/")  # type: ignore[arg-type]
        if "{application_id}" in p
    ]
    assert routes, "the OpenAPI document lists owner routes on one application"
    for method, path in routes:
        for other in (ids["theirs_bank_a"], ids["theirs_bank_b"]):
            url = path.replace("{session_id}", ids["mine_session"]).replace(
                "{application_id}", other
            )
            answer = served.client.request(method, url, json=BODIES.get(path))
            assert answer.status_code == 404, (method, path, answer.text)
            assert ids["theirs_session"] not in answer.text
    mine = served.client.get(f"/api/v1/sessions/{ids['mine_session']}/applications").json()
    assert {a["id"] for a in mine} == {ids["mine_bank_a"], ids["mine_bank_b"]}
    ledger = served.client.get(f"/api/v1/sessions/{ids['mine_session']}/releases").json()
    assert {r["application_id"] for r in ledger} == {ids["mine_bank_a"], ids["mine_bank_b"]}
    theirs = served.client.get(
        f"/api/v1/sessions/{ids['theirs_session']}/applications",
        headers={"Authorization": ids["theirs_auth"]},
    ).json()
    assert all(a["status"] == "submitted" for a in theirs), "nothing of theirs was changed"


PRODUCT_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/api/v1/lender/products/{product_id}/versions/{version}/publish"): {},
    ("POST", "/api/v1/lender/products/{product_id}/rollback"): {"version": 1},
}
"""A valid body for each product route that needs one (the create route: see below)."""


def test_a_lender_reaches_no_other_lenders_product_on_any_route(
    two_of_each: tuple[Served, dict[str, str]],
) -> None:
    """bank_b's trained product p3 and its new product b_new (a published version), probed
    with bank_a's key on every product route of the OpenAPI document: 404 as for an unknown
    id, lists without them, and nothing of bank_b's changes."""
    served, _ = two_of_each
    backend = served.backend
    assert backend.products is not None
    new = {"id": "b_new", "lender": "bank_b", "rules": ["enterprise_age_years >= 1"]}
    svc.save_draft(served.database.unit_of_work(), backend.products, "bank_b", "b", new)
    svc.publish(served.database.unit_of_work(), backend.products, "bank_b", "b", "b_new", 1)
    bank_a = {"Authorization": served.key("bank_a")["Authorization"]}
    routes = _routes(served.client.app, "/api/v1/lender/products")  # type: ignore[arg-type]
    assert len(routes) >= 6, routes
    with served.database.unit_of_work() as uow:
        before = list(uow.products.for_lender("bank_b"))
    for method, path in routes:
        if "{product_id}" in path:
            for other in ("p3", "b_new"):
                url = path.replace("{product_id}", other).replace("{version}", "1")
                answer = served.client.request(method, url, headers=bank_a,
                                               json=PRODUCT_BODIES.get((method, path)))  # fmt: skip
                assert answer.status_code == 404, (method, path, answer.text)
                assert answer.json()["code"] == "product.not_found"
                assert "enterprise_age_years" not in answer.text
        elif method == "GET":
            listed = served.client.get(path, headers=bank_a).json()
            assert {p["lender_id"] for p in listed} == {"bank_a"}
            assert {p["product_id"] for p in listed} == {"p1", "p2"}
        else:
            for body in ({**new, "lender": "bank_a"}, {**new, "id": "p3", "lender": "bank_a"}):
                taken = served.client.post(path, headers=bank_a, json={"product": body})
                assert taken.status_code == 404, (path, taken.text)
            foreign = served.client.post(path, headers=bank_a, json={"product": new})
            assert foreign.status_code == 403, foreign.text
        anonymous = served.client.request(method, path.replace("{product_id}", "p3")
                                          .replace("{version}", "1"))  # fmt: skip
        assert anonymous.status_code in (401, 422), (method, path, anonymous.text)
    with served.database.unit_of_work() as uow:
        assert list(uow.products.for_lender("bank_b")) == before, "nothing of theirs changed"
        assert uow.products.for_lender("bank_a") == []
