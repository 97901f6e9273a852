"""Owners prove who they are before any of their data is pulled (issue 12).

The flow: :func:`start_challenge` makes a six-digit one-time code for an owner id (and the
enterprise the owner acts for, when named) and hands it to a :class:`CodeSender`: a real
deployment's SMS or e-ID provider sends it to the phone registered for that owner (for an
enterprise, the legal representative's); the built-in :class:`SimulatedCodeSender` sends nothing
and gives the code back so the demo can show it on the screen. :func:`verify_code` trades the
right code for an owner token ``lmo_<id>.<secret>``, valid ``owner_token_minutes``; every
session and application route then needs it (``Authorization: Bearer``, or the page's cookie).

What is kept: the code's SHA-256 salted with its challenge id (never the code), the token's
SHA-256 (never the token), as :mod:`loanmatch.services.lender_keys` keeps lender keys. A code
lives :data:`CODE_MINUTES` minutes and allows :data:`MAX_ATTEMPTS` tries, counted atomically in
the database (racing guesses get no more), and opens one token; the chance of guessing it is
5 in a million per code, and the address that asks for codes is rate limited (``rate_codes``).
Nothing here is cryptography of our own: :mod:`secrets` draws, :mod:`hashlib` hashes,
:func:`hmac.compare_digest` compares.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from loanmatch.domain.credit_code import valid_credit_code
from loanmatch.errors import AuthError, ForbiddenError, IdentityCodeError, InputError
from loanmatch.location import Location
from loanmatch.storage.records import IdentityChallenge, OwnerToken
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "CODE_MINUTES",
    "MAX_ATTEMPTS",
    "OWNER_ID",
    "PREFIX",
    "Challenge",
    "CodeSender",
    "SimulatedCodeSender",
    "authenticate_owner",
    "enterprise_for",
    "owner_actor",
    "sign_out",
    "start_challenge",
    "verify_code",
]

PREFIX = "lmo_"
CODE_MINUTES = 5
MAX_ATTEMPTS = 5
CODE_DIGITS = 6
OWNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+\-]{0,63}$")
"""An owner id: a phone number, an e-mail address or a partner's user id (1-64 characters of
letters, digits and ``_ . @ + -``)."""


class CodeSender(Protocol):
    """Sends an owner's one-time code; a real provider returns None (the code went by SMS)."""

    name: str

    def send(self, owner_id: str, enterprise_id: str, code: str) -> str | None:
        """Deliver ``code``; return it only when it is to be shown on the screen (simulated)."""
        ...


class SimulatedCodeSender:
    """The demo's identity check: nothing is sent, the code is shown on the screen. It proves
    nothing about the owner; a deployment replaces it with its SMS or e-ID provider."""

    name = "simulated"

    def send(self, owner_id: str, enterprise_id: str, code: str) -> str | None:
        return code


@dataclass(frozen=True)
class Challenge:
    id: str
    expires_at: datetime
    shown_code: str | None
    """The code itself when the sender is the simulated one (the demo shows it), else None."""


def _salted(challenge_id: str, code: str) -> str:
    return hashlib.sha256(f"{challenge_id}:{code}".encode()).hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _owner_id(raw: str) -> str:
    owner = raw.strip()
    if not OWNER_ID.match(owner):
        raise InputError(
            "owner_id must be 1-64 letters, digits or _ . @ + - (a phone number, e-mail or "
            f"user id); got {len(owner)} characters",
            Location(setting="owner_id"),
            zh="用户标识须为 1-64 个字母、数字或 _ . @ + -（手机号、邮箱或用户名）",
        )
    return owner


