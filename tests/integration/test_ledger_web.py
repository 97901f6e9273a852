"""Who sees the ledger (issue 13): a lender's staff see their own on /lender/ledger (an SVG
calibration plot with axes, points, interval bars and a caption), a lender's key reads its own
at /api/v1/lender/ledger and never another's figures, anyone reads the owners' summary at
/api/v1/ledger/summary, and an offer in the chat carries its track record's sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loanmatch.domain.applications import Action, Application, Decision, Prediction, transition
from loanmatch.domain.approval_band import Band
from loanmatch.matching.results import ApplicantResult, Offer
from loanmatch.services.ledger import MIN_OWNER_DECISIONS
from loanmatch.services.lender_keys import issue_key
from loanmatch.services.staff import add_staff
from loanmatch.settings import Settings
from loanmatch.storage.database import Database
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.chat_applications import track_lines
from loanmatch.web.ledger_api import install_ledger_api
from loanmatch.web.portal_inbox import install_portal
from loanmatch.web.rate_limits import install_rate_limits
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.integration.storage.test_repositories import a_session
from tests.integration.test_applications_api import backend_on
from tests.integration.test_lender_portal import PASSWORD, login
from tests.unit.services.fakes import PRODUCTS, FakeClock

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
"""The fake clock's time (tests/unit/services/fakes.py)."""
APPROVAL = Decision(amount_yuan=2e5, annual_rate=0.05, term_months=12,
                    repayment_method="interest_first")  # fmt: skip
DECLINE = Decision(reasons=("revenue",))
BANK_A = 60
"""bank_a's decisions: 54 approved of 60 (told 90%+); bank_b: 7 of 10, so told 90%+ counts 70."""


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    database: Database
    backend: SessionsBackend


def _decided(
    app_id: str, session: str, product: str, approved: bool, days_ago: float
) -> Application:
    lender = next(p.lender for p in PRODUCTS if p.id == product)
    at = NOW - timedelta(days=days_ago)
    made = Application(app_id, session, product, lender, at, idempotency_key="k",
                       prediction=Prediction("sha256:abc", 0.96, 0.8, 0.91, 0.97, 1.0))  # fmt: skip
    action: Action = "approve" if approved else "decline"
    said = APPROVAL if approved else DECLINE
    return transition(made, action, "lender", f"lender:{lender}/k", at + timedelta(hours=1), said)


def _fill(database: Database) -> None:
    with database.unit_of_work() as uow:
        for k in range(BANK_A + 11):
            uow.sessions.add(a_session(f"s-{k}"))
        for k in range(BANK_A):
            uow.applications.add(_decided(f"a-{k}", f"s-{k}", "p1" if k % 2 else "p2",
                                          k % 10 != 0, days_ago=1 + k))  # fmt: skip
        for k in range(10):
            uow.applications.add(_decided(f"b-{k}", f"s-{BANK_A + k}", "p3", k < 7, days_ago=2))
        # outside the 90-day window: never counted
        uow.applications.add(_decided("old", f"s-{BANK_A + 10}", "p3", False, days_ago=200))
        uow.commit()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database = Database(f"sqlite:///{tmp_path / 'ledger.db'}")
    database.upgrade()
    backend = backend_on(database)
    app = FastAPI()
    install_sessions_api(app, backend)
    install_applications_api(app)
    install_ledger_api(app)
    install_rate_limits(app, Settings())
    install_portal(app)
    _fill(database)
    with TestClient(app) as client:
        yield Served(app, client, database, backend)
    database.dispose()


def _key(served: Served, lender: str) -> dict[str, str]:
    _, secret = issue_key(served.database.unit_of_work(), lender, NOW, ("applications:read",))
    return {"Authorization": f"Bearer {secret}"}


def _staff(served: Served, lender: str, username: str) -> TestClient:
    add_staff(served.database.unit_of_work(), lender, username, PASSWORD, "officer", NOW)
    browser = TestClient(served.app)
    assert login(browser, username, PASSWORD).status_code == 303
    return browser


