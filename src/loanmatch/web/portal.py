"""The lender portal's frame: sign-in, sign-out and the page renderer (issue 12).

``GET /lender/login`` shows the sign-in form; ``POST /lender/login`` checks the user name and
password (:mod:`loanmatch.services.staff`, argon2), counts the try against the ``logins`` rate
limits (per client address and per user name) and keeps the portal session in the cookie of
:mod:`loanmatch.web.staff_auth`. ``POST /lender/logout`` ends it. The inbox, an application's
decision form and the funnel are in :mod:`loanmatch.web.portal_inbox`.

Every portal page is ``templates/portal.html`` with the ``portal`` section of the message
catalogs (zh-CN by default, ``?lang=en``). A refused form is the page again with the error in
it, with the error's HTTP status (401 for a wrong password, 403 for a form without its CSRF
value, 409 for a decision someone else made first, 422 for a missing term, 429 past a limit).
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.domain.products import Market
from loanmatch.errors import AuthError, ForbiddenError, RateLimitedError
from loanmatch.lang import Lang, parse_lang, short_code
from loanmatch.services import staff
from loanmatch.services.capacity import BUSINESS_TZ
from loanmatch.storage.records import StaffSession
from loanmatch.web.backend import sessions_backend
from loanmatch.web.chat_api import root_of
from loanmatch.web.chat_start import templates
from loanmatch.web.rate_limits import rate_limits_of
from loanmatch.web.staff_auth import (
    LOGIN_COOKIE,
    PATH,
    check_staff_csrf,
    clear_staff_cookie,
    page_staff,
    set_staff_cookie,
)

__all__ = ["lang_of", "portal_url", "render", "router", "signed_in_or_login"]

_WEB = Path(str(resources.files("loanmatch") / "web"))
_SEE_OTHER = 303

router = APIRouter(include_in_schema=False)


def lang_of(request: Request, lang: str | None) -> Lang:
    root = root_of(request)
    return parse_lang(lang, root.settings.default_lang if root is not None else "zh-CN")


def portal_url(path: str, lang: Lang) -> str:
    return f"{PATH}{path}?lang={short_code(lang)}"


def render(
    request: Request, lang: Lang, page: str, session: StaffSession | None, status: int = 200,
    **values: Any,
) -> Response:  # fmt: skip
    """``portal.html`` showing ``page`` (login, inbox, application, funnel, products...)."""
    market: Market | None = sessions_backend(request).market
    lender = session.lender_id if session is not None else ""
    names = [p.lender_display(lang) for p in (market.products if market else ())
             if p.lender == lender]  # fmt: skip
    context: dict[str, Any] = {
        "t": messages.section("portal", lang),
        "html_lang": lang,
        "lang": short_code(lang),
        "other_lang": "en" if lang == "zh-CN" else "zh",
        "css": (_WEB / "static" / "style.css").read_text(encoding="utf-8"),
        "page": page,
        "here": request.url.path,
        "staff": session,
        "lender_name": names[0] if names else lender,
        "csrf": session.csrf if session is not None else "",
        "error": "",
        "tz": BUSINESS_TZ,
        **values,
    }
    return templates().TemplateResponse(request, "portal.html", context, status_code=status)


def signed_in_or_login(request: Request, lang: Lang) -> StaffSession | Response:
    """The portal session, or a redirect to the sign-in page."""
    session = page_staff(request)
    if session is None:
        return RedirectResponse(portal_url("/login", lang), status_code=_SEE_OTHER)
    if session.role == "operator":  # the platform's operators have the console, no inbox
        return RedirectResponse(f"/operator?lang={short_code(lang)}", status_code=_SEE_OTHER)
    return session


def _login_page(request: Request, lang: Lang, error: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    page = render(request, lang, "login", None, status, error=error, nonce=nonce)
    backend = sessions_backend(request)
    page.set_cookie(
        LOGIN_COOKIE, nonce, max_age=15 * 60, httponly=True, samesite="strict",
        secure=backend.cookie_secure, path=PATH,
    )  # fmt: skip
    return page


@router.get(PATH, response_class=HTMLResponse)
def portal_home(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    target = "/inbox" if page_staff(request) is not None else "/login"
    return RedirectResponse(portal_url(target, chosen), status_code=_SEE_OTHER)


@router.get(f"{PATH}/login", response_class=HTMLResponse)
def login_page(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    if page_staff(request) is not None:
        return RedirectResponse(portal_url("/inbox", chosen), status_code=_SEE_OTHER)
    return _login_page(request, chosen)


@router.post(f"{PATH}/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    nonce: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    if not nonce or request.cookies.get(LOGIN_COOKIE) != nonce:
        return _login_page(request, chosen, messages.t("portal.login_again", chosen), 403)
    backend = sessions_backend(request)
    limits = rate_limits_of(request)
    try:
        if limits is not None:
            limits.hit("logins", request.client.host if request.client else "unknown")
            limits.hit("logins", f"user:{username.strip().lower()}")
        signed, raw = await run_in_threadpool(
            staff.sign_in, backend.unit_of_work(), username, password,
            backend.context.clock(), backend.staff_minutes,
        )  # fmt: skip
    except RateLimitedError as error:
        text = messages.t("portal.too_many", chosen, n=error.retry_after)
        return _login_page(request, chosen, text, 429)
    except AuthError:
        return _login_page(request, chosen, messages.t("portal.login_wrong", chosen), 401)
    home = f"/operator?lang={short_code(chosen)}" if signed.role == "operator" else None
    response = RedirectResponse(home or portal_url("/inbox", chosen), status_code=_SEE_OTHER)
    set_staff_cookie(response, raw, backend.staff_minutes, backend.cookie_secure)
    response.delete_cookie(LOGIN_COOKIE, path=PATH)
    return response


@router.post(f"{PATH}/logout")
async def logout(
    request: Request,
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = page_staff(request)
    if session is not None:
        try:
            check_staff_csrf(session, csrf)
        except ForbiddenError:
            return render(request, chosen, "error", session, 403,
                          error=messages.t("portal.csrf", chosen))  # fmt: skip
        backend = sessions_backend(request)
        staff.sign_out(backend.unit_of_work(), session, backend.context.clock())
    response = RedirectResponse(portal_url("/login", chosen), status_code=_SEE_OTHER)
    clear_staff_cookie(response)
    return response
