"""The chat page (``/chat``): the guiding assistant in a browser, on a phone, without JavaScript.

The start and the owner's sign-in are :mod:`loanmatch.web.chat_start`; a session's page is
``/chat/{session_id}``, shown only to the owner signed in with the page's cookie (anyone else
goes back to the start: the address alone opens nothing), rebuilt from the stored session, so
the owner can come back while signed in. Every form posts the sign-in's CSRF value.

Messages are plain form posts carrying the session version and the question number they answer,
so a reloaded or doubled post never answers the next question by mistake. A category or yes/no
question shows its choices as buttons of a form of their own (a tap posts the choice's code; the
transcript shows its label). Consent shows each source's data, purpose and expiry, and every
consent can be revoked from the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.assistant.dialogue import MAX_MESSAGE_CHARS
from loanmatch.bootstrap import Root
from loanmatch.connectors import consent_items
from loanmatch.domain.catalog import Text
from loanmatch.domain.masking import mask_owner_id
from loanmatch.errors import (
    LoanMatchError,
    SessionNotFoundError,
    StaleQuestionError,
)
from loanmatch.lang import Lang, parse_lang, short_code
from loanmatch.services import intake
from loanmatch.services.assistant import Assistant, ChatTurn, chat, opening
from loanmatch.services.identity import owner_actor
from loanmatch.services.intake import DEFAULT_CONSENT_DAYS, DEFAULT_PURPOSE, SessionView
from loanmatch.services.intake.views import source_name
from loanmatch.storage.records import OwnerToken
from loanmatch.web.backend import sessions_backend
from loanmatch.web.chat_api import STATE_KEY, assistant_of
from loanmatch.web.chat_api import router as api_router
from loanmatch.web.chat_applications import applications_context, track_lines
from loanmatch.web.chat_apply import REFUSALS
from loanmatch.web.chat_apply import router as apply_router
from loanmatch.web.chat_start import page_url, refused_page, start_page, start_url, templates
from loanmatch.web.chat_start import router as start_router
from loanmatch.web.owner_auth import check_owner, csrf_matches, page_owner
from loanmatch.web.views import result_view

__all__ = ["install_chat", "router", "start_page"]

_WEB = Path(str(resources.files("loanmatch") / "web"))
_SEE_OTHER = 303


@dataclass(frozen=True)
class Bubble:
    who: str
    """``bot`` or ``me``."""
    text: str


def _history(view: SessionView, lang: Lang) -> list[Bubble]:
    """The conversation so far, rebuilt from the stored session (what the owner answered)."""
    bubbles: list[Bubble] = []
    for known in view.known:
        if known.provenance in ("asked", "dont_know", "corrected"):
            bubbles.append(Bubble("bot", known.label.get(lang) or known.feature))
            bubbles.append(Bubble("me", known.shown.get(lang)))
    return bubbles


def _render(
    request: Request, assistant: Assistant, owner: OwnerToken, view: SessionView, lang: Lang,
    turn: list[Bubble], status: int = 200, refused: str = "",
) -> Response:  # fmt: skip
    t = messages.section("chat_page", lang)
    pullable = _pullable(assistant, view)
    colon = "：" if lang == "zh-CN" else ": "
    scope_items = {  # each item a consent lets the source read, and why (never a protected one)
        s: [
            f"{i.label.get(lang) or i.feature}{colon}{i.purpose.get(lang)}"
            for i in consent_items(assistant.context.catalog, s)
        ]
        for s in assistant.sources
    }
    context: dict[str, Any] = {
        "t": t,
        "html_lang": lang,
        "lang": short_code(lang),
        "other_lang": "en" if lang == "zh-CN" else "zh",
        "css": (_WEB / "static" / "style.css").read_text(encoding="utf-8"),
        "view": view,
        "sources": [(s, source_name(s).get(lang), scope_items[s]) for s in assistant.sources],
        "purpose": DEFAULT_PURPOSE.split(" / ")[0 if lang == "zh-CN" else -1],
        "days": DEFAULT_CONSENT_DAYS,
        "consents": [
            (
                c.source,
                c.name.get(lang),
                c.status,
                t.get(f"status_{c.status}", c.status),
                c.expires_at.date().isoformat(),
            )
            for c in view.consents
        ],
        "history": _history(view, lang),
        "turn": turn,
        "result": result_view(view.result, lang, pullable=pullable)
        if view.result is not None
        else None,
        "pull_source": _pull_source(assistant, view, pullable, lang),
        "owner": mask_owner_id(owner.owner_id),
        "csrf": owner.csrf,
        "refused": t.get(f"refused_{refused}", "") if refused in REFUSALS else "",
        **applications_context(sessions_backend(request), view.session_id, lang),
        "track": track_lines(sessions_backend(request), view.result, lang),
    }
    return templates().TemplateResponse(request, "chat.html", context, status_code=status)


def _pullable(assistant: Assistant, view: SessionView) -> frozenset[str]:
    """Sources a consent could still fill: a connector exists and its data is not in."""
    connectors = assistant.context.connectors
    return frozenset(
        s for s in assistant.sources if s in connectors and view.sources.get(s) != "ok"
    )


def _pull_source(
    assistant: Assistant, view: SessionView, pullable: frozenset[str], lang: Lang
) -> tuple[str, str, str] | None:
    """When the open question is a connector's fact (the owner declined or the pull failed):
    its source, why authorising is easier, and the button's words; else None."""
    if view.stage != "asking" or view.question is None:
        return None
    feature = assistant.context.catalog.get(view.question.feature)
    if feature is None or feature.source not in pullable:
        return None
    name = source_name(feature.source).get(lang)
    return (
        feature.source,
        messages.t("chat_page.pull_hint", lang, source=name),
        messages.t("chat_page.pull", lang, source=name),
    )


