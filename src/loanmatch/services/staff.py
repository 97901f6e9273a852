"""Lenders' portal users: added, signed in with a password, signed out, disabled (issue 12).

Passwords are hashed with argon2id by ``argon2-cffi`` (its :class:`~argon2.PasswordHasher`
defaults, RFC 9106's second recommended profile); a hash made with older parameters is
replaced at the next successful sign-in. Nothing here is cryptography of our own.

Signing in gives a portal session ``lms_<id>.<secret>``, kept in the portal's HttpOnly cookie:
only the SHA-256 of the secret is stored, as for owner tokens and lender keys (a 256-bit random
secret needs no slow hash). Each session carries a CSRF value that the portal's forms post back.

A refused sign-in says the same for an unknown user, a wrong password and a disabled user, and
an unknown user costs one argon2 verification too, so neither the answer nor its time tells
which user names exist. Guessing is slowed by the rate limits on sign-in (``rate_logins``).
The audit log names the actor ``staff:<lender>/<user id>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loanmatch.errors import AuthError, ForbiddenError, InputError
from loanmatch.location import Location
from loanmatch.storage.records import (
    PLATFORM,
    STAFF_ROLES,
    AuditEntry,
    StaffSession,
    StaffUser,
)
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "MIN_PASSWORD",
    "PREFIX",
    "USERNAME",
    "add_staff",
    "authenticate_staff",
    "demo_accounts",
    "disable_staff",
    "require_role",
    "sign_in",
    "sign_out",
    "staff_actor",
]

PREFIX = "lms_"
MIN_PASSWORD = 12
MAX_PASSWORD = 256
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.@\-]{2,63}$")
"""A portal user name: 3-64 lower-case letters, digits or ``_ . @ -``."""

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"a password must have {MIN_PASSWORD}-{MAX_PASSWORD} characters; got {len(password)}",
            Location(setting="password"),
            zh=f"密码须为 {MIN_PASSWORD}-{MAX_PASSWORD} 个字符",
        )
    if len(set(password)) < 5:
        raise InputError(
            "a password needs at least 5 different characters",
            Location(setting="password"),
            zh="密码须至少含 5 个不同字符",
        )


def add_staff(
    uow: UnitOfWork, lender_id: str, username: str, password: str, role: str, at: datetime
) -> StaffUser:
    """A new portal user of ``lender_id`` (``role``: ``officer`` or ``manager``)."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError(
            f"a user name must be 3-64 lower-case letters, digits or _ . @ -; got {username!r}",
            Location(setting="username"),
            zh="用户名须为 3-64 个小写字母、数字或 _ . @ -",
        )
    if role not in STAFF_ROLES:
        raise InputError(
            f"role must be one of {', '.join(STAFF_ROLES)}; got {role!r}",
            Location(setting="role"),
        )
    if (role == "operator") != (lender_id == PLATFORM):
        raise InputError(
            f"the operator role is the platform's ({PLATFORM!r}) alone, and the platform has no "
            f"other role; got role {role!r} for {lender_id!r}",
            Location(setting="role"),
        )
    _check_password(password)
    user = StaffUser(secrets.token_hex(8), lender_id, name, _HASHER.hash(password), role, at)
    with uow:
        try:
            uow.staff.add_user(user)
        except ValueError:
            raise InputError(
                f"the user name {name!r} is taken", Location(setting="username"),
                zh=f"用户名 {name} 已被使用",
            ) from None  # fmt: skip
        uow.audit.append(
            AuditEntry(at, "operator", "staff.add", user.id, detail={"lender": lender_id,
                       "role": role})
        )  # fmt: skip
        uow.commit()
    return user


