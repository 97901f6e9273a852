"""The identity repository (one-time codes, owner tokens) over SQLAlchemy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from loanmatch.storage.orm import IdentityChallengeRow, OwnerTokenRow
from loanmatch.storage.records import IdentityChallenge, OwnerToken, as_utc, maybe_utc
from loanmatch.storage.unit_of_work import IdentityRepository

__all__ = ["SqlIdentity"]


class SqlIdentity(IdentityRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_challenge(self, challenge: IdentityChallenge) -> None:
        self._session.add(
            IdentityChallengeRow(
                id=challenge.id,
                owner_id=challenge.owner_id,
                enterprise_id=challenge.enterprise_id,
                code_sha256=challenge.code_sha256,
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
                attempts=challenge.attempts,
                used_at=challenge.used_at,
            )
        )
        self._session.flush()

    def get_challenge(self, challenge_id: str) -> IdentityChallenge | None:
        row = self._session.get(IdentityChallengeRow, challenge_id, populate_existing=True)
        if row is None:
            return None
        return IdentityChallenge(
            id=row.id,
            owner_id=row.owner_id,
            enterprise_id=row.enterprise_id,
            code_sha256=row.code_sha256,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            attempts=row.attempts,
            used_at=maybe_utc(row.used_at),
        )

    def count_attempt(self, challenge_id: str, limit: int) -> bool:
        counted = self._session.execute(
            update(IdentityChallengeRow)
            .where(IdentityChallengeRow.id == challenge_id, IdentityChallengeRow.attempts < limit)
            .values(attempts=IdentityChallengeRow.attempts + 1)
        )
        return bool(getattr(counted, "rowcount", 0))

    def use_challenge(self, challenge_id: str, at: datetime) -> bool:
        used = self._session.execute(
            update(IdentityChallengeRow)
            .where(IdentityChallengeRow.id == challenge_id, IdentityChallengeRow.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(getattr(used, "rowcount", 0))

    def add_token(self, token: OwnerToken) -> None:
        self._session.add(
            OwnerTokenRow(
                id=token.id,
                owner_id=token.owner_id,
                enterprise_id=token.enterprise_id,
                secret_sha256=token.secret_sha256,
                csrf=token.csrf,
                created_at=token.created_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )
        self._session.flush()

    def get_token(self, token_id: str) -> OwnerToken | None:
        row = self._session.get(OwnerTokenRow, token_id, populate_existing=True)
        if row is None:
            return None
        return OwnerToken(
            id=row.id,
            owner_id=row.owner_id,
            enterprise_id=row.enterprise_id,
            secret_sha256=row.secret_sha256,
            csrf=row.csrf,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            revoked_at=maybe_utc(row.revoked_at),
        )

    def revoke_token(self, token_id: str, at: datetime) -> None:
        self._session.execute(
            update(OwnerTokenRow)
            .where(OwnerTokenRow.id == token_id, OwnerTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def purge(self, before: datetime) -> int:
        codes = self._session.execute(
            delete(IdentityChallengeRow).where(IdentityChallengeRow.expires_at < before)
        )
        tokens = self._session.execute(
            delete(OwnerTokenRow).where(
                or_(OwnerTokenRow.expires_at < before, OwnerTokenRow.revoked_at < before)
            )
        )
        return int(getattr(codes, "rowcount", 0)) + int(getattr(tokens, "rowcount", 0))