def test_a_lender_key_reads_its_own_ledger_and_never_another_lenders_figures(
    served: Served,
) -> None:
    mine = served.client.get("/api/v1/lender/ledger", headers=_key(served, "bank_a"))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["overall"]["decisions"], body["overall"]["approved"]) == (BANK_A, 54)
    assert {c["product"] for c in body["products"]} == {"p1", "p2"}
    assert "p3" not in mine.text
    assert "bank_b" not in mine.text
    assert body["alarm"]["lender"] == "bank_a"
    assert body["overall"]["low"] < 0.9 < body["overall"]["high"]
    theirs = served.client.get("/api/v1/lender/ledger", headers=_key(served, "bank_b"))
    assert theirs.json()["overall"]["decisions"] == 10, "the 200-day-old decision is outside"
    assert served.client.get("/api/v1/lender/ledger").status_code == 401
    short = served.client.get("/api/v1/lender/ledger?days=30", headers=_key(served, "bank_a"))
    assert short.json()["overall"]["decisions"] == 30


def test_the_public_summary_counts_owners_told_a_figure_or_more_without_personal_data(
    served: Served,
) -> None:
    answer = served.client.get("/api/v1/ledger/summary")
    assert answer.status_code == 200
    body = answer.json()
    assert body["minimum"] == MIN_OWNER_DECISIONS
    [row] = body["rows"]
    assert (row["floor"], row["decisions"], row["approved"]) == (90, 70, 61)
    assert row["realised"] == pytest.approx(61 / 70)
    assert row["low"] < 61 / 70 < row["high"]
    assert "s-1" not in answer.text
    assert "owner" not in answer.text
    few = served.client.get("/api/v1/ledger/summary?days=10").json()["rows"][0]
    assert few["decisions"] < MIN_OWNER_DECISIONS
    assert few["realised"] is None, "no rate below the minimum"


def test_the_portal_ledger_page_plots_the_lenders_own_calibration_with_axes_and_caption(
    served: Served,
) -> None:
    alice = _staff(served, "bank_a", "alice")
    page = alice.get("/lender/ledger")
    assert page.status_code == 200
    html = page.text
    assert 'id="nav-ledger"' in html
    plot = html[
        html.index('id="ledger-plot"') : html.index("</svg>", html.index('id="ledger-plot"'))
    ]
    assert len(re.findall(r"<circle ", plot)) == 1, "one band of P: one point"
    assert 'class="diagonal"' in plot
    assert len(re.findall(r'class="x-tick"', plot)) >= 5
    assert "预测获批概率" in plot
    assert "实际获批率" in plot
    assert "过去90天共60笔决定" in html
    assert "95%精确置信区间" in html
    assert 'id="ledger-no-alarm"' in html
    english = alice.get("/lender/ledger?lang=en").text
    assert "Predicted P(approve)" in english
    assert "60 decisions in the last 90 days" in english
    bob = _staff(served, "bank_b", "bob")
    theirs = bob.get("/lender/ledger").text
    assert "共10笔决定" in theirs
    assert "p1" not in theirs.replace("/lender", "")
    assert TestClient(served.app).get("/lender/ledger", follow_redirects=False).status_code == 303


def test_an_offer_carries_its_track_record_or_says_there_are_too_few_decisions(
    served: Served,
) -> None:
    band = Band(0.91, 0.97, 400, 376, 0.95, 1.0)
    result = ApplicantResult("x", (Offer(PRODUCTS[0], 0.96, 1, band=band),
                                   Offer(PRODUCTS[2], 0.86, 2)), (), 0.8)  # fmt: skip
    lines = track_lines(served.backend, result, "zh-CN")
    assert lines["p1"] == "获批概率90%以上的推荐中，过去90天有87%获批（70笔）"
    assert lines["p3"] == "获批概率85%以上的推荐中，过去90天有87%获批（70笔）"
    english = track_lines(served.backend, result, "en")
    assert english["p1"] == "Of owners told 90%+, 87% were approved, last 90 days, 70 decisions"
    clock = served.backend.context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(days=85)  # the window now holds 15 decisions (5 of bank_a, 10 of bank_b)
    few = track_lines(served.backend, result, "zh-CN")["p1"]
    assert few == "获批概率90%以上的推荐，过去90天只有15笔审批结果，不足50笔，暂不公布实际获批率"
    assert "%获批" not in few
