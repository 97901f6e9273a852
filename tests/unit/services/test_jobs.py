"""The job queue's worker (services/jobs.py) on the in-memory store: a job runs once with its
progress recorded, a handler's error fails the job with its message and the worker goes on, a
job whose worker died is run again, and one that keeps dying is given up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from loanmatch.errors import ModelError
from loanmatch.services.jobs import MAX_ATTEMPTS, Reporter, enqueue, run_next, work
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from loanmatch.storage.records import Job

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _queue(store: MemoryStore, kind: str = "retrain", n: int = 1) -> list[Job]:
    with MemoryUnitOfWork(store) as uow:
        jobs = [enqueue(uow, kind, {"n": i}, "operator:a", NOW) for i in range(n)]
        uow.commit()
    return jobs


def test_a_job_runs_once_and_keeps_its_progress_and_result() -> None:
    store, clock = MemoryStore(), Clock()
    (job,) = _queue(store)
    seen: list[str] = []

    def handler(job: Job, report: Reporter) -> Mapping[str, Any]:
        seen.append(job.id)
        report("train", 2, 4)
        report("done", 4, 4)
        return {"promoted": False}

    ended = run_next(lambda: MemoryUnitOfWork(store), {"retrain": handler}, clock)
    assert ended is not None
    assert ended.status == "done"
    assert ended.result == {"promoted": False}
    assert (ended.stage, ended.done, ended.total) == ("done", 4, 4)
    assert run_next(lambda: MemoryUnitOfWork(store), {"retrain": handler}, clock) is None
    assert seen == [job.id]
    assert [e.action for e in store.audit] == ["job.queued", "job.done"]


def test_a_handlers_error_fails_its_job_with_the_message_and_the_worker_goes_on() -> None:
    store, clock = MemoryStore(), Clock()
    _queue(store, n=3)
    calls: list[int] = []

    def handler(job: Job, report: Reporter) -> Mapping[str, Any]:
        calls.append(job.payload["n"])
        if job.payload["n"] == 0:
            raise ModelError("the champion's directory is corrupt")
        if job.payload["n"] == 1:
            raise ZeroDivisionError("a bug")
        return {}

    ended: list[Job] = []
    ran = work(lambda: MemoryUnitOfWork(store), {"retrain": handler}, clock, once=True,
               on_end=ended.append)  # fmt: skip
    assert ran == 3
    assert sorted(calls) == [0, 1, 2]
    by_n = {j.payload["n"]: j for j in ended}
    assert by_n[0].status == "failed"
    assert "corrupt" in by_n[0].error
    assert by_n[0].result == {"code": "model"}
    assert by_n[1].status == "failed"
    assert by_n[1].error.startswith("internal error: ZeroDivision")
    assert by_n[2].status == "done"


def test_a_job_whose_worker_died_runs_again_and_one_that_keeps_dying_is_given_up() -> None:
    store, clock = MemoryStore(), Clock()
    (job,) = _queue(store)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with MemoryUnitOfWork(store) as uow:  # a worker claims it, then dies
            claimed = uow.jobs.claim(["retrain"], clock(), clock() - timedelta(minutes=10))
            uow.commit()
        assert claimed is not None
        assert claimed.attempts == attempt
        clock.now += timedelta(minutes=11)
    ended = run_next(lambda: MemoryUnitOfWork(store), {"retrain": lambda j, r: {}}, clock)
    assert ended is not None
    assert ended.id == job.id
    assert ended.status == "failed"
    assert "given up" in ended.error
