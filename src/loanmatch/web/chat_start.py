"""The chat page's start: sign in with a one-time code, then start a session (issue 12).

``GET /chat`` asks for the owner's mobile number (or user name) and, optionally, the
enterprise's 统一社会信用代码. ``POST /chat`` checks the code's format, then asks
:mod:`loanmatch.services.identity` for a one-time code and shows the code form (the simulated
sender's code is printed on it: the demo sends no SMS). ``POST /chat/verify`` trades the code
for the owner token, keeps it in the HttpOnly, SameSite=Strict cookie of
:mod:`loanmatch.web.owner_auth`, starts the session and goes to ``/chat/{session_id}``. An owner
already signed in for that enterprise starts at once (the form carries the token's CSRF value).
``POST /chat/sign-out`` ends the token.

The code form works only in the browser that asked for the code: the challenge id is also kept
in a SameSite=Strict cookie, so another site cannot sign a visitor in as someone else.
"""

from __future__ import annotations

import csv
import random
import secrets
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.connectors import simulated_credit_code
from loanmatch.domain.masking import mask_owner_id
from loanmatch.errors import (
    CreditCodeError,
    ForbiddenError,
    IdentityCodeError,
    InputError,
    RateLimitedError,
)
from loanmatch.lang import Lang, parse_lang, short_code
from loanmatch.services import identity
from loanmatch.services.assistant import start_chat
from loanmatch.storage.records import OwnerToken
from loanmatch.web.backend import sessions_backend
from loanmatch.web.chat_api import assistant_of, root_of
from loanmatch.web.owner_auth import clear_cookie, csrf_matches, page_owner, set_cookie
from loanmatch.web.rate_limits import rate_limits_of

__all__ = ["page_url", "refused_page", "router", "start_page", "start_url", "templates"]

_WEB = Path(str(resources.files("loanmatch") / "web"))
_SEE_OTHER = 303
CHALLENGE_COOKIE = "lm_challenge"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(_WEB / "templates"))


@lru_cache(maxsize=4)
def _sample_ids(path: Path, limit: int = 5000) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            ids = [
                row.get("applicant_id") or "" for _, row in zip(range(limit), reader, strict=False)
            ]
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()
    return tuple(i for i in ids if i)


def page_url(session_id: str, lang: Lang) -> str:
    return f"/chat/{session_id}?lang={short_code(lang)}"


def start_url(lang: str | None) -> str:
    return f"/chat?lang={short_code(parse_lang(lang))}"


router = APIRouter(include_in_schema=False)


@router.get("/chat", response_class=HTMLResponse)
def start_page(request: Request, lang: str | None = None) -> Response:
    root = root_of(request)
    chosen = parse_lang(lang, root.settings.default_lang if root is not None else "zh-CN")
    return _start_page(request, chosen, page_owner(request))


def _start_page(
    request: Request, chosen: Lang, owner: OwnerToken | None, error: str = "",
    entered: str = "", status: int = 200, challenge: dict[str, str] | None = None,
    error_field: str = "enterprise_id",
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        "t": messages.section("chat_page", chosen),
        "html_lang": chosen,
        "lang": short_code(chosen),
        "other_lang": "en" if chosen == "zh-CN" else "zh",
        "css": (_WEB / "static" / "style.css").read_text(encoding="utf-8"),
        "view": None,
        "turn": [],
        "history": [],
        "error": error,
        "entered": entered,
        "owner": mask_owner_id(owner.owner_id) if owner is not None else "",
        "owner_enterprise": owner.enterprise_id if owner is not None else "",
        "csrf": owner.csrf if owner is not None else "",
        "challenge": challenge,
        "error_field": error_field,
    }
    return templates().TemplateResponse(request, "chat.html", context, status_code=status)


def refused_page(request: Request, lang: str) -> Response:
    """The start page saying to sign in again (403): a form came without its CSRF value."""
    chosen = parse_lang(lang)
    text = messages.t("chat_page.not_yours", chosen)
    return _start_page(request, chosen, page_owner(request), text, status=403)


def _error_text(error: InputError | IdentityCodeError | RateLimitedError, lang: Lang) -> str:
    if isinstance(error, RateLimitedError):
        return messages.t("chat_page.too_many", lang, n=error.retry_after)
    text = getattr(error, "text", None)
    if text is not None:
        return str(text.get(lang))
    zh = getattr(error, "message_zh", "")
    return zh if zh and lang == "zh-CN" else error.message