router = APIRouter(include_in_schema=False)


def _view_or_none(assistant: Assistant, session_id: str) -> SessionView | None:
    try:
        return intake.view(assistant.unit_of_work(), assistant.context, session_id)
    except SessionNotFoundError:
        return None


def _owned(request: Request, session_id: str) -> tuple[Assistant, OwnerToken] | None:
    """The assistant acting as the cookie's owner, when ``session_id`` is that owner's."""
    owner = page_owner(request)
    if owner is None:
        return None
    try:
        check_owner(sessions_backend(request), owner, session_id)
    except SessionNotFoundError:
        return None
    assistant = replace(assistant_of(request), detailed_results=False)
    context = replace(assistant.context, actor=owner_actor(owner))
    return replace(assistant, context=context), owner


def _back_to_start(lang: str | None) -> Response:
    return RedirectResponse(start_url(lang), status_code=_SEE_OTHER)


@router.get("/chat/{session_id}", response_class=HTMLResponse)
async def session_page(
    request: Request, session_id: str, lang: str | None = None, refused: str = ""
) -> Response:
    owned = await run_in_threadpool(_owned, request, session_id)
    if owned is None:
        return _back_to_start(lang)
    assistant, owner = owned
    view = await run_in_threadpool(_view_or_none, assistant, session_id)
    if view is None:
        return _back_to_start(lang)
    chosen = parse_lang(lang, view.lang)
    said = [Bubble("bot", text) for text in opening(assistant, view, chosen)]
    return _render(request, assistant, owner, view, chosen, said, refused=refused[:32])


