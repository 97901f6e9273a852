"""The durable job queue: long work (a retraining) run by a worker, with its progress recorded.

A job is a row of the ``jobs`` table, in the platform's own database, next to the webhooks'
outbox and claimed the same way (no broker to run): :func:`enqueue` writes it in the caller's
transaction; a worker (``loanmatch jobs work``) claims the oldest waiting one in a short
transaction of its own (on PostgreSQL ``FOR UPDATE SKIP LOCKED``: two workers never take one
job), runs its handler outside any transaction, and records the outcome. While it runs, each
progress report (stage, done, total) is committed, at most once a second, and doubles as the
heartbeat: a job whose heartbeat is older than ``stale_after`` (its worker was killed) is
claimed again by the next worker, up to ``MAX_ATTEMPTS`` attempts, so a killed worker loses no
job. A handler must therefore be safe to run again (a retraining writes a new directory each
time and registers a model only at its end).

A handler returns a JSON-able result; a :class:`~loanmatch.errors.LoanMatchError` it raises
fails the job with that message (and its ``code``); anything else fails it as an internal error
(logged with its traceback, not stored). Every end is audited (``job.done`` / ``job.failed``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from loanmatch.errors import LoanMatchError
from loanmatch.storage.records import AuditEntry, Job
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_AFTER",
    "Handler",
    "Reporter",
    "enqueue",
    "run_next",
    "run_until",
    "work",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=10)
REPORT_EVERY_S = 1.0


class Reporter(Protocol):
    """A running job's progress: ``stage``, ``done`` of ``total``."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


Handler = Callable[[Job, Reporter], Mapping[str, Any]]


def enqueue(uow: UnitOfWork, kind: str, payload: Mapping[str, Any], by: str, at: datetime) -> Job:
    """Queue a job in ``uow``'s transaction (committed with it); the job as stored."""
    job = Job(id=uuid.uuid4().hex, kind=kind, payload=dict(payload), queued_at=at, queued_by=by)
    uow.jobs.add(job)
    uow.audit.append(AuditEntry(at, by, "job.queued", job.id, detail={"kind": kind}))
    return job


def _reporter(
    unit_of_work: Callable[[], UnitOfWork], job_id: str, clock: Callable[[], datetime]
) -> Reporter:
    last = [-REPORT_EVERY_S]

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < REPORT_EVERY_S and done < total:
            return
        last[0] = now
        with unit_of_work() as uow:
            uow.jobs.progress(job_id, stage, done, total, clock())
            uow.commit()

    return report


def _finish(
    unit_of_work: Callable[[], UnitOfWork],
    job: Job,
    status: str,
    at: datetime,
    result: Mapping[str, Any],
    error: str = "",
) -> Job:
    with unit_of_work() as uow:
        uow.jobs.finish(job.id, status, at, dict(result), error)
        detail = {"kind": job.kind, "attempt": str(job.attempts)}
        if error:
            detail["error"] = error[:200]
        uow.audit.append(AuditEntry(at, "worker", f"job.{status}", job.id, detail=detail))
        uow.commit()
        ended = uow.jobs.get(job.id)
    return ended if ended is not None else job


def run_next(
    unit_of_work: Callable[[], UnitOfWork],
    handlers: Mapping[str, Handler],
    clock: Callable[[], datetime],
    stale_after: timedelta = STALE_AFTER,
) -> Job | None:
    """Claim and run the oldest waiting job of a kind in ``handlers``; the job as it ended
    (None: nothing was waiting)."""
    at = clock()
    with unit_of_work() as uow:
        job = uow.jobs.claim(sorted(handlers), at, at - stale_after)
        uow.commit()
    if job is None:
        return None
    if job.attempts > MAX_ATTEMPTS:
        message = f"given up after {MAX_ATTEMPTS} attempts (each worker stopped before the end)"
        return _finish(unit_of_work, job, "failed", clock(), {}, message)
    try:
        result = handlers[job.kind](job, _reporter(unit_of_work, job.id, clock))
    except LoanMatchError as error:
        return _finish(unit_of_work, job, "failed", clock(), {"code": error.code}, str(error))
    except Exception as error:  # a bug in a handler must not stop the worker
        logger.exception("job %s (%s) failed", job.id, job.kind)
        message = f"internal error: {type(error).__name__} (see the worker's log)"
        return _finish(unit_of_work, job, "failed", clock(), {"code": "error"}, message)
    return _finish(unit_of_work, job, "done", clock(), result)


def run_until(
    unit_of_work: Callable[[], UnitOfWork],
    handlers: Mapping[str, Handler],
    clock: Callable[[], datetime],
    job_id: str,
) -> Job | None:
    """Run waiting jobs, oldest first, until ``job_id`` has run; it as it ended (None: it was
    not waiting, e.g. another worker took it)."""
    while (ended := run_next(unit_of_work, handlers, clock)) is not None:
        if ended.id == job_id:
            return ended
    return None


def work(
    unit_of_work: Callable[[], UnitOfWork],
    handlers: Mapping[str, Handler],
    clock: Callable[[], datetime],
    *,
    once: bool = False,
    idle_seconds: float = 2.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_end: Callable[[Job], None] | None = None,
) -> int:
    """Run jobs until ``should_stop()`` (``once``: until none is waiting); how many ran."""
    ran = 0
    while not should_stop():
        job = run_next(unit_of_work, handlers, clock)
        if job is None:
            if once:
                break
            time.sleep(idle_seconds)
            continue
        ran += 1
        if on_end is not None:
            on_end(job)
    return ran
