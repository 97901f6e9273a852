"""Applications, the data-release ledger and lender keys keep the same promises in memory, on
SQLite and on PostgreSQL: one application per product and session, optimistic versions, an
append-only ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from loanmatch.domain.applications import Application, Decision, transition
from loanmatch.errors import ApplyRefusedError, TransitionError
from loanmatch.storage.database import Database
from loanmatch.storage.records import DataRelease, LenderKey
from tests.integration.storage.conftest import UowFactory
from tests.integration.storage.test_repositories import a_session

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
APPROVAL = Decision(
    amount_yuan=2e5, annual_rate=0.05, term_months=12, repayment_method="interest_first"
)


def an_application(app_id: str = "a-1", product: str = "p1", lender: str = "bank_a") -> Application:
    return Application(app_id, "s-1", product, lender, NOW, idempotency_key="k")


def stored(uow_factory: UowFactory, *applications: Application) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        for application in applications:
            uow.applications.add(application)
        uow.commit()


def test_an_application_and_its_history_read_back_as_written(uow_factory: UowFactory) -> None:
    stored(uow_factory, an_application())
    with uow_factory() as uow:
        current = uow.applications.get("a-1")
        assert current is not None
        approved = transition(current, "approve", "lender", "lender:bank_a/k1", NOW, APPROVAL)
        uow.applications.update(approved)
        uow.commit()
    with uow_factory() as uow:
        back = uow.applications.get("a-1")
    assert back == replace(approved, version=1)
    assert back is not None
    assert back.approval == APPROVAL


def test_a_second_application_to_one_product_from_one_session_is_refused(
    uow_factory: UowFactory,
) -> None:
    stored(uow_factory, an_application())
    with uow_factory() as uow, pytest.raises(ApplyRefusedError):
        uow.applications.add(an_application("a-2"))
    with uow_factory() as uow:
        assert [a.id for a in uow.applications.for_session("s-1")] == ["a-1"]


def test_a_stale_version_cannot_overwrite_a_decision(uow_factory: UowFactory) -> None:
    stored(uow_factory, an_application())
    with uow_factory() as uow:
        first = uow.applications.get("a-1")
        assert first is not None
        uow.applications.update(transition(first, "approve", "lender", "l", NOW, APPROVAL))
        uow.commit()
    declined = transition(first, "decline", "lender", "l", NOW, Decision(reasons=("revenue",)))
    with uow_factory() as uow, pytest.raises(TransitionError):
        uow.applications.update(declined)
    with uow_factory() as uow:
        final = uow.applications.get("a-1")
    assert final is not None
    assert final.status.value == "approved"


def test_a_lender_lists_only_its_own_applications_by_status(uow_factory: UowFactory) -> None:
    stored(uow_factory, an_application(), an_application("a-2", "p2", "bank_b"))
    with uow_factory() as uow:
        assert [a.id for a in uow.applications.for_lender("bank_a")] == ["a-1"]
        assert [a.id for a in uow.applications.for_lender("bank_b", "submitted")] == ["a-2"]
        assert uow.applications.for_lender("bank_b", "approved") == []


def test_releases_and_keys_read_back(uow_factory: UowFactory) -> None:
    stored(uow_factory, an_application())
    release = DataRelease("a-1", "s-1", "bank_a", ("annual_revenue", "tax_grade"), (1, 2), NOW)
    key = LenderKey("k1", "bank_a", "0" * 64, ("applications:read",), NOW)
    with uow_factory() as uow:
        uow.releases.append(release)
        uow.lender_keys.add(key)
        uow.commit()
    with uow_factory() as uow:
        assert [replace(r, id=None) for r in uow.releases.for_session("s-1")] == [release]
        uow.lender_keys.save_revocation(replace(key, revoked_at=NOW))
        uow.commit()
    with uow_factory() as uow:
        assert uow.lender_keys.get("k1") == replace(key, revoked_at=NOW)
        assert [k.id for k in uow.lender_keys.for_lender("bank_a")] == ["k1"]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_data_release_ledger_refuses_updates_and_deletes(
    backend: str, request: pytest.FixtureRequest
) -> None:
    database: Database = request.getfixturevalue(f"{backend}_database")
    stored(database.unit_of_work, an_application())
    with database.unit_of_work() as uow:
        uow.releases.append(DataRelease("a-1", "s-1", "bank_a", ("tax_grade",), (), NOW))
        uow.commit()
    for statement in ("UPDATE data_releases SET lender_id = 'x'", "DELETE FROM data_releases"):
        with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as c:
            c.execute(text(statement))
