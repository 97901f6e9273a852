"""Lenders' floors and drift alarms over every store (memory, SQLite, PostgreSQL): a floor reads
back under its model only, a lender's latest offers come newest first under one model, the
drift row starts at zero, and on PostgreSQL two decisions of one lender at once never lose a
step of its alarm (the row is locked)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.domain.applications import Application, Prediction
from loanmatch.storage.database import Database
from loanmatch.storage.records import DriftState, LenderFloor
from tests.integration.storage.conftest import UowFactory
from tests.integration.storage.test_repositories import a_session

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_floor_reads_back_under_its_own_model_only(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.floors.save(LenderFloor("bank_a", "m1", 0.91, 0.905, 40, 0.93, NOW))
        uow.floors.save(LenderFloor("bank_b", "m1", 0.0, 0.905, 3, 0.96, NOW))
        uow.floors.save(LenderFloor("bank_a", "m2", 0.5, 0.9, 25, 0.95, NOW))
        uow.commit()
    with uow_factory() as uow:
        uow.floors.save(LenderFloor("bank_a", "m1", 0.93, 0.905, 60, 0.94, NOW))
        uow.commit()
    with uow_factory() as uow:
        mine = uow.floors.for_model("m1")
        assert uow.floors.get("m2", "bank_a") == LenderFloor("bank_a", "m2", 0.5, 0.9, 25,
                                                             0.95, NOW)  # fmt: skip
        assert uow.floors.get("m3", "bank_a") is None
    assert [(f.lender_id, f.floor, f.offers) for f in mine] == [("bank_a", 0.93, 60),
                                                               ("bank_b", 0.0, 3)]  # fmt: skip


def test_a_lenders_latest_offers_under_one_model_come_newest_first(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        for n in range(6):
            model = "m1" if n != 4 else "m2"
            lender = "bank_a" if n != 5 else "bank_b"
            uow.applications.add(Application(
                f"a-{n}", "s-1", f"p{n}", lender, NOW + timedelta(minutes=n), idempotency_key="k",
                prediction=Prediction(model, 0.9 + n / 100, 0.8)))  # fmt: skip
        uow.applications.add(Application("a-9", "s-1", "p9", "bank_a", NOW, idempotency_key="k"))
        uow.commit()
    with uow_factory() as uow:
        assert list(uow.applications.offered_p("bank_a", "m1", 10)) == pytest.approx(
            [0.93, 0.92, 0.91, 0.90])  # fmt: skip
        assert list(uow.applications.offered_p("bank_a", "m1", 2)) == pytest.approx([0.93, 0.92])
        assert list(uow.applications.offered_p("bank_c", "m1", 10)) == []


def test_a_lenders_drift_starts_at_zero_and_keeps_its_steps(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        state = uow.holds.drift("bank_a", NOW)
        assert state == DriftState("bank_a", 0.0, 0, NOW, NOW)
        uow.holds.save_drift(DriftState("bank_a", 1.5, 3, NOW, NOW + timedelta(hours=1)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.holds.drift("bank_a", NOW + timedelta(days=1)) == DriftState(
            "bank_a", 1.5, 3, NOW, NOW + timedelta(hours=1))  # fmt: skip


@pytest.mark.postgres
def test_decisions_of_one_lender_at_once_on_postgresql_each_count_once(
    postgres_database: Database,
) -> None:
    factory = postgres_database.unit_of_work
    steps = 8
    barrier = threading.Barrier(4)

    def step(n: int) -> None:
        if n < 4:
            barrier.wait()
        with factory() as uow:
            state = uow.holds.drift("bank_a", NOW)
            time.sleep(0.02)  # a race without the lock would lose this step
            uow.holds.save_drift(DriftState("bank_a", state.statistic + 1.0,
                                            state.decisions + 1, state.since, NOW))  # fmt: skip
            uow.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(step, range(steps)))
    with factory() as uow:
        state = uow.holds.drift("bank_a", NOW)
    assert (state.decisions, state.statistic) == (steps, float(steps))
