"""Who the lender portal's user is (issue 12).

The portal keeps the session token ``lms_<id>.<secret>`` (:mod:`loanmatch.services.staff`) in an
HttpOnly, SameSite=Strict cookie (:data:`COOKIE`; the lender portal and the operator console);
every form posts the session's CSRF value back (:func:`check_staff_csrf`), so a cookie alone
changes nothing. The
sign-in form itself carries a value also kept in a SameSite=Strict cookie
(:data:`LOGIN_COOKIE`), so no other site can sign a visitor in as someone else.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.responses import Response

from loanmatch.errors import AuthError, ForbiddenError
from loanmatch.services.staff import authenticate_staff
from loanmatch.storage.records import StaffSession
from loanmatch.web.backend import sessions_backend

__all__ = [
    "COOKIE",
    "LOGIN_COOKIE",
    "check_staff_csrf",
    "clear_staff_cookie",
    "page_staff",
    "set_staff_cookie",
]

COOKIE = "lm_staff"
LOGIN_COOKIE = "lm_login"
PATH = "/lender"
"""Where the lender portal's pages are."""
COOKIE_PATH = "/"
"""The portal session's cookie serves the lender portal and the operator console
(``/operator``)."""


def page_staff(request: Request) -> StaffSession | None:
    """The portal session of the request's cookie, or None (none, or no longer valid)."""
    raw = request.cookies.get(COOKIE, "")
    if not raw:
        return None
    backend = sessions_backend(request)
    try:
        return authenticate_staff(backend.unit_of_work(), raw, backend.context.clock())
    except AuthError:
        return None


def check_staff_csrf(session: StaffSession, sent: str) -> None:
    if not hmac.compare_digest(session.csrf.encode(), sent.encode()):
        raise ForbiddenError("this form is not from your signed-in portal page (CSRF token)")


def set_staff_cookie(response: Response, raw: str, minutes: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE, raw, max_age=minutes * 60, httponly=True, samesite="strict", secure=secure,
        path=COOKIE_PATH,
    )  # fmt: skip


def clear_staff_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
