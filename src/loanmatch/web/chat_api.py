"""The guiding assistant over HTTP: ``POST /api/v1/sessions/{id}/chat`` (JSON).

One message of the owner in, the assistant's replies and the session after it out. The sessions
backend is the one :func:`loanmatch.web.sessions_api.install_sessions_api` keeps in ``app.state``;
:func:`loanmatch.web.chat_page.install_chat` adds this route and the chat page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from loanmatch.assistant.dialogue import MAX_MESSAGE_CHARS
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.bootstrap import Root
from loanmatch.services.assistant import Assistant, ChatTurn, chat
from loanmatch.services.identity import owner_actor
from loanmatch.web.errors import error_responses
from loanmatch.web.owner_auth import ApiOwner, OwnedSession
from loanmatch.web.sessions_api import SessionOut, session_out, sessions_backend

__all__ = ["ChatOut", "ChatRequest", "assistant_of", "root_of", "router"]

STATE_KEY = "loanmatch_root"


class ChatRequest(BaseModel):
    message: str = Field(
        max_length=MAX_MESSAGE_CHARS * 2,
        description="What the owner typed: an answer (50万, 3年, 不知道) or a question "
        "(为什么要这个信息？ what rate will I get?)",
        examples=["50万", "我的数据安全吗？"],
    )
    lang: str | None = Field(default=None, description="zh or en (default: the session's)")
    question: int | None = Field(
        default=None,
        ge=0,
        description="The number (session.question.seq) of the question the owner was shown: an "
        "answer to a question no longer open is refused with 409 "
        "session.conflict.stale_question (default: the question open when the message is read)",
    )


class ChatOut(BaseModel):
    kind: str = Field(
        description="answer, doubt, fallback, agree, refuse, empty, finish (the owner stopped "
        "the questions: the offers of what is known) or invalid (a bad answer: "
        "the session is unchanged)"
    )
    entry: str | None = Field(description="The knowledge-base entry that answered a doubt")
    replies: list[str] = Field(description="The assistant's messages, in order")
    session: SessionOut


def root_of(request: Request) -> Root | None:
    """The composition root the app was built from (None: an app without the chat)."""
    root = getattr(request.app.state, STATE_KEY, None)
    return root if isinstance(root, Root) else None


def assistant_of(request: Request) -> Assistant:
    """The assistant over the app's sessions backend, with the model the settings configure."""
    backend = sessions_backend(request)
    root = root_of(request)
    if root is None:
        return Assistant(backend.unit_of_work, backend.context, default_retriever(), None)
    return root.assistant(backend.unit_of_work, backend.context)


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
    responses=error_responses(401, 404, 409, 422),
    summary="Say something to the guiding assistant / 与智能助手对话",
)
async def post_chat(
    session_id: OwnedSession,
    owner: ApiOwner,
    body: ChatRequest,
    assistant: Annotated[Assistant, Depends(assistant_of)],
    lang: Annotated[str | None, Query(description="zh or en")] = None,
) -> ChatOut:
    chosen = body.lang or lang
    assistant = replace(assistant, context=replace(assistant.context, actor=owner_actor(owner)))
    turn = await run_in_threadpool(chat, assistant, session_id, body.message, chosen, body.question)
    return chat_out(turn, chosen)
