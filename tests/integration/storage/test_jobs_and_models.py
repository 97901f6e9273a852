"""The job queue and the model registry over every store (memory, SQLite, PostgreSQL): a job is
claimed by one worker, a stale one is taken again, and the registry never holds two champions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.storage.records import Job, ModelVersion
from tests.integration.storage.conftest import UowFactory

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
STALE = NOW - timedelta(minutes=10)


def _job(n: int, kind: str = "retrain") -> Job:
    return Job(id=f"job-{n}", kind=kind, payload={"n": n}, queued_at=NOW + timedelta(seconds=n),
               queued_by="operator:test")  # fmt: skip


def test_the_oldest_waiting_job_of_a_kind_is_claimed_once_and_ends_with_its_result(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        for job in (_job(2), _job(1), _job(0, kind="other")):
            uow.jobs.add(job)
        uow.commit()
    with uow_factory() as uow:
        first = uow.jobs.claim(["retrain"], NOW, STALE)
        uow.commit()
    assert first is not None
    assert first.id == "job-1"
    assert (first.status, first.attempts, first.started_at) == ("running", 1, NOW)
    with uow_factory() as uow:
        uow.jobs.progress("job-1", "train", 1, 4, NOW + timedelta(seconds=5))
        uow.jobs.finish("job-1", "done", NOW + timedelta(seconds=9), {"promoted": True})
        uow.commit()
    with uow_factory() as uow:
        ended = uow.jobs.get("job-1")
        second = uow.jobs.claim(["retrain"], NOW, STALE)
        third = uow.jobs.claim(["retrain"], NOW, STALE)
        recent = [j.id for j in uow.jobs.recent(10)]
    assert ended is not None
    assert (ended.status, ended.stage, ended.done, ended.total) == ("done", "train", 1, 4)
    assert ended.result == {"promoted": True}
    assert second is not None
    assert second.id == "job-2"
    assert third is None
    assert recent == ["job-2", "job-1", "job-0"]


def test_a_running_job_without_progress_for_ten_minutes_is_claimed_again(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.jobs.add(_job(1))
        uow.commit()
    with uow_factory() as uow:
        assert uow.jobs.claim(["retrain"], NOW, STALE) is not None
        uow.commit()
    later = NOW + timedelta(minutes=5)
    with uow_factory() as uow:
        assert uow.jobs.claim(["retrain"], later, later - timedelta(minutes=10)) is None
    much_later = NOW + timedelta(minutes=11)
    with uow_factory() as uow:
        again = uow.jobs.claim(["retrain"], much_later, much_later - timedelta(minutes=10))
        uow.commit()
    assert again is not None
    assert again.attempts == 2


@pytest.mark.postgres
def test_racing_workers_on_postgresql_never_take_one_job_twice(
    postgres_database: object,
) -> None:
    from loanmatch.storage.database import Database

    assert isinstance(postgres_database, Database)
    factory = postgres_database.unit_of_work
    with factory() as uow:
        for n in range(20):
            uow.jobs.add(_job(n))
        uow.commit()
    barrier = threading.Barrier(4)

    def worker(_: int) -> list[str]:
        taken: list[str] = []
        barrier.wait()
        while True:
            with factory() as uow:
                job = uow.jobs.claim(["retrain"], NOW, STALE)
                uow.commit()
            if job is None:
                return taken
            taken.append(job.id)

    with ThreadPoolExecutor(4) as pool:
        taken = [j for part in pool.map(worker, range(4)) for j in part]
    assert sorted(taken) == sorted(f"job-{n}" for n in range(20))


def _version(model_id: str, role: str, minute: int) -> ModelVersion:
    return ModelVersion(model_id, f"/models/{model_id}", NOW + timedelta(minutes=minute), role)


def test_the_registry_holds_at_most_one_champion(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.models.add(_version("sha256:a", "champion", 0))
        uow.models.add(_version("sha256:b", "challenger", 1))
        uow.commit()
    with uow_factory() as uow:
        b = uow.models.get("sha256:b")
        assert b is not None
        with pytest.raises(ValueError, match="champion"):
            uow.models.save(ModelVersion(b.model_id, b.path, b.registered_at, "champion"))
    with uow_factory() as uow:
        champion = uow.models.champion()
        listed = [v.model_id for v in uow.models.all()]
    assert champion is not None
    assert champion.model_id == "sha256:a"
    assert listed == ["sha256:b", "sha256:a"]


def test_registering_a_known_model_again_is_refused(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.models.add(_version("sha256:a", "challenger", 0))
        uow.commit()
    with uow_factory() as uow, pytest.raises(ValueError, match="registered already"):
        uow.models.add(_version("sha256:a", "challenger", 1))
