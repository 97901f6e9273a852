"""What was predicted reads back as written, an application without a prediction stays valid,
and the ledger's figures agree with a direct SQL count of the applications table, on SQLite
and on PostgreSQL (issue 13)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from loanmatch.domain.applications import Action, Application, Decision, Prediction, transition
from loanmatch.domain.ledger import p_band
from loanmatch.services.ledger import lender_ledger
from loanmatch.services.predictions import learning_records
from loanmatch.storage.database import Database
from tests.integration.storage.conftest import UowFactory
from tests.integration.storage.test_repositories import a_session

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
APPROVAL = Decision(
    amount_yuan=2e5, annual_rate=0.05, term_months=12, repayment_method="interest_first"
)
DECLINE = Decision(reasons=("revenue",))
PRODUCTS = {"p1": "bank_a", "p2": "bank_a", "p3": "bank_b", "p4": "bank_c"}


def _prediction(p: float) -> Prediction:
    return Prediction("sha256:0123456789abcdef", p, 0.8, p - 0.05, min(p + 0.03, 1.0), 1.0)


def test_a_prediction_reads_back_as_written_and_an_old_application_has_none(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        uow.applications.add(Application("a-1", "s-1", "p1", "bank_a", NOW, idempotency_key="k",
                                         prediction=_prediction(0.91)))  # fmt: skip
        uow.applications.add(Application("a-2", "s-1", "p2", "bank_a", NOW, idempotency_key="k"))
        uow.commit()
    with uow_factory() as uow:
        new, old = uow.applications.get("a-1"), uow.applications.get("a-2")
        assert new is not None
        assert old is not None
        assert new.prediction == _prediction(0.91)
        assert old.prediction is None
        uow.applications.update(transition(old, "decline", "lender", "l", NOW, DECLINE))
        uow.commit()
    assert learning_records(uow_factory(), NOW, NOW + timedelta(1)) == [], "nothing to compare"


def _fill(uow_factory: UowFactory, rng: random.Random) -> None:
    """120 applications over 120 days with predictions; about 80% decided, a few withdrawn."""
    with uow_factory() as uow:
        for s in range(120):
            uow.sessions.add(a_session(f"s-{s}"))
        for s in range(120):
            product = rng.choice(sorted(PRODUCTS))
            at = NOW - timedelta(days=120 - s)
            p = rng.uniform(0.8, 1.0)
            application = Application(f"a-{s}", f"s-{s}", product, PRODUCTS[product], at,
                                      idempotency_key="k", prediction=_prediction(p))  # fmt: skip
            uow.applications.add(application)
            roll = rng.random()
            if roll < 0.8:
                action: Action = "approve" if rng.random() < p else "decline"
                said = APPROVAL if action == "approve" else DECLINE
                application = transition(application, action, "lender", "l",
                                         at + timedelta(hours=3), said)  # fmt: skip
                if action == "approve" and rng.random() < 0.3:
                    application = transition(application, "disburse", "lender", "l",
                                             at + timedelta(hours=5))  # fmt: skip
                uow.applications.update(application)
            elif roll < 0.9:
                uow.applications.update(
                    transition(application, "withdraw", "owner", "owner", at + timedelta(hours=1))
                )
        uow.commit()


Counts = dict[tuple[str, str], tuple[int, int, float]]


def _direct(database: Database, start: datetime, lender: str | None) -> Counts:
    """(product, band of P) -> decisions, approvals and summed P, counted in SQL."""
    query = (
        "SELECT product_id, predicted_p, decision FROM applications "
        "WHERE decided_at >= :start AND decision IS NOT NULL AND predicted_p IS NOT NULL"
        + (" AND lender_id = :lender" if lender else "")
    )
    counts: dict[tuple[str, str], tuple[int, int, float]] = {}
    with database.engine.connect() as connection:
        total = connection.execute(
            text("SELECT COUNT(*), SUM(CASE WHEN decision = 'approved' THEN 1 ELSE 0 END) "
                 "FROM applications WHERE decided_at >= :start"
                 + (" AND lender_id = :lender" if lender else "")),
            {"start": start, "lender": lender},
        ).one()  # fmt: skip
        for product, p, decision in connection.execute(text(query), {"start": start,
                                                                   "lender": lender}):  # fmt: skip
            n, k, s = counts.get((product, p_band(p)), (0, 0, 0.0))
            counts[(product, p_band(p))] = (n + 1, k + (decision == "approved"), s + p)
    assert sum(n for n, _, _ in counts.values()) == total[0]
    assert sum(k for _, k, _ in counts.values()) == (total[1] or 0)
    return counts


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
@pytest.mark.parametrize("lender", [None, "bank_a"])
def test_the_ledgers_figures_agree_with_a_direct_count_of_the_applications_table(
    request: pytest.FixtureRequest, backend: str, lender: str | None
) -> None:
    database: Database = request.getfixturevalue(f"{backend}_database")
    _fill(database.unit_of_work, random.Random(13))
    ledger = lender_ledger(database.unit_of_work(), NOW, days=90, lender_id=lender)
    direct = _direct(database, ledger.start, lender)
    assert direct, "some decisions in the window"
    got = {(c.product, c.band): (c.decisions, c.approved, c.predicted * c.decisions)
           for c in ledger.product_bands}  # fmt: skip
    assert got.keys() == direct.keys()
    for key, (n, k, s) in direct.items():
        assert got[key][:2] == (n, k), key
        assert got[key][2] == pytest.approx(s), key
    assert ledger.overall.decisions == sum(n for n, _, _ in direct.values())
    assert ledger.overall.approved == sum(k for _, k, _ in direct.values())
    if lender is not None:
        assert {c.lender for c in ledger.lenders} == {lender}, "no other lender's figures"
