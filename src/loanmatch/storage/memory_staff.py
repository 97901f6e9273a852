"""The in-memory staff repository (:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires and
commits it): a fake for one caller at a time, as the identity fake is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from loanmatch.storage.records import StaffSession, StaffUser
from loanmatch.storage.unit_of_work import StaffRepository

__all__ = ["MemoryStaff"]


class MemoryStaff(StaffRepository):
    def __init__(self, users: dict[str, StaffUser], sessions: dict[str, StaffSession]) -> None:
        self._users = users
        self._sessions = sessions

    def add_user(self, user: StaffUser) -> None:
        if self.user_named(user.username) is not None:
            raise ValueError(f"the user name {user.username!r} is taken")
        self._users[user.id] = user

    def user_named(self, username: str) -> StaffUser | None:
        return next((u for u in self._users.values() if u.username == username), None)

    def get_user(self, staff_id: str) -> StaffUser | None:
        return self._users.get(staff_id)

    def for_lender(self, lender_id: str) -> Sequence[StaffUser]:
        mine = [u for u in self._users.values() if u.lender_id == lender_id]
        return sorted(mine, key=lambda u: u.username)

    def set_password_hash(self, staff_id: str, password_hash: str) -> None:
        user = self._users.get(staff_id)
        if user is not None:
            self._users[staff_id] = replace(user, password_hash=password_hash)

    def disable_user(self, staff_id: str, at: datetime) -> None:
        user = self._users.get(staff_id)
        if user is not None and user.disabled_at is None:
            self._users[staff_id] = replace(user, disabled_at=at)

    def add_session(self, session: StaffSession) -> None:
        if session.id in self._sessions:
            raise ValueError(f"staff session {session.id} exists already")
        self._sessions[session.id] = session

    def get_session(self, session_id: str) -> StaffSession | None:
        return self._sessions.get(session_id)

    def revoke_sessions(self, staff_id: str, at: datetime, session_id: str | None = None) -> None:
        for key, session in list(self._sessions.items()):
            chosen = session_id is None or key == session_id
            if chosen and session.staff_id == staff_id and session.revoked_at is None:
                self._sessions[key] = replace(session, revoked_at=at)

    def purge_sessions(self, before: datetime) -> int:
        gone = [
            k for k, s in self._sessions.items()
            if s.expires_at < before or (s.revoked_at is not None and s.revoked_at < before)
        ]  # fmt: skip
        for key in gone:
            del self._sessions[key]
        return len(gone)
