"""The staff repository (lenders' portal users and sessions) over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loanmatch.storage.orm import StaffSessionRow, StaffUserRow
from loanmatch.storage.records import StaffSession, StaffUser, as_utc, maybe_utc
from loanmatch.storage.unit_of_work import StaffRepository

__all__ = ["SqlStaff"]


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(
        id=row.id,
        lender_id=row.lender_id,
        username=row.username,
        password_hash=row.password_hash,
        role=row.role,
        created_at=as_utc(row.created_at),
        disabled_at=maybe_utc(row.disabled_at),
    )


class SqlStaff(StaffRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_user(self, user: StaffUser) -> None:
        self._session.add(
            StaffUserRow(
                id=user.id,
                lender_id=user.lender_id,
                username=user.username,
                password_hash=user.password_hash,
                role=user.role,
                created_at=user.created_at,
                disabled_at=user.disabled_at,
            )
        )
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ValueError(f"the user name {user.username!r} is taken") from None

    def user_named(self, username: str) -> StaffUser | None:
        row = self._session.scalars(
            select(StaffUserRow).where(StaffUserRow.username == username)
        ).first()
        return _user(row) if row is not None else None

    def get_user(self, staff_id: str) -> StaffUser | None:
        row = self._session.get(StaffUserRow, staff_id, populate_existing=True)
        return _user(row) if row is not None else None

    def for_lender(self, lender_id: str) -> Sequence[StaffUser]:
        rows = self._session.scalars(
            select(StaffUserRow)
            .where(StaffUserRow.lender_id == lender_id)
            .order_by(StaffUserRow.username)
        )
        return [_user(r) for r in rows]

    def set_password_hash(self, staff_id: str, password_hash: str) -> None:
        self._session.execute(
            update(StaffUserRow)
            .where(StaffUserRow.id == staff_id)
            .values(password_hash=password_hash)
        )

    def disable_user(self, staff_id: str, at: datetime) -> None:
        self._session.execute(
            update(StaffUserRow)
            .where(StaffUserRow.id == staff_id, StaffUserRow.disabled_at.is_(None))
            .values(disabled_at=at)
        )

    def add_session(self, session: StaffSession) -> None:
        self._session.add(
            StaffSessionRow(
                id=session.id,
                staff_id=session.staff_id,
                lender_id=session.lender_id,
                role=session.role,
                secret_sha256=session.secret_sha256,
                csrf=session.csrf,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )
        self._session.flush()

    def get_session(self, session_id: str) -> StaffSession | None:
        row = self._session.get(StaffSessionRow, session_id, populate_existing=True)
        if row is None:
            return None
        return StaffSession(
            id=row.id,
            staff_id=row.staff_id,
            lender_id=row.lender_id,
            role=row.role,
            secret_sha256=row.secret_sha256,
            csrf=row.csrf,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            revoked_at=maybe_utc(row.revoked_at),
        )

    def revoke_sessions(self, staff_id: str, at: datetime, session_id: str | None = None) -> None:
        query = update(StaffSessionRow).where(
            StaffSessionRow.staff_id == staff_id, StaffSessionRow.revoked_at.is_(None)
        )
        if session_id is not None:
            query = query.where(StaffSessionRow.id == session_id)
        self._session.execute(query.values(revoked_at=at))

    def purge_sessions(self, before: datetime) -> int:
        gone = self._session.execute(
            delete(StaffSessionRow).where(
                or_(StaffSessionRow.expires_at < before, StaffSessionRow.revoked_at < before)
            )
        )
        return int(getattr(gone, "rowcount", 0))
