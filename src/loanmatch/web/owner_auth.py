"""Who the owner is, on every owner route (issue 12).

The JSON API takes the owner token in ``Authorization: Bearer lmo_<id>.<secret>``
(:func:`api_owner`), never in a cookie, so no other site can make a browser call it. The pages
keep the token in an HttpOnly, SameSite=Strict cookie (:data:`COOKIE`) and every form posts the
token's CSRF value back (:func:`check_csrf`): a cookie alone changes nothing.

:func:`owned_session` is the one check that a session is the caller's: a session of another
owner answers 404 ``session.not_found``, exactly as one that does not exist, so ids cannot be
probed. The audit log names the acting owner by token (``owner:<token id>``,
:func:`loanmatch.services.identity.owner_actor`).
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response

from loanmatch.errors import AuthError, ForbiddenError, SessionNotFoundError
from loanmatch.services.identity import authenticate_owner, owner_actor
from loanmatch.services.intake import IntakeContext
from loanmatch.storage.records import OwnerToken
from loanmatch.web.backend import SessionsBackend, sessions_backend

__all__ = [
    "COOKIE",
    "ApiOwner",
    "OwnedSession",
    "api_owner",
    "check_csrf",
    "clear_cookie",
    "context_for",
    "csrf_matches",
    "owned_session",
    "page_owner",
    "set_cookie",
]

COOKIE = "lm_owner"
Authorization = Annotated[str | None, Header(max_length=256)]


def api_owner(request: Request, authorization: Authorization = None) -> OwnerToken:
    backend = sessions_backend(request)
    scheme, _, raw = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthError("sign in first: Authorization: Bearer lmo_<id>.<secret>")
    return authenticate_owner(backend.unit_of_work(), raw.strip(), backend.context.clock())


ApiOwner = Annotated[OwnerToken, Depends(api_owner)]


def page_owner(request: Request) -> OwnerToken | None:
    """The owner of the page's cookie, or None (no cookie, or one no longer valid)."""
    raw = request.cookies.get(COOKIE, "")
    if not raw:
        return None
    backend = sessions_backend(request)
    try:
        return authenticate_owner(backend.unit_of_work(), raw, backend.context.clock())
    except AuthError:
        return None


def csrf_matches(token: OwnerToken, sent: str) -> bool:
    """Whether a form posted ``token``'s CSRF value (compared in constant time)."""
    return hmac.compare_digest(token.csrf.encode(), sent.encode())


def check_csrf(token: OwnerToken, sent: str) -> None:
    if not csrf_matches(token, sent):
        raise ForbiddenError("this form is not from your signed-in page (CSRF token missing)")


def set_cookie(response: Response, raw: str, minutes: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE, raw, max_age=minutes * 60, httponly=True, samesite="strict", secure=secure,
        path="/",
    )  # fmt: skip


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def check_owner(backend: SessionsBackend, token: OwnerToken, session_id: str) -> None:
    """Nothing when ``session_id`` is ``token``'s owner's session; else 404."""
    with backend.unit_of_work() as uow:
        record = uow.sessions.get(session_id)
    if record is None or not record.owner_id or record.owner_id != token.owner_id:
        raise SessionNotFoundError(session_id)


def owned_session(session_id: str, request: Request, owner: ApiOwner) -> str:
    check_owner(sessions_backend(request), owner, session_id)
    return session_id


OwnedSession = Annotated[str, Depends(owned_session)]


def context_for(backend: SessionsBackend, token: OwnerToken) -> IntakeContext:
    """The backend's intake context acting as ``token``'s owner (what the audit log names)."""
    return replace(backend.context, actor=owner_actor(token))