def start_challenge(
    uow: UnitOfWork, sender: CodeSender, owner_id: str, enterprise_id: str, at: datetime
) -> Challenge:
    """A new one-time code for ``owner_id`` acting for ``enterprise_id`` (blank: none; else a
    valid 统一社会信用代码, :class:`~loanmatch.errors.CreditCodeError` otherwise)."""
    owner = _owner_id(owner_id)
    enterprise = valid_credit_code(enterprise_id) if enterprise_id.strip() else ""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge_id = secrets.token_hex(12)
    expires = at + timedelta(minutes=CODE_MINUTES)
    with uow:
        uow.identity.add_challenge(
            IdentityChallenge(
                challenge_id, owner, enterprise, _salted(challenge_id, code), at, expires
            )
        )
        uow.commit()
    return Challenge(challenge_id, expires, sender.send(owner, enterprise, code))


def verify_code(
    uow: UnitOfWork, challenge_id: str, code: str, at: datetime, token_minutes: int
) -> tuple[OwnerToken, str]:
    """The owner token (stored record, and the token itself, shown once) that the right
    ``code`` of ``challenge_id`` opens; :class:`IdentityCodeError` naming the rule otherwise."""
    with uow:
        challenge = uow.identity.get_challenge(challenge_id)
        if challenge is None or challenge.expires_at <= at:
            raise IdentityCodeError("expired", "this code has expired: ask for a new one", 0)
        if challenge.used_at is not None:
            raise IdentityCodeError("used", "this code was used already: ask for a new one", 0)
        if not uow.identity.count_attempt(challenge_id, MAX_ATTEMPTS):
            raise IdentityCodeError("attempts", "no try of this code is left: ask again", 0)
        uow.commit()  # the try is counted whether or not the code is right
        left = MAX_ATTEMPTS - challenge.attempts - 1
        if not hmac.compare_digest(challenge.code_sha256, _salted(challenge_id, code.strip())):
            raise IdentityCodeError("wrong", f"wrong code: {left} tries left", left)
        if not uow.identity.use_challenge(challenge_id, at):
            raise IdentityCodeError("used", "this code was used already: ask for a new one", 0)
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        token = OwnerToken(
            id=token_id,
            owner_id=challenge.owner_id,
            enterprise_id=challenge.enterprise_id,
            secret_sha256=_digest(secret),
            csrf=secrets.token_urlsafe(24),
            created_at=at,
            expires_at=at + timedelta(minutes=token_minutes),
        )
        uow.identity.add_token(token)
        uow.commit()
    return token, f"{PREFIX}{token_id}.{secret}"


def authenticate_owner(uow: UnitOfWork, raw: str, at: datetime) -> OwnerToken:
    """The owner token ``raw`` is, if valid now; else :class:`AuthError` (never saying whether
    the id exists)."""
    token_id, _, secret = raw.removeprefix(PREFIX).partition(".")
    if not raw.startswith(PREFIX) or not token_id or not secret:
        raise AuthError("sign in first: Authorization: Bearer lmo_<id>.<secret>")
    with uow:
        token = uow.identity.get_token(token_id)
    valid = token is not None and hmac.compare_digest(token.secret_sha256, _digest(secret))
    if token is None or not valid:
        raise AuthError("this owner token is not valid: sign in again")
    if token.revoked_at is not None or token.expires_at <= at:
        raise AuthError("this owner token has expired or was signed out: sign in again")
    return token


def enterprise_for(token: OwnerToken, asked: str) -> str:
    """The enterprise a session of ``token``'s owner is for: ``asked`` (blank: the one the
    identity check covered). :class:`ForbiddenError` when the check did not cover ``asked``."""
    if not asked.strip():
        return token.enterprise_id
    code = valid_credit_code(asked)
    if code != token.enterprise_id:
        raise ForbiddenError(
            f"your identity check covered {token.enterprise_id or 'no enterprise'}, not {code}: "
            "sign in again naming this enterprise"
        )
    return code


def sign_out(uow: UnitOfWork, token: OwnerToken, at: datetime) -> None:
    with uow:
        uow.identity.revoke_token(token.id, at)
        uow.commit()


def owner_actor(token: OwnerToken) -> str:
    """How the audit log names an owner acting with ``token``: by the token's id, which the
    owner_tokens table ties to the owner (the log itself holds no owner id)."""
    return f"owner:{token.id}"
