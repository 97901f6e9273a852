"""The job queue, the model registry and the lenders on hold over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loanmatch.storage.operations_repositories import (
    FloorRepository,
    HoldRepository,
    JobQueue,
    ModelRegistry,
)
from loanmatch.storage.orm import (
    JobRow,
    LenderDriftRow,
    LenderFloorRow,
    LenderHoldRow,
    ModelVersionRow,
)
from loanmatch.storage.records import (
    DriftState,
    Job,
    LenderFloor,
    LenderHold,
    ModelVersion,
    as_utc,
    maybe_utc,
)

__all__ = ["SqlFloors", "SqlHolds", "SqlJobs", "SqlModels"]


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=dict(row.payload),
        queued_at=as_utc(row.queued_at),
        queued_by=row.queued_by,
        status=row.status,
        attempts=row.attempts,
        started_at=maybe_utc(row.started_at),
        heartbeat_at=maybe_utc(row.heartbeat_at),
        finished_at=maybe_utc(row.finished_at),
        stage=row.stage,
        done=row.done,
        total=row.total,
        result=dict(row.result),
        error=row.error,
    )


class SqlJobs(JobQueue):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, job: Job) -> None:
        self._session.add(
            JobRow(
                id=job.id, kind=job.kind, payload=dict(job.payload), queued_at=job.queued_at,
                queued_by=job.queued_by, status=job.status, attempts=job.attempts,
                started_at=job.started_at, heartbeat_at=job.heartbeat_at,
                finished_at=job.finished_at, stage=job.stage, done=job.done, total=job.total,
                result=dict(job.result), error=job.error,
            )
        )  # fmt: skip
        self._session.flush()

    def get(self, job_id: str) -> Job | None:
        row = self._session.get(JobRow, job_id, populate_existing=True)
        return _job(row) if row is not None else None

    def claim(self, kinds: Sequence[str], at: datetime, stale_before: datetime) -> Job | None:
        query = (
            select(JobRow)
            .where(
                JobRow.kind.in_(list(kinds)),
                or_(
                    JobRow.status == "queued",
                    (JobRow.status == "running") & (JobRow.heartbeat_at < stale_before),
                ),
            )
            .order_by(JobRow.queued_at, JobRow.id)
            .limit(1)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self._session.scalars(query).first()
        if row is None:
            return None
        row.status, row.attempts = "running", row.attempts + 1
        row.started_at, row.heartbeat_at = at, at
        self._session.flush()
        return _job(row)

    def _row(self, job_id: str) -> JobRow:
        row = self._session.get(JobRow, job_id)
        if row is None:
            raise KeyError(f"no job {job_id}")
        return row

    def progress(self, job_id: str, stage: str, done: int, total: int, at: datetime) -> None:
        row = self._row(job_id)
        row.stage, row.done, row.total, row.heartbeat_at = stage, done, total, at
        self._session.flush()

    def finish(
        self, job_id: str, status: str, at: datetime, result: dict[str, Any], error: str = ""
    ) -> None:
        row = self._row(job_id)
        row.status, row.finished_at, row.result, row.error = status, at, dict(result), error
        self._session.flush()

    def recent(self, limit: int) -> Sequence[Job]:
        query = select(JobRow).order_by(JobRow.queued_at.desc(), JobRow.id.desc()).limit(limit)
        return [_job(r) for r in self._session.scalars(query)]


def _version(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        model_id=row.model_id,
        path=row.path,
        registered_at=as_utc(row.registered_at),
        role=row.role,
        metrics=dict(row.metrics),
        comparison=dict(row.comparison),
        changed_at=maybe_utc(row.changed_at),
        changed_by=row.changed_by,
        promoted_at=maybe_utc(row.promoted_at),
        note=row.note,
    )


class SqlModels(ModelRegistry):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, version: ModelVersion) -> None:
        if self._session.get(ModelVersionRow, version.model_id) is not None:
            raise ValueError(f"the model {version.model_id} is registered already")
        row = ModelVersionRow(model_id=version.model_id)
        _fill(row, version)
        self._session.add(row)
        self._flush(version)

    def _flush(self, version: ModelVersion) -> None:
        try:
            self._session.flush()
        except IntegrityError as error:
            raise ValueError(
                f"the model {version.model_id} could not be saved as {version.role}: {error.orig}"
            ) from None

    def get(self, model_id: str) -> ModelVersion | None:
        row = self._session.get(ModelVersionRow, model_id, populate_existing=True)
        return _version(row) if row is not None else None

    def all(self) -> Sequence[ModelVersion]:
        query = select(ModelVersionRow).order_by(ModelVersionRow.registered_at.desc())
        return [_version(r) for r in self._session.scalars(query)]

    def champion(self) -> ModelVersion | None:
        query = select(ModelVersionRow).where(ModelVersionRow.role == "champion")
        row = self._session.scalars(query.execution_options(populate_existing=True)).first()
        return _version(row) if row is not None else None

    def save(self, version: ModelVersion) -> None:
        row = self._session.get(ModelVersionRow, version.model_id)
        if row is None:
            raise KeyError(f"no model version {version.model_id}")
        _fill(row, version)
        self._flush(version)


def _fill(row: ModelVersionRow, version: ModelVersion) -> None:
    row.path, row.registered_at, row.role = version.path, version.registered_at, version.role
    row.metrics, row.comparison = dict(version.metrics), dict(version.comparison)
    row.changed_at, row.changed_by = version.changed_at, version.changed_by
    row.promoted_at, row.note = version.promoted_at, version.note


def _hold(row: LenderHoldRow) -> LenderHold:
    return LenderHold(
        lender_id=row.lender_id,
        held_at=as_utc(row.held_at),
        alarm_after=row.alarm_after,
        counted_since=as_utc(row.counted_since),
        lifted_at=maybe_utc(row.lifted_at),
        lifted_by=row.lifted_by,
    )


class SqlHolds(HoldRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, lender_id: str) -> LenderHold | None:
        row = self._session.get(LenderHoldRow, lender_id, populate_existing=True)
        return _hold(row) if row is not None else None

    def save(self, hold: LenderHold) -> None:
        row = self._session.get(LenderHoldRow, hold.lender_id)
        if row is None:
            row = LenderHoldRow(lender_id=hold.lender_id)
            self._session.add(row)
        row.held_at, row.alarm_after = hold.held_at, hold.alarm_after
        row.counted_since, row.lifted_at, row.lifted_by = (
            hold.counted_since, hold.lifted_at, hold.lifted_by)  # fmt: skip
        self._session.flush()

    def drift(self, lender_id: str, at: datetime) -> DriftState:
        insert = pg_insert if self._session.get_bind().dialect.name == "postgresql" \
            else sqlite_insert  # fmt: skip
        zero = {"lender_id": lender_id, "statistic": 0.0, "decisions": 0, "since": at,
                "updated_at": at}  # fmt: skip
        self._session.execute(insert(LenderDriftRow).values(**zero).on_conflict_do_nothing())
        query = select(LenderDriftRow).where(LenderDriftRow.lender_id == lender_id)
        row = self._session.scalars(
            query.with_for_update().execution_options(populate_existing=True)
        ).one()
        return DriftState(row.lender_id, row.statistic, row.decisions, as_utc(row.since),
                          as_utc(row.updated_at))  # fmt: skip

    def save_drift(self, state: DriftState) -> None:
        row = self._session.get(LenderDriftRow, state.lender_id)
        if row is None:
            row = LenderDriftRow(lender_id=state.lender_id)
            self._session.add(row)
        row.statistic, row.decisions = state.statistic, state.decisions
        row.since, row.updated_at = state.since, state.updated_at
        self._session.flush()

    def all(self) -> Sequence[LenderHold]:
        query = select(LenderHoldRow).order_by(LenderHoldRow.lender_id)
        return [_hold(r) for r in self._session.scalars(query)]


def _floor(row: LenderFloorRow) -> LenderFloor:
    return LenderFloor(
        row.lender_id, row.model_id, row.floor, row.goal, row.offers, row.mean_p,
        as_utc(row.updated_at), row.decided, row.approved, row.predicted,
    )  # fmt: skip


class SqlFloors(FloorRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, model_id: str, lender_id: str) -> LenderFloor | None:
        row = self._session.get(LenderFloorRow, (model_id, lender_id), populate_existing=True)
        return _floor(row) if row is not None else None

    def save(self, floor: LenderFloor) -> None:
        row = self._session.get(LenderFloorRow, (floor.model_id, floor.lender_id))
        if row is None:
            row = LenderFloorRow(model_id=floor.model_id, lender_id=floor.lender_id)
            self._session.add(row)
        row.floor, row.goal, row.offers = floor.floor, floor.goal, floor.offers
        row.mean_p, row.updated_at = floor.mean_p, floor.updated_at
        row.decided, row.approved, row.predicted = floor.decided, floor.approved, floor.predicted
        self._session.flush()

    def for_model(self, model_id: str) -> Sequence[LenderFloor]:
        query = (select(LenderFloorRow).where(LenderFloorRow.model_id == model_id)
                 .order_by(LenderFloorRow.lender_id))  # fmt: skip
        return [_floor(row) for row in self._session.scalars(query)]