@router.post("/chat")
async def start(
    request: Request,
    lang: Annotated[str, Form(max_length=16)] = "zh",
    enterprise_id: Annotated[str, Form(max_length=128)] = "",
    owner_id: Annotated[str, Form(max_length=128)] = "",
    sample: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    chosen = parse_lang(lang)
    root = root_of(request)
    if sample and root is not None:
        ids = _sample_ids(root.applicants)
        enterprise_id = simulated_credit_code(random.choice(ids)) if ids else ""
    owner = page_owner(request)
    if owner is not None and csrf and not owner_id.strip():
        if not csrf_matches(owner, csrf):
            return refused_page(request, lang)
        try:
            enterprise = identity.enterprise_for(owner, enterprise_id)
        except CreditCodeError as error:
            return _start_page(request, chosen, owner, error.text.get(chosen), enterprise_id, 422)
        except ForbiddenError:  # another enterprise: the identity check must cover it first
            owner_id = owner.owner_id
        else:
            return await _start_session(request, owner, chosen, enterprise)
    if sample and not owner_id.strip():
        owner_id = f"demo-{secrets.token_hex(3)}"
    backend = sessions_backend(request)
    limits = rate_limits_of(request)
    try:
        if limits is not None:
            limits.hit("codes", request.client.host if request.client else "unknown")
            limits.hit("codes", f"owner:{owner_id.strip()}")
        sent = await run_in_threadpool(
            identity.start_challenge, backend.unit_of_work(), backend.codes, owner_id,
            enterprise_id, backend.context.clock(),
        )  # fmt: skip
    except (InputError, RateLimitedError) as error:
        status = 429 if isinstance(error, RateLimitedError) else 422
        field = error.where.setting if isinstance(error, InputError) else None
        return _start_page(
            request, chosen, owner, _error_text(error, chosen), enterprise_id, status,
            error_field=field or "enterprise_id",
        )  # fmt: skip
    challenge = {
        "id": sent.id, "owner": mask_owner_id(owner_id), "code": sent.shown_code or "",
        "lang": short_code(chosen),
    }  # fmt: skip
    page = _start_page(request, chosen, owner, challenge=challenge)
    page.set_cookie(
        CHALLENGE_COOKIE, sent.id, max_age=identity.CODE_MINUTES * 60, httponly=True,
        samesite="strict", secure=backend.cookie_secure, path="/chat",
    )  # fmt: skip
    return page


@router.post("/chat/verify")
async def verify(
    request: Request,
    challenge_id: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    backend = sessions_backend(request)
    if not challenge_id or request.cookies.get(CHALLENGE_COOKIE) != challenge_id:
        return _start_page(
            request, chosen, None, messages.t("chat_page.not_yours", chosen), status=403
        )
    try:
        token, raw = await run_in_threadpool(
            identity.verify_code, backend.unit_of_work(), challenge_id, code,
            backend.context.clock(), backend.token_minutes,
        )  # fmt: skip
    except IdentityCodeError as error:
        if error.rule == "wrong" and error.attempts_left > 0:
            with backend.unit_of_work() as uow:
                stored = uow.identity.get_challenge(challenge_id)
            challenge = {
                "id": challenge_id,
                "owner": mask_owner_id(stored.owner_id) if stored is not None else "",
                "code": "", "lang": short_code(chosen),
            }  # fmt: skip
            message = messages.t("chat_page.code_wrong", chosen, n=error.attempts_left)
            return _start_page(request, chosen, None, message, status=401, challenge=challenge)
        return _start_page(
            request, chosen, None, messages.t("chat_page.code_again", chosen), status=401
        )
    response = await _start_session(request, token, chosen, token.enterprise_id)
    set_cookie(response, raw, backend.token_minutes, backend.cookie_secure)
    response.delete_cookie(CHALLENGE_COOKIE, path="/chat")
    return response


async def _start_session(
    request: Request, owner: OwnerToken, lang: Lang, enterprise: str
) -> Response:
    assistant = replace(assistant_of(request), detailed_results=False)
    assistant = replace(
        assistant, context=replace(assistant.context, actor=identity.owner_actor(owner))
    )
    try:
        turn = await run_in_threadpool(start_chat, assistant, lang, enterprise, owner.owner_id)
    except CreditCodeError as error:  # the code is checked before any source is asked
        return _start_page(request, lang, owner, error.text.get(lang), enterprise, 422)
    return RedirectResponse(page_url(turn.view.session_id, lang), status_code=_SEE_OTHER)


@router.post("/chat/sign-out")
async def sign_out(
    request: Request,
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    owner = page_owner(request)
    if owner is not None:
        if not csrf_matches(owner, csrf):
            return refused_page(request, lang)
        backend = sessions_backend(request)
        identity.sign_out(backend.unit_of_work(), owner, backend.context.clock())
    response = RedirectResponse(start_url(lang), status_code=_SEE_OTHER)
    clear_cookie(response)
    return response
