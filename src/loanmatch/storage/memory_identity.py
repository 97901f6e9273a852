"""The in-memory identity repository (:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires
and commits it): a fake for one caller at a time, as the webhooks and capacity fakes are."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from loanmatch.storage.records import IdentityChallenge, OwnerToken
from loanmatch.storage.unit_of_work import IdentityRepository

__all__ = ["MemoryIdentity"]


class MemoryIdentity(IdentityRepository):
    def __init__(
        self, challenges: dict[str, IdentityChallenge], tokens: dict[str, OwnerToken]
    ) -> None:
        self._challenges = challenges
        self._tokens = tokens

    def add_challenge(self, challenge: IdentityChallenge) -> None:
        if challenge.id in self._challenges:
            raise ValueError(f"challenge {challenge.id} exists already")
        self._challenges[challenge.id] = challenge

    def get_challenge(self, challenge_id: str) -> IdentityChallenge | None:
        return self._challenges.get(challenge_id)

    def count_attempt(self, challenge_id: str, limit: int) -> bool:
        challenge = self._challenges.get(challenge_id)
        if challenge is None or challenge.attempts >= limit:
            return False
        self._challenges[challenge_id] = replace(challenge, attempts=challenge.attempts + 1)
        return True

    def use_challenge(self, challenge_id: str, at: datetime) -> bool:
        challenge = self._challenges.get(challenge_id)
        if challenge is None or challenge.used_at is not None:
            return False
        self._challenges[challenge_id] = replace(challenge, used_at=at)
        return True

    def add_token(self, token: OwnerToken) -> None:
        if token.id in self._tokens:
            raise ValueError(f"owner token {token.id} exists already")
        self._tokens[token.id] = token

    def get_token(self, token_id: str) -> OwnerToken | None:
        return self._tokens.get(token_id)

    def revoke_token(self, token_id: str, at: datetime) -> None:
        token = self._tokens.get(token_id)
        if token is not None and token.revoked_at is None:
            self._tokens[token_id] = replace(token, revoked_at=at)

    def purge(self, before: datetime) -> int:
        codes = [k for k, c in self._challenges.items() if c.expires_at < before]
        tokens = [
            k for k, t in self._tokens.items()
            if t.expires_at < before or (t.revoked_at is not None and t.revoked_at < before)
        ]  # fmt: skip
        for key in codes:
            del self._challenges[key]
        for key in tokens:
            del self._tokens[key]
        return len(codes) + len(tokens)