def sign_in(
    uow: UnitOfWork, username: str, password: str, at: datetime, minutes: int
) -> tuple[StaffSession, str]:
    """A portal session for the user whose password this is (the stored record, and the
    session token itself, shown once); :class:`AuthError` otherwise, the same for every cause."""
    refused = AuthError("wrong user name or password")
    with uow:
        user = uow.staff.user_named(username.strip().lower())
        stored = user.password_hash if user is not None else _DUMMY
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        if user is None or user.disabled_at is not None:
            raise refused
        if _HASHER.check_needs_rehash(user.password_hash):
            uow.staff.set_password_hash(user.id, _HASHER.hash(password))
        session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        session = StaffSession(
            id=session_id,
            staff_id=user.id,
            lender_id=user.lender_id,
            role=user.role,
            secret_sha256=_digest(secret),
            csrf=secrets.token_urlsafe(24),
            created_at=at,
            expires_at=at + timedelta(minutes=minutes),
        )
        uow.staff.add_session(session)
        uow.audit.append(
            AuditEntry(at, staff_actor(session), "staff.sign_in", user.id,
                       detail={"lender": user.lender_id})
        )  # fmt: skip
        uow.commit()
    return session, f"{PREFIX}{session_id}.{secret}"


def authenticate_staff(uow: UnitOfWork, raw: str, at: datetime) -> StaffSession:
    """The portal session ``raw`` is, if valid now and its user not disabled; else
    :class:`AuthError`."""
    session_id, _, secret = raw.removeprefix(PREFIX).partition(".")
    if not raw.startswith(PREFIX) or not session_id or not secret:
        raise AuthError("sign in to the lender portal first")
    with uow:
        session = uow.staff.get_session(session_id)
        user = uow.staff.get_user(session.staff_id) if session is not None else None
    valid = session is not None and hmac.compare_digest(session.secret_sha256, _digest(secret))
    if session is None or user is None or not valid:
        raise AuthError("this portal session is not valid: sign in again")
    if session.revoked_at is not None or session.expires_at <= at or user.disabled_at:
        raise AuthError("this portal session has ended: sign in again")
    return session


def require_role(session: StaffSession, role: str) -> None:
    """Nothing when ``session``'s user has ``role`` (a lender's manager has its officer's role
    too; an operator has no lender's role)."""
    if session.role != role and not (session.role == "manager" and role == "officer"):
        raise ForbiddenError(f"this needs the {role} role; you are signed in as {session.role}")


def sign_out(uow: UnitOfWork, session: StaffSession, at: datetime) -> None:
    with uow:
        uow.staff.revoke_sessions(session.staff_id, at, session.id)
        uow.commit()


def disable_staff(uow: UnitOfWork, lender_id: str, username: str, at: datetime) -> StaffUser:
    """Disable ``lender_id``'s user ``username`` and end its sessions (KeyError: no such user
    of that lender)."""
    with uow:
        user = uow.staff.user_named(username.strip().lower())
        if user is None or user.lender_id != lender_id:
            raise KeyError(f"lender {lender_id} has no portal user {username}")
        uow.staff.disable_user(user.id, at)
        uow.staff.revoke_sessions(user.id, at)
        uow.audit.append(
            AuditEntry(at, "operator", "staff.disable", user.id, detail={"lender": lender_id})
        )
        uow.commit()
        return user


def staff_actor(session: StaffSession) -> str:
    """How the audit log and an application's history name a portal user."""
    return f"staff:{session.lender_id}/{session.staff_id}"


def demo_accounts(
    uow: UnitOfWork, lenders: Sequence[str], password: str, at: datetime
) -> list[str]:
    """A ``manager`` portal user ``demo.<lender>`` for each lender (for :data:`PLATFORM`, an
    ``operator``), all with ``password`` (``loanmatch demo`` draws a new one at each start and
    prints it): added where missing, else its password replaced. The user names, in
    ``lenders``' order."""
    _check_password(password)
    names: list[str] = []
    for lender in lenders:
        name = f"demo.{lender}".lower()[:64]
        with uow:
            user = uow.staff.user_named(name)
            hashed = _HASHER.hash(password)
            if user is None:
                role = "operator" if lender == PLATFORM else "manager"
                uow.staff.add_user(StaffUser(secrets.token_hex(8), lender, name, hashed, role, at))
            elif user.lender_id == lender:
                uow.staff.set_password_hash(user.id, hashed)
            else:
                continue
            uow.commit()
        names.append(name)
    return names