@router.post("/chat/{session_id}", response_class=HTMLResponse)
async def message(
    request: Request,
    session_id: str,
    message: Annotated[str, Form(max_length=MAX_MESSAGE_CHARS * 2)] = "",
    version: Annotated[int, Form()] = -1,
    lang: Annotated[str, Form(max_length=16)] = "",
    question: Annotated[int | None, Form(ge=0)] = None,
    choice: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    owned = await run_in_threadpool(_owned, request, session_id)
    if owned is None:
        return _back_to_start(lang)
    assistant, owner = owned
    if not csrf_matches(owner, csrf):
        return refused_page(request, lang)
    view = await run_in_threadpool(_view_or_none, assistant, session_id)
    if view is None:
        return _back_to_start(lang)
    chosen = parse_lang(lang, view.lang)
    if version != view.version:
        return _stale(request, assistant, owner, view, chosen)
    said = message.strip()
    if choice:
        tapped = next((c for c in view.question.choices if c.value == choice), None) \
            if view.question is not None else None  # fmt: skip
        message, said = choice, tapped.label.get(chosen) if tapped is not None else choice
    try:
        turn: ChatTurn = await run_in_threadpool(
            chat, assistant, session_id, message, chosen, question
        )
    except StaleQuestionError:
        again = await run_in_threadpool(_view_or_none, assistant, session_id)
        return _stale(request, assistant, owner, again or view, chosen)
    except LoanMatchError as error:
        own = getattr(error, "text", None)
        text = own.get(chosen) if isinstance(own, Text) else error.message
        return _render(request, assistant, owner, view, chosen, [Bubble("bot", str(text))], 422)
    bubbles = [Bubble("me", said), *(Bubble("bot", r) for r in turn.replies)]
    status = 422 if turn.kind == "invalid" else 200
    return _render(request, assistant, owner, turn.view, chosen, bubbles, status)


def _stale(
    request: Request, assistant: Assistant, owner: OwnerToken, view: SessionView, lang: Lang
) -> Response:
    """The page again, saying the message answered a question already answered (nothing was
    applied), with the question open now."""
    stale = [Bubble("bot", messages.t("chat_page.stale", lang))]
    stale += [Bubble("bot", text) for text in opening(assistant, view, lang)]
    return _render(request, assistant, owner, view, lang, stale)


@router.post("/chat/{session_id}/consent")
async def consent(
    request: Request,
    session_id: str,
    lang: Annotated[str, Form(max_length=16)] = "zh",
    source: Annotated[list[str] | None, Form()] = None,
    decline: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    owned = await run_in_threadpool(_owned, request, session_id)
    if owned is None:
        return _back_to_start(lang)
    assistant, owner = owned
    if not csrf_matches(owner, csrf):
        return refused_page(request, lang)
    chosen = [] if decline else [s for s in (source or []) if s in assistant.sources]
    return await _then_page(
        session_id, lang, intake.grant_consent, assistant.unit_of_work(), assistant.context,
        session_id, chosen,
    )  # fmt: skip


@router.post("/chat/{session_id}/revoke/{source}")
async def revoke(
    request: Request,
    session_id: str,
    source: str,
    lang: Annotated[str, Form()] = "zh",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    owned = await run_in_threadpool(_owned, request, session_id)
    if owned is None:
        return _back_to_start(lang)
    assistant, owner = owned
    if not csrf_matches(owner, csrf):
        return refused_page(request, lang)
    return await _then_page(
        session_id, lang, intake.revoke_consent, assistant.unit_of_work(), assistant.context,
        session_id, source,
    )  # fmt: skip


async def _then_page(session_id: str, lang: str, step: Callable[..., object],
                     *args: object) -> Response:  # fmt: skip
    """Run a consent step, then show the session again (a refused step changes nothing: the
    page shows the session as it is; an unknown session goes back to the start)."""
    try:
        await run_in_threadpool(step, *args)
    except SessionNotFoundError:
        return _back_to_start(lang)
    except LoanMatchError:
        pass
    return RedirectResponse(page_url(session_id, parse_lang(lang)), status_code=_SEE_OTHER)


def install_chat(app: FastAPI, root: Root) -> None:
    """Serve the chat API and the chat page from ``app`` (after the sessions API), with the
    assistant of ``root``."""
    setattr(app.state, STATE_KEY, root)
    app.include_router(api_router)
    app.include_router(start_router)
    app.include_router(router)
    app.include_router(apply_router)
