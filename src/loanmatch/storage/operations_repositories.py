"""The interfaces of the platform's own operations: the durable job queue, the model registry,
the lenders on hold and the lenders' own floors (issue 13). The unit of work
(:mod:`loanmatch.storage.unit_of_work`) carries one of each, as ``jobs``, ``models``, ``holds``
and ``floors``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from loanmatch.storage.records import DriftState, Job, LenderFloor, LenderHold, ModelVersion

__all__ = ["FloorRepository", "HoldRepository", "JobQueue", "ModelRegistry"]


class JobQueue(ABC):
    """Jobs waiting, running and ended; none is ever deleted by the queue itself."""

    @abstractmethod
    def add(self, job: Job) -> None: ...

    @abstractmethod
    def get(self, job_id: str) -> Job | None: ...

    @abstractmethod
    def claim(self, kinds: Sequence[str], at: datetime, stale_before: datetime) -> Job | None:
        """Take the oldest job of these kinds that is queued, or running with a heartbeat older
        than ``stale_before`` (its worker died): mark it running at ``at`` with one more attempt
        and return it; None when there is none. On PostgreSQL the row is locked and other
        workers skip it (``FOR UPDATE SKIP LOCKED``), so two workers never take one job."""

    @abstractmethod
    def progress(self, job_id: str, stage: str, done: int, total: int, at: datetime) -> None:
        """Record a running job's progress (and its heartbeat)."""

    @abstractmethod
    def finish(
        self, job_id: str, status: str, at: datetime, result: dict[str, Any], error: str = ""
    ) -> None:
        """End a job: ``done`` with its result or ``failed`` with its error."""

    @abstractmethod
    def recent(self, limit: int) -> Sequence[Job]:
        """The latest jobs, newest first."""


class ModelRegistry(ABC):
    """The model versions the platform knows, and which one is served."""

    @abstractmethod
    def add(self, version: ModelVersion) -> None:
        """Store a new version; :class:`ValueError` when its model id is known already."""

    @abstractmethod
    def get(self, model_id: str) -> ModelVersion | None: ...

    @abstractmethod
    def all(self) -> Sequence[ModelVersion]:
        """Every version, newest registration first."""

    @abstractmethod
    def champion(self) -> ModelVersion | None:
        """The served version (None: none registered yet; the settings' model is served)."""

    @abstractmethod
    def save(self, version: ModelVersion) -> None:
        """Store a changed version (its role, comparison, note, times). At most one version is
        the champion: the database refuses a second (a partial unique index)."""


class HoldRepository(ABC):
    """One row per lender ever held: the latest hold, lifted or not."""

    @abstractmethod
    def get(self, lender_id: str) -> LenderHold | None: ...

    @abstractmethod
    def save(self, hold: LenderHold) -> None:
        """Store the lender's hold (a new one replaces a lifted one)."""

    @abstractmethod
    def drift(self, lender_id: str, at: datetime) -> DriftState:
        """The lender's drift alarm as it stands (a new one at zero since ``at`` when it has
        none), its row locked until the transaction ends (on PostgreSQL ``FOR UPDATE``: two
        decisions of one lender count one after the other)."""

    @abstractmethod
    def save_drift(self, state: DriftState) -> None:
        """Store the lender's drift alarm."""

    @abstractmethod
    def all(self) -> Sequence[LenderHold]:
        """Every lender's latest hold, by lender."""


class FloorRepository(ABC):
    """Each lender's own floor under each model that served it (one row per model and lender)."""

    @abstractmethod
    def get(self, model_id: str, lender_id: str) -> LenderFloor | None: ...

    @abstractmethod
    def save(self, floor: LenderFloor) -> None:
        """Store the lender's floor under its model (replacing the one before)."""

    @abstractmethod
    def for_model(self, model_id: str) -> Sequence[LenderFloor]:
        """Every lender's floor under ``model_id``, by lender."""
