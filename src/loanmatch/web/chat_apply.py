"""The chat page's applications: apply to chosen offers, withdraw one (issue 12).

``POST /chat/{id}/apply`` takes the ticked offers and the form's idempotency key (made when the
page was drawn, so a double click is one application) and applies through
:func:`loanmatch.services.applications.apply`, as the owner of the cookie with the form's CSRF
value. ``POST /chat/{id}/withdraw/{application}`` withdraws. Both go back to the session's
page; a refusal comes back as its rule (``?refused=budget``), which the page words from the
catalog (``chat_page.refused_<rule>``), so no text of the request is ever shown back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.errors import (
    ApplicationNotFoundError,
    ApplyRefusedError,
    SessionNotFoundError,
    TransitionError,
)
from loanmatch.lang import parse_lang
from loanmatch.services import applications as apps
from loanmatch.services.identity import owner_actor
from loanmatch.web.backend import sessions_backend
from loanmatch.web.chat_start import page_url, refused_page, start_url
from loanmatch.web.owner_auth import check_owner, csrf_matches, page_owner

__all__ = ["REFUSALS", "router"]

REFUSALS = (
    "not_done", "not_offered", "budget", "capacity", "already_applied", "idempotency_mismatch",
    "no_products", "transition",
)  # fmt: skip
"""The refusals the page can word (``chat_page.refused_<rule>``)."""

router = APIRouter(include_in_schema=False)
_SEE_OTHER = 303


def _back(session_id: str, lang: str, refused: str = "") -> Response:
    url = page_url(session_id, parse_lang(lang))
    if refused:
        url += f"&refused={refused if refused in REFUSALS else 'not_offered'}#applications"
    else:
        url += "#applications"
    return RedirectResponse(url, status_code=_SEE_OTHER)


def _context(
    request: Request, session_id: str, csrf: str, lang: str
) -> apps.ApplicationsContext | Response:
    """The applications context acting as the cookie's owner of ``session_id``; else the start
    page (not the session's owner) or the page saying to sign in again (no CSRF value)."""
    owner = page_owner(request)
    backend = sessions_backend(request)
    back = RedirectResponse(start_url(lang), status_code=_SEE_OTHER)
    if owner is None or backend.market is None:
        return back
    try:
        check_owner(backend, owner, session_id)
    except SessionNotFoundError:
        return back
    if not csrf_matches(owner, csrf):
        return refused_page(request, lang)
    intake = replace(backend.context, actor=owner_actor(owner))
    return apps.ApplicationsContext(intake, backend.market)


@router.post("/chat/{session_id}/apply")
async def apply(
    request: Request,
    session_id: str,
    products: Annotated[list[str] | None, Form(max_length=64)] = None,
    key: Annotated[str, Form(max_length=128)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    ctx = await run_in_threadpool(_context, request, session_id, csrf, lang)
    if isinstance(ctx, Response):
        return ctx
    chosen = [p for p in (products or []) if p][:10]
    if not chosen:
        return _back(session_id, lang, "no_products")
    try:
        await run_in_threadpool(
            apps.apply, sessions_backend(request).unit_of_work(), ctx, session_id, chosen,
            key or "page",
        )  # fmt: skip
    except ApplyRefusedError as refused:
        return _back(session_id, lang, refused.rule)
    return _back(session_id, lang)


@router.post("/chat/{session_id}/withdraw/{application_id}")
async def withdraw(
    request: Request,
    session_id: str,
    application_id: str,
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    ctx = await run_in_threadpool(_context, request, session_id, csrf, lang)
    if isinstance(ctx, Response):
        return ctx
    try:
        await run_in_threadpool(
            apps.owner_act, sessions_backend(request).unit_of_work(), ctx, session_id,
            application_id[:64], "withdraw",
        )  # fmt: skip
    except (TransitionError, ApplicationNotFoundError):
        return _back(session_id, lang, "transition")
    return _back(session_id, lang)
