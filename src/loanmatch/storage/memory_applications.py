"""The in-memory application, data-release and lender-key repositories
(:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires and commits them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from loanmatch.domain.applications import Application
from loanmatch.errors import ApplyRefusedError, TransitionError
from loanmatch.storage.records import DataRelease, LenderKey
from loanmatch.storage.unit_of_work import (
    ApplicationRepository,
    DataReleaseLog,
    LenderKeyRepository,
)

__all__ = ["MemoryApplications", "MemoryDataReleases", "MemoryLenderKeys"]


def _by_time(applications: Sequence[Application]) -> list[Application]:
    return sorted(applications, key=lambda a: (a.submitted_at, a.id))


class MemoryApplications(ApplicationRepository):
    def __init__(self, applications: dict[str, Application]) -> None:
        self._applications = applications
        self.base_versions: dict[str, int | None] = {}
        """Applications changed here -> the committed version they started from (None: new)."""

    def add(self, application: Application) -> None:
        taken = any(
            a.session_id == application.session_id and a.product_id == application.product_id
            for a in self._applications.values()
        )
        if taken or application.id in self._applications:
            raise ApplyRefusedError(
                "already_applied",
                f"session {application.session_id} has applied to {application.product_id}",
                zh="您已经申请过这个产品",
            )
        self.base_versions.setdefault(application.id, None)
        self._applications[application.id] = application

    def get(self, application_id: str) -> Application | None:
        return self._applications.get(application_id)

    def for_session(self, session_id: str) -> Sequence[Application]:
        found = [a for a in self._applications.values() if a.session_id == session_id]
        return _by_time(found)

    def for_lender(self, lender_id: str, status: str | None = None) -> Sequence[Application]:
        found = [
            a
            for a in self._applications.values()
            if a.lender_id == lender_id and (status is None or a.status.value == status)
        ]
        return _by_time(found)

    def update(self, application: Application) -> Application:
        current = self._applications.get(application.id)
        if current is None or current.version != application.version:
            raise TransitionError(
                "conflict",
                "update",
                application.status,
                f"application {application.id} was changed by another request; read it again",
            )
        self.base_versions.setdefault(application.id, current.version)
        stored = replace(application, version=application.version + 1)
        self._applications[application.id] = stored
        return stored


class MemoryDataReleases(DataReleaseLog):
    def __init__(self, releases: list[DataRelease]) -> None:
        self._releases = releases

    def append(self, release: DataRelease) -> None:
        self._releases.append(replace(release, id=len(self._releases) + 1))

    def for_session(self, session_id: str) -> Sequence[DataRelease]:
        return [r for r in self._releases if r.session_id == session_id]


class MemoryLenderKeys(LenderKeyRepository):
    def __init__(self, keys: dict[str, LenderKey]) -> None:
        self._keys = keys
        self.changed: set[str] = set()

    def add(self, key: LenderKey) -> None:
        if key.id in self._keys:
            raise ValueError(f"lender key {key.id} exists already")
        self._keys[key.id] = key
        self.changed.add(key.id)

    def get(self, key_id: str) -> LenderKey | None:
        return self._keys.get(key_id)

    def for_lender(self, lender_id: str) -> Sequence[LenderKey]:
        keys = [k for k in self._keys.values() if k.lender_id == lender_id]
        return sorted(keys, key=lambda k: k.created_at)

    def save_revocation(self, key: LenderKey) -> None:
        stored = self._keys.get(key.id)
        if stored is None:
            raise KeyError(f"no lender key {key.id}")
        self._keys[key.id] = replace(stored, revoked_at=key.revoked_at)
        self.changed.add(key.id)
