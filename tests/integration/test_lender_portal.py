"""The lender portal over HTTP on a SQLite file: staff sign in with a password, see only their
lender's inbox, decide through the form (audited as the staff user), and see their funnel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.services.staff import add_staff
from loanmatch.settings import Settings
from loanmatch.storage.database import Database
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.portal_inbox import install_portal
from loanmatch.web.rate_limits import install_rate_limits
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.integration.test_applications_api import backend_on, finished

PASSWORD = "a long portal password"


@dataclass
class Portal:
    app: FastAPI
    owner: TestClient
    database: Database
    backend: SessionsBackend

    def staff(self, lender: str = "bank_a", username: str = "alice") -> TestClient:
        """A new browser signed in as ``username`` of ``lender`` (added when new)."""
        with self.database.unit_of_work() as uow:
            known = uow.staff.user_named(username)
        if known is None:
            add_staff(self.database.unit_of_work(), lender, username, PASSWORD, "officer",
                      datetime.now(UTC))  # fmt: skip
        browser = TestClient(self.app)
        signed = login(browser, username, PASSWORD)
        assert signed.status_code == 303, signed.text
        return browser


def login(browser: TestClient, username: str, password: str) -> httpx.Response:
    page = browser.get("/lender/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce is not None
    answer: httpx.Response = browser.post(
        "/lender/login",
        data={"username": username, "password": password, "nonce": nonce.group(1)},
        follow_redirects=False,
    )
    return answer


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    database = Database(f"sqlite:///{tmp_path / 'portal.db'}")
    database.upgrade()
    backend = backend_on(database)
    app = FastAPI()
    install_sessions_api(app, backend)
    install_applications_api(app)
    install_rate_limits(app, Settings(rate_logins="4/minute"))
    install_portal(app)
    with TestClient(app) as owner:
        yield Portal(app, owner, database, backend)
    database.dispose()


def _applied(portal: Portal) -> tuple[str, dict[str, str]]:
    """A finished session applied to p1 (bank_a) and p3 (bank_b): (session id, ids by product)."""
    session = finished(portal.owner)
    applied = portal.owner.post(
        f"/api/v1/sessions/{session}/applications", json={"products": ["p1", "p3"]},
        headers={"Idempotency-Key": "k"},
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    return session, {a["product_id"]: a["id"] for a in applied.json()}


def test_staff_sign_in_see_only_their_lenders_inbox_and_approve_through_the_form(
    portal: Portal,
) -> None:
    session, ids = _applied(portal)
    alice = portal.staff("bank_a", "alice")
    inbox = alice.get("/lender/inbox")
    assert inbox.status_code == 200
    assert ids["p1"] in inbox.text
    assert ids["p3"] not in inbox.text
    page = alice.get(f"/lender/applications/{ids['p1']}")
    assert page.status_code == 200
    assert 'id="approve-form"' in page.text
    assert 'id="facts"' in page.text
    other = alice.get(f"/lender/applications/{ids['p3']}")
    assert other.status_code == 404
    form = {"csrf": csrf(page.text), "action": "approve", "amount": "30万", "rate": "4.8",
            "term": "12", "method": "equal_instalment"}  # fmt: skip
    done = alice.post(f"/lender/applications/{ids['p1']}/decision", data=form,
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    mine = {a["id"]: a for a in portal.owner.get(f"/api/v1/sessions/{session}/applications").json()}
    step = mine[ids["p1"]]["history"][-1]
    assert mine[ids["p1"]]["status"] == "approved"
    assert (step["amount_yuan"], step["annual_rate"]) == (300000, 0.048)
    assert step["actor"].startswith("staff:bank_a/")
    again = alice.post(f"/lender/applications/{ids['p1']}/decision", data=form)
    assert again.status_code == 409
    assert 'role="alert"' in again.text


def test_a_form_without_its_csrf_value_changes_nothing(portal: Portal) -> None:
    _, ids = _applied(portal)
    alice = portal.staff()
    form = {"action": "decline", "reasons": ["revenue"], "csrf": "forged"}
    refused = alice.post(f"/lender/applications/{ids['p1']}/decision", data=form)
    assert refused.status_code == 403
    assert "form" in refused.text
    with portal.database.unit_of_work() as uow:
        stored = uow.applications.get(ids["p1"])
    assert stored is not None
    assert stored.status.value == "submitted"


def test_a_decline_without_a_reason_is_refused_on_the_page_naming_the_term(portal: Portal) -> None:
    _, ids = _applied(portal)
    alice = portal.staff()
    page = alice.get(f"/lender/applications/{ids['p1']}")
    refused = alice.post(f"/lender/applications/{ids['p1']}/decision",
                         data={"csrf": csrf(page.text), "action": "decline"})  # fmt: skip
    assert refused.status_code == 422
    assert "reasons" in refused.text


def test_an_approval_with_an_unreadable_rate_is_refused_saying_what_was_received(
    portal: Portal,
) -> None:
    _, ids = _applied(portal)
    alice = portal.staff()
    page = alice.get(f"/lender/applications/{ids['p1']}")
    form = {"csrf": csrf(page.text), "action": "approve", "amount": "30万", "rate": "four",
            "term": "12", "method": "equal_instalment"}  # fmt: skip
    refused = alice.post(f"/lender/applications/{ids['p1']}/decision", data=form)
    assert refused.status_code == 422
    assert "four" in refused.text


def test_pages_need_a_sign_in_and_a_wrong_password_is_401(portal: Portal) -> None:
    browser = TestClient(portal.app)
    for path in ("/lender/inbox", "/lender/funnel", "/lender/applications/x"):
        answer = browser.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/lender/login")
    portal.staff()
    assert login(TestClient(portal.app), "alice", "not the password").status_code == 401


def test_a_sign_in_form_without_its_cookie_is_refused(portal: Portal) -> None:
    portal.staff()
    forged = TestClient(portal.app).post(
        "/lender/login", data={"username": "alice", "password": PASSWORD, "nonce": "x"}
    )
    assert forged.status_code == 403


def test_sign_in_tries_are_rate_limited_per_user_name(portal: Portal) -> None:
    portal.staff()  # one try
    codes = [login(TestClient(portal.app), "alice", "wrong wrong wrong").status_code
             for _ in range(4)]  # fmt: skip
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_signing_out_ends_the_session(portal: Portal) -> None:
    alice = portal.staff()
    page = alice.get("/lender/inbox")
    out = alice.post("/lender/logout", data={"csrf": csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert alice.get("/lender/inbox", follow_redirects=False).status_code == 303


def test_the_funnel_plots_the_lenders_own_counts(portal: Portal) -> None:
    _, ids = _applied(portal)
    alice = portal.staff()
    page = alice.get(f"/lender/applications/{ids['p1']}")
    declined = {"csrf": csrf(page.text), "action": "decline", "reasons": ["revenue"]}
    alice.post(f"/lender/applications/{ids['p1']}/decision", data=declined)
    funnel = alice.get("/lender/funnel?lang=en")
    assert funnel.status_code == 200
    assert 'id="funnel-plot"' in funnel.text
    assert "<rect" in funnel.text
    total = re.search(r'id="funnel-total">(.*?)</tr>', funnel.text, re.DOTALL)
    assert total is not None
    cells = re.findall(r"<td>([^<]*)</td>", total.group(1))
    assert cells[:6] == ["Total", "1", "0", "0", "1", "0"]
    assert "Revenue too low" in funnel.text
