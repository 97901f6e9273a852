"""Consent to pull an owner's data from one source (docs/design.md §8; issue 3).

Pure: a :class:`Consent` is a value. It is granted for one data subject (the enterprise and its
owner), one source (``registry``, ``tax``, ``bureau``, ``bank``, ...), one stated purpose and a
scope (the catalog features the source may fill), until an expiry. It can be revoked; a revoked or
expired consent never allows a pull again. Every check takes the time ``at`` as an argument so that
expiry is testable without a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from loanmatch.domain.catalog import Text
from loanmatch.errors import ConsentRequestError

__all__ = [
    "MAX_CONSENT_DAYS",
    "Consent",
    "ConsentStatus",
    "grant",
    "require_aware",
]

MAX_CONSENT_DAYS = 365
"""The longest a consent may run: a year, after which the owner is asked again."""

ConsentStatus = Literal["active", "expired", "revoked"]


def require_aware(at: datetime) -> datetime:
    """``at`` itself; a time without a time zone is a programming error here."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} has no time zone")
    return at


@dataclass(frozen=True)
class Consent:
    """The owner's permission for ``source`` to fill ``scope`` for ``purpose`` until
    ``expires_at``."""

    subject: str
    source: str
    purpose: str
    scope: tuple[str, ...]
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.granted_at)
        require_aware(self.expires_at)
        if self.revoked_at is not None:
            require_aware(self.revoked_at)
        if self.expires_at <= self.granted_at:
            raise ValueError("a consent must expire after it is granted")

    def status(self, at: datetime) -> ConsentStatus:
        require_aware(at)
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if at >= self.expires_at:
            return "expired"
        return "active"

    def is_valid(self, at: datetime) -> bool:
        """Whether a pull at ``at`` is allowed (granted, not expired, not revoked)."""
        return self.granted_at <= at and self.status(at) == "active"

    def covers(self, feature: str) -> bool:
        return feature in self.scope

    def allowed(self, features: Iterable[str], at: datetime) -> tuple[str, ...]:
        """The features among ``features`` this consent lets a pull fill at ``at``."""
        if not self.is_valid(at):
            return ()
        return tuple(f for f in features if self.covers(f))

    def revoke(self, at: datetime) -> Consent:
        """The consent revoked at ``at``; revoking twice keeps the first revocation time."""
        require_aware(at)
        if self.revoked_at is not None:
            return self
        return replace(self, revoked_at=at)

    def why_not(self, at: datetime) -> Text | None:
        """Why a pull is not allowed at ``at`` (None when it is), for the owner to read."""
        status = self.status(at)
        if status == "revoked":
            return Text(
                zh=f"您已撤回对“{self.source}”数据的授权，我们不会再读取。",
                en=f"You revoked consent for {self.source}; we will not read it again.",
            )
        if status == "expired":
            return Text(
                zh=f"对“{self.source}”数据的授权已过期，如需继续请重新授权。",
                en=f"Your consent for {self.source} has expired; grant it again to continue.",
            )
        return None


def grant(
    subject: str,
    source: str,
    purpose: str,
    scope: Iterable[str],
    at: datetime,
    days: int,
) -> Consent:
    """A new consent from ``at`` for ``days`` days (1 to :data:`MAX_CONSENT_DAYS`)."""
    require_aware(at)
    if not purpose.strip():
        raise ConsentRequestError(
            Text(zh="请说明授权用途。", en="A consent needs a purpose."), source
        )
    if not 1 <= days <= MAX_CONSENT_DAYS:
        raise ConsentRequestError(
            Text(
                zh=f"授权期限应为 1 到 {MAX_CONSENT_DAYS} 天，收到 {days} 天。",
                en=f"A consent lasts 1 to {MAX_CONSENT_DAYS} days, not {days}.",
            ),
            source,
        )
    return Consent(
        subject=subject,
        source=source,
        purpose=purpose.strip(),
        scope=tuple(dict.fromkeys(scope)),
        granted_at=at,
        expires_at=at + timedelta(days=days),
    )
