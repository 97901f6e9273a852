"""The guiding assistant over HTTP: ``POST /api/v1/sessions/{id}/chat`` (JSON).

One message of the owner in, the assistant's replies and the session after it out. The sessions
backend is the one :func:`loanmatch.web.sessions_api.install_sessions_api` keeps in ``app.state``;
:func:`install_chat` adds this route and the chat page (:mod:`loanmatch.web.chat_page`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from loanmatch.assistant.dialogue import MAX_MESSAGE_CHARS
from loanmatch.assistant.llm import provider_from
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.errors import LoanMatchError
from loanmatch.services.assistant import Assistant, ChatTurn, chat
from loanmatch.services.intake import SessionNotFoundError
from loanmatch.settings import Settings
from loanmatch.storage.unit_of_work import SessionConflictError
from loanmatch.web.api import ErrorBody, error_body
from loanmatch.web.sessions_api import LazySessions, SessionOut, SessionsBackend, session_out

__all__ = ["ChatOut", "ChatRequest", "assistant_of", "install_chat", "router"]

STATE_KEY = "loanmatch_assistant_settings"


class ChatRequest(BaseModel):
    message: str = Field(
        max_length=MAX_MESSAGE_CHARS * 2,
        description="What the owner typed: an answer (50万, 3年, 不知道) or a question "
        "(为什么要这个信息？ what rate will I get?)",
        examples=["50万", "我的数据安全吗？"],
    )
    lang: str | None = Field(default=None, description="zh or en (default: the session's)")


class ChatOut(BaseModel):
    kind: str = Field(
        description="answer, doubt, fallback, agree, refuse, empty or invalid (a bad answer: "
        "the session is unchanged)"
    )
    entry: str | None = Field(description="The knowledge-base entry that answered a doubt")
    replies: list[str] = Field(description="The assistant's messages, in order")
    session: SessionOut


def _backend(request: Request) -> SessionsBackend:
    backend = getattr(request.app.state, "loanmatch_sessions", None)
    if isinstance(backend, LazySessions):
        return backend.get()
    if not isinstance(backend, SessionsBackend):
        raise RuntimeError("the sessions API is not installed: call install_sessions_api first")
    return backend


def assistant_of(request: Request) -> Assistant:
    """The assistant over the app's sessions backend, with the model the settings configure."""
    backend = _backend(request)
    settings = getattr(request.app.state, STATE_KEY, None)
    llm = provider_from(settings) if isinstance(settings, Settings) else None
    return Assistant(backend.unit_of_work, backend.context, default_retriever(), llm)


def chat_out(turn: ChatTurn, lang: str | None) -> ChatOut:
    return ChatOut(
        kind=turn.kind,
        entry=turn.entry,
        replies=list(turn.replies),
        session=session_out(turn.view, lang),
    )


router = APIRouter(prefix="/api/v1/sessions", tags=["intake sessions · 进件会话"])


@router.post(
    "/{session_id}/chat",
    response_model=ChatOut,
    responses={
        404: {"model": ErrorBody, "description": "No such session"},
        409: {"model": ErrorBody, "description": "Changed by another request: send again"},
    },
    summary="Say something to the guiding assistant / 与智能助手对话",
)
async def post_chat(
    session_id: str,
    body: ChatRequest,
    assistant: Annotated[Assistant, Depends(assistant_of)],
    lang: Annotated[str | None, Query(description="zh or en")] = None,
) -> ChatOut | JSONResponse:
    chosen = body.lang or lang
    try:
        turn = await run_in_threadpool(chat, assistant, session_id, body.message, chosen)
    except (SessionNotFoundError, SessionConflictError) as error:
        status = 404 if isinstance(error, SessionNotFoundError) else 409
        return JSONResponse(error_body(error), status_code=status)
    except LoanMatchError as error:
        return JSONResponse(error_body(error), status_code=422)
    return chat_out(turn, chosen)


def install_chat(app: FastAPI, settings: Settings) -> None:
    """Serve the chat API and the chat page from ``app`` (after the sessions API)."""
    from loanmatch.web.chat_page import router as page_router

    setattr(app.state, STATE_KEY, settings)
    app.include_router(router)
    app.include_router(page_router)
