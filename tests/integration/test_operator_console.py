"""The operator console over HTTP: operators sign in at the portal and land on the console,
which plots the platform's funnel from real events and each lender's reliability, and searches
the audit log; lender staff cannot open it, and operators open no lender's inbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from loanmatch.services.staff import add_staff
from loanmatch.storage.records import PLATFORM
from tests.integration.test_lender_portal import PASSWORD, Portal, _applied, csrf, login, portal

__all__ = ["portal"]


def _operator(portal: Portal) -> TestClient:
    add_staff(portal.database.unit_of_work(), PLATFORM, "ops", PASSWORD, "operator",
              datetime.now(UTC))  # fmt: skip
    browser = TestClient(portal.app)
    signed = login(browser, "ops", PASSWORD)
    assert signed.status_code == 303
    assert signed.headers["location"].startswith("/operator")
    return browser


def test_an_operator_sees_the_funnel_the_lenders_and_the_audit_log(portal: Portal) -> None:
    _, ids = _applied(portal)
    alice = portal.staff("bank_a", "alice")
    page = alice.get(f"/lender/applications/{ids['p1']}")
    alice.post(f"/lender/applications/{ids['p1']}/decision", data={
        "csrf": csrf(page.text), "action": "approve", "amount": "30万", "rate": "4.8",
        "term": "12", "method": "equal_instalment"})  # fmt: skip
    ops = _operator(portal)
    overview = ops.get("/operator?lang=en")
    assert overview.status_code == 200
    assert 'id="funnel-plot"' in overview.text
    assert 'id="funnel-caption"' in overview.text
    bars = dict(re.findall(r"<text x=\"0\" y=\"\d+\">([^<]+)</text>\s*<rect[^>]*></rect>\s*"
                           r"<text[^>]*>(\d+)</text>", overview.text))  # fmt: skip
    assert (bars["Started"], bars["Applied"], bars["Heard a decision"], bars["Approved"]) == (
        "1", "1", "1", "1")  # fmt: skip
    lenders = ops.get("/operator/lenders?lang=en")
    row = re.search(r'data-lender="bank_a">(.*?)</tr>', lenders.text, re.DOTALL)
    assert row is not None
    assert re.findall(r"<td>([^<]*)</td>", row.group(1))[1:4] == ["1", "1", "100%"]
    ledger = ops.get("/operator/ledger?lang=en")
    assert ledger.status_code == 200
    assert 'id="console-ledger-plot"' in ledger.text
    assert "<circle " in ledger.text, "the approval is a point of the calibration plot"
    assert 'id="console-ledger-caption"' in ledger.text
    assert 'data-lender="bank_a"' in ledger.text
    found = ops.get("/operator/audit", params={"q": "approve"})
    assert "application.approve" in found.text
    assert "application.submitted" not in found.text
    assert "110101199003074518" not in found.text, "the audit log holds masked values only"


def test_lender_staff_cannot_open_the_console_and_operators_open_no_inbox(portal: Portal) -> None:
    alice = portal.staff("bank_a", "alice")
    assert alice.get("/operator").status_code == 403
    ops = _operator(portal)
    moved = ops.get("/lender/inbox", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"].startswith("/operator")
    assert TestClient(portal.app).get("/operator", follow_redirects=False).status_code == 303
