"""The in-memory job queue, model registry and lenders on hold
(:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires and commits them): fakes for one
caller at a time, as the staff fake is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from loanmatch.storage.operations_repositories import (
    FloorRepository,
    HoldRepository,
    JobQueue,
    ModelRegistry,
)
from loanmatch.storage.records import DriftState, Job, LenderFloor, LenderHold, ModelVersion

__all__ = ["MemoryFloors", "MemoryHolds", "MemoryJobs", "MemoryModels"]


class MemoryJobs(JobQueue):
    def __init__(self, jobs: dict[str, Job]) -> None:
        self._jobs = jobs

    def add(self, job: Job) -> None:
        if job.id in self._jobs:
            raise ValueError(f"job {job.id} exists already")
        self._jobs[job.id] = job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def claim(self, kinds: Sequence[str], at: datetime, stale_before: datetime) -> Job | None:
        def due(job: Job) -> bool:
            stale = job.heartbeat_at is not None and job.heartbeat_at < stale_before
            return job.kind in kinds and (
                job.status == "queued" or (job.status == "running" and stale)
            )

        waiting = sorted((j for j in self._jobs.values() if due(j)), key=lambda j: j.queued_at)
        if not waiting:
            return None
        job = replace(
            waiting[0], status="running", attempts=waiting[0].attempts + 1, started_at=at,
            heartbeat_at=at,
        )  # fmt: skip
        self._jobs[job.id] = job
        return job

    def _change(self, job_id: str, **changes: Any) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id}")
        self._jobs[job_id] = replace(job, **changes)

    def progress(self, job_id: str, stage: str, done: int, total: int, at: datetime) -> None:
        self._change(job_id, stage=stage, done=done, total=total, heartbeat_at=at)

    def finish(
        self, job_id: str, status: str, at: datetime, result: dict[str, Any], error: str = ""
    ) -> None:
        self._change(job_id, status=status, finished_at=at, result=dict(result), error=error)

    def recent(self, limit: int) -> Sequence[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.queued_at, reverse=True)[:limit]


class MemoryModels(ModelRegistry):
    def __init__(self, versions: dict[str, ModelVersion]) -> None:
        self._versions = versions

    def add(self, version: ModelVersion) -> None:
        if version.model_id in self._versions:
            raise ValueError(f"the model {version.model_id} is registered already")
        self._check(version)
        self._versions[version.model_id] = version

    def _check(self, version: ModelVersion) -> None:
        if version.role != "champion":
            return
        other = self.champion()
        if other is not None and other.model_id != version.model_id:
            raise ValueError(
                f"the model {version.model_id} could not be saved as champion: "
                f"{other.model_id} is the champion"
            )

    def get(self, model_id: str) -> ModelVersion | None:
        return self._versions.get(model_id)

    def all(self) -> Sequence[ModelVersion]:
        return sorted(self._versions.values(), key=lambda v: v.registered_at, reverse=True)

    def champion(self) -> ModelVersion | None:
        return next((v for v in self._versions.values() if v.role == "champion"), None)

    def save(self, version: ModelVersion) -> None:
        if version.model_id not in self._versions:
            raise KeyError(f"no model version {version.model_id}")
        self._check(version)
        self._versions[version.model_id] = version


class MemoryHolds(HoldRepository):
    def __init__(self, holds: dict[str, LenderHold], drift: dict[str, DriftState]) -> None:
        self._holds = holds
        self._drift = drift

    def drift(self, lender_id: str, at: datetime) -> DriftState:
        return self._drift.setdefault(lender_id, DriftState(lender_id, 0.0, 0, at, at))

    def save_drift(self, state: DriftState) -> None:
        self._drift[state.lender_id] = state

    def get(self, lender_id: str) -> LenderHold | None:
        return self._holds.get(lender_id)

    def save(self, hold: LenderHold) -> None:
        self._holds[hold.lender_id] = hold

    def all(self) -> Sequence[LenderHold]:
        return [self._holds[k] for k in sorted(self._holds)]


class MemoryFloors(FloorRepository):
    def __init__(self, floors: dict[tuple[str, str], LenderFloor]) -> None:
        self._floors = floors

    def get(self, model_id: str, lender_id: str) -> LenderFloor | None:
        return self._floors.get((model_id, lender_id))

    def save(self, floor: LenderFloor) -> None:
        self._floors[(floor.model_id, floor.lender_id)] = floor

    def for_model(self, model_id: str) -> Sequence[LenderFloor]:
        return [f for (m, _), f in sorted(self._floors.items()) if m == model_id]
