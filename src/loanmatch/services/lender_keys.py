"""Lender API keys: issued, checked, rotated and revoked (issue 12).

A key reads ``lmk_<id>.<secret>``: ``id`` names the stored row, ``secret`` is 32 random bytes
from :mod:`secrets` (URL-safe base64). Only the SHA-256 of the secret is stored and compared in
constant time (:func:`hmac.compare_digest`); a slow password hash (argon2) is not needed for a
secret of 256 random bits, which no dictionary holds. The key is shown once, when issued.
Rotation is issuing a new key and revoking the old one when the lender's system has switched.

Scopes: ``applications:read`` (the inbox and the released data), ``applications:decide``,
``products:read`` (the lender's products, versions and dry runs) and ``products:write`` (save
drafts, publish, roll back). A key gets all of them unless fewer are asked for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from loanmatch.errors import AuthError
from loanmatch.storage.records import LenderKey
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["PREFIX", "READ_SCOPES", "SCOPES", "authenticate", "issue_key", "revoke_key"]

PREFIX = "lmk_"
SCOPES = ("applications:read", "applications:decide", "products:read", "products:write")
READ_SCOPES = tuple(s for s in SCOPES if s.endswith(":read"))
"""What a read-only key may do (``loanmatch lender key-add --read-only``)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(
    uow: UnitOfWork, lender_id: str, at: datetime, scopes: Sequence[str] = SCOPES
) -> tuple[LenderKey, str]:
    """A new key for ``lender_id``: the stored record and the key itself (shown once)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {SCOPES}, got {list(scopes)}")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    key = LenderKey(key_id, lender_id, _digest(secret), tuple(scopes), at)
    with uow:
        uow.lender_keys.add(key)
        uow.commit()
    return key, f"{PREFIX}{key_id}.{secret}"


def authenticate(uow: UnitOfWork, token: str, at: datetime, scope: str) -> LenderKey:
    """The key ``token`` is, if it is valid now and has ``scope``; else :class:`AuthError`
    (the message never says whether the id exists)."""
    key_id, _, secret = token.removeprefix(PREFIX).partition(".")
    if not token.startswith(PREFIX) or not key_id or not secret:
        raise AuthError("send a lender API key: Authorization: Bearer lmk_<id>.<secret>")
    with uow:
        key = uow.lender_keys.get(key_id)
    valid = key is not None and hmac.compare_digest(key.secret_sha256, _digest(secret))
    if key is None or not valid or (key.revoked_at is not None and key.revoked_at <= at):
        raise AuthError("this API key is not valid (unknown, wrong or revoked)")
    if scope not in key.scopes:
        raise AuthError(f"this API key lacks the scope {scope!r}")
    return key


def revoke_key(uow: UnitOfWork, lender_id: str, key_id: str, at: datetime) -> LenderKey:
    """Revoke one of ``lender_id``'s keys from ``at`` on (KeyError: no such key of it)."""
    with uow:
        key = uow.lender_keys.get(key_id)
        if key is None or key.lender_id != lender_id:
            raise KeyError(f"lender {lender_id} has no key {key_id}")
        revoked = replace(key, revoked_at=at)
        uow.lender_keys.save_revocation(revoked)
        uow.commit()
        return revoked
