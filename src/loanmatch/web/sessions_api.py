"""The intake sessions JSON API (``/api/v1/sessions``): start, consent, answer, correct, view.

A thin shell over :mod:`loanmatch.services.intake`. Texts are in the session's language unless
``?lang=zh|en`` asks otherwise. Errors are left to the app's one handler
(:mod:`loanmatch.web.errors`): each ``LoanMatchError`` answers its status with an ``ErrorBody``
(``code``, ``error``, ``message``, ``message_zh`` where there is one, ``where``), so 404 for an
unknown session, 409 when another request changed the session first (``session.conflict``) or an
answer names a question that is no longer open (``session.conflict.stale_question``), 422 for a
bad answer or consent (or an answer that names neither its question nor a feature).

Install with :func:`install_sessions_api` (it keeps the backend in ``app.state`` and includes
:data:`router`). :func:`default_sessions` gives the served app's backend from the composition root
(:mod:`loanmatch.bootstrap`): its database, opened and migrated at start-up (or at the first
request when the app runs without its lifespan), and its intake context over the served model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, Field

from loanmatch.connectors.base import ConsentItem
from loanmatch.domain.catalog import Text
from loanmatch.lang import Lang, parse_lang
from loanmatch.services import intake
from loanmatch.services.identity import enterprise_for
from loanmatch.services.intake import (
    DEFAULT_CONSENT_DAYS,
    DEFAULT_PURPOSE,
    SessionView,
)
from loanmatch.web.api import AnswerValue, FeatureName, RecommendResponse, response_from
from loanmatch.web.backend import LazySessions, SessionsBackend, default_sessions, sessions_backend
from loanmatch.web.errors import error_responses, install_error_handlers
from loanmatch.web.identity_api import router as identity_router
from loanmatch.web.owner_auth import ApiOwner, OwnedSession, context_for
from loanmatch.web.rate_limits import limited

__all__ = [
    "LazySessions",
    "SessionsBackend",
    "default_sessions",
    "install_sessions_api",
    "router",
    "session_out",
    "sessions_backend",
]


Backend = Annotated[SessionsBackend, Depends(sessions_backend)]
LangQuery = Annotated[str | None, Query(description="zh or en (default: the session's)")]


# ------------------------------------------------------------------ bodies ------------------
SourceName = Annotated[str, Field(max_length=32)]


class StartRequest(BaseModel):
    lang: str = Field(default="zh-CN", max_length=16, description="zh-CN (default) or en")
    enterprise_id: str = Field(
        default="",
        max_length=128,
        description="统一社会信用代码: 18 characters whose check character (GB 32100-2015) "
        "must match, else 422 input.credit_code before any source is asked; blank: the "
        "enterprise the owner's identity check covered (403 auth.forbidden for another one)",
    )


class ConsentRequest(BaseModel):
    sources: list[SourceName] = Field(
        max_length=16,
        description="Sources the owner allows (registry, tax, bureau, bank); others are declined",
        examples=[["registry", "tax", "bureau", "bank"]],
    )
    purpose: str = Field(default=DEFAULT_PURPOSE, max_length=500)
    days: int = Field(default=DEFAULT_CONSENT_DAYS, description="How long the consent lasts")


class AnswerRequest(BaseModel):
    text: AnswerValue | None = Field(
        description="The answer as typed (50万, 3年, 不知道), a choice's value, or a JSON value"
    )
    question: int | None = Field(
        default=None,
        ge=0,
        description="The number (question.seq) of the question this answers: an answer to a "
        "question that is no longer open is refused with 409 session.conflict.stale_question, "
        "never applied to another. Name it or the feature.",
    )
    feature: FeatureName | None = Field(
        default=None, description="Which item, when answering one that is not the question asked"
    )


class CorrectionRequest(BaseModel):
    text: AnswerValue | None


class ChoiceOut(BaseModel):
    value: str = Field(description="What to send back as the answer's text (a code, true/false)")
    label: str
    label_zh: str
    label_en: str


class QuestionOut(BaseModel):
    feature: str
    text: str
    label: str
    hint: str = Field(description="Why it is asked")
    type: str
    unit: str | None
    choices: list[ChoiceOut]
    min: float | None
    max: float | None
    seq: int = Field(description="This question's number in the session: send it as `question`")


class KnownOut(BaseModel):
    feature: str
    label: str
    value: str | float | bool | None
    shown: str
    provenance: str = Field(description="connector, asked, corrected or dont_know")
    source: str | None


class NoticeOut(BaseModel):
    code: str
    message: str
    source: str | None
    features: list[str]


class ConsentItemOut(BaseModel):
    feature: str
    label: str
    purpose: str = Field(description="Why the source reads it and what for")


class ConsentRequestOut(BaseModel):
    source: str
    name: str
    items: list[ConsentItemOut] = Field(
        description="What a consent to this source lets it read, each with why (never a "
        "protected attribute)"
    )


class ConsentOut(BaseModel):
    source: str
    name: str
    purpose: str
    scope: list[str]
    items: list[ConsentItemOut] = Field(default_factory=list, description="scope, explained")
    granted_at: str
    expires_at: str
    revoked_at: str | None
    status: str = Field(description="active, expired or revoked")


class SessionOut(BaseModel):
    session_id: str
    lang: str
    stage: str = Field(description="consent, asking or done")
    question: QuestionOut | None
    known: list[KnownOut]
    notices: list[NoticeOut]
    consents: list[ConsentOut]
    sources: dict[str, str]
    questions_typed: int
    result: RecommendResponse | None
    version: int
    consent_request: list[ConsentRequestOut] = Field(
        default_factory=list,
        description="While the stage is consent: each source to allow, its items and why",
    )


def session_out(view: SessionView, lang: str | None = None) -> SessionOut:
    chosen = parse_lang(lang, view.lang)

    def t(text: Text) -> str:
        return text.get(chosen)

    question = view.question
    return SessionOut(
        session_id=view.session_id,
        lang=view.lang,
        stage=view.stage,
        question=None
        if question is None
        else QuestionOut(
            feature=question.feature,
            text=t(question.text),
            label=t(question.label),
            hint=t(question.hint),
            type=question.type,
            unit=question.unit,
            choices=[
                ChoiceOut(value=c.value, label=t(c.label), label_zh=c.label.zh, label_en=c.label.en)
                for c in question.choices
            ],
            min=question.min,
            max=question.max,
            seq=question.seq,
        ),
        known=[
            KnownOut(
                feature=k.feature,
                label=t(k.label) or k.feature,
                value=k.value,
                shown=t(k.shown),
                provenance=k.provenance,
                source=k.source,
            )
            for k in view.known
        ],
        notices=[
            NoticeOut(
                code=n.code,
                message=n.en if chosen == "en" else n.zh,
                source=n.source,
                features=list(n.features),
            )
            for n in view.notices
        ],
        consents=[
            ConsentOut(
                source=c.source,
                name=t(c.name),
                purpose=c.purpose,
                scope=list(c.scope),
                items=[_item_out(i, chosen) for i in c.items],
                granted_at=c.granted_at.isoformat(),
                expires_at=c.expires_at.isoformat(),
                revoked_at=c.revoked_at.isoformat() if c.revoked_at else None,
                status=c.status,
            )
            for c in view.consents
        ],
        sources=dict(view.sources),
        questions_typed=view.questions_typed,
        result=response_from(view.result, chosen) if view.result is not None else None,
        version=view.version,
        consent_request=[
            ConsentRequestOut(
                source=r.source, name=t(r.name), items=[_item_out(i, chosen) for i in r.items]
            )
            for r in view.consent_request
        ],
    )


def _item_out(item: ConsentItem, lang: Lang) -> ConsentItemOut:
    return ConsentItemOut(
        feature=item.feature, label=item.label.get(lang), purpose=item.purpose.get(lang)
    )


# ------------------------------------------------------------------ routes ------------------
def _run(step: Callable[[], SessionView], lang: str | None) -> SessionOut:
    return session_out(step(), lang)


_ERRORS = error_responses(401, 404, 409, 422)
"""What a step on a session may answer besides success (starting one cannot 404, reading it
cannot 409; 422 is also a request that does not fit the schema). Every route needs the owner's
token (401 without one); another owner's session is 404, as one that does not exist."""

_PULL_ERRORS = error_responses(401, 404, 409, 422, 429)
"""A step that pulls an owner's data: rate limited per client (``web/rate_limits.py``)."""

router = APIRouter(prefix="/api/v1/sessions", tags=["intake sessions · 进件会话"])


@router.post(
    "", status_code=201, response_model=SessionOut,
    responses=error_responses(401, 403, 409, 422, 429),
    summary="Start an intake session / 开始申请", dependencies=[Depends(limited("sessions"))],
)  # fmt: skip
def start(body: StartRequest, backend: Backend, owner: ApiOwner) -> SessionOut:
    enterprise = enterprise_for(owner, body.enterprise_id)
    return _run(
        lambda: intake.start_session(
            backend.unit_of_work(), context_for(backend, owner), body.lang, enterprise,
            owner.owner_id,
        ),
        None,
    )  # fmt: skip


@router.get(
    "/{session_id}", response_model=SessionOut, responses=error_responses(401, 404, 422),
    summary="The session now: question, known values, offers when done / 查看会话",
)  # fmt: skip
def get_session(
    session_id: OwnedSession, owner: ApiOwner, backend: Backend, lang: LangQuery = None
) -> SessionOut:
    return _run(
        lambda: intake.view(backend.unit_of_work(), context_for(backend, owner), session_id), lang
    )


@router.post(
    "/{session_id}/consent", response_model=SessionOut, responses=_PULL_ERRORS,
    summary="Consent to data sources, then prefill from them / 授权并读取数据",
    dependencies=[Depends(limited("pulls"))],
)  # fmt: skip
def consent(
    session_id: OwnedSession,
    owner: ApiOwner,
    body: ConsentRequest,
    backend: Backend,
    lang: LangQuery = None,
) -> SessionOut:
    return _run(
        lambda: intake.grant_consent(
            backend.unit_of_work(),
            context_for(backend, owner),
            session_id,
            body.sources,
            body.purpose,
            body.days,
        ),
        lang,
    )


@router.delete(
    "/{session_id}/consent/{source}", response_model=SessionOut, responses=_ERRORS,
    summary="Revoke consent to a source / 撤回授权",
)  # fmt: skip
def revoke(
    session_id: OwnedSession, owner: ApiOwner, source: str, backend: Backend, lang: LangQuery = None
) -> SessionOut:
    return _run(
        lambda: intake.revoke_consent(
            backend.unit_of_work(), context_for(backend, owner), session_id, source
        ),
        lang,
    )


@router.post(
    "/{session_id}/sources/refresh", response_model=SessionOut, responses=_PULL_ERRORS,
    summary="Pull again the sources that failed (consent permitting) / 重试数据来源",
    dependencies=[Depends(limited("pulls"))],
)  # fmt: skip
def refresh(
    session_id: OwnedSession, owner: ApiOwner, backend: Backend, lang: LangQuery = None
) -> SessionOut:
    return _run(
        lambda: intake.refresh_sources(
            backend.unit_of_work(), context_for(backend, owner), session_id
        ),
        lang,
    )


@router.post(
    "/{session_id}/answers", response_model=SessionOut, responses=_ERRORS,
    summary="Answer the question named by its number, or any item / 回答",
)  # fmt: skip
def post_answer(
    session_id: OwnedSession,
    owner: ApiOwner,
    body: AnswerRequest,
    backend: Backend,
    lang: LangQuery = None,
) -> SessionOut:
    return _run(
        lambda: intake.answer(
            backend.unit_of_work(),
            context_for(backend, owner),
            session_id,
            body.text,
            body.feature,
            body.question,
        ),
        lang,
    )


@router.post(
    "/{session_id}/finish", response_model=SessionOut, responses=_ERRORS,
    summary="Stop answering: the offers with what is known now / 不再回答，先看结果",
)  # fmt: skip
def post_finish(
    session_id: OwnedSession, owner: ApiOwner, backend: Backend, lang: LangQuery = None
) -> SessionOut:
    return _run(
        lambda: intake.finish(backend.unit_of_work(), context_for(backend, owner), session_id), lang
    )


@router.put(
    "/{session_id}/answers/{feature}", response_model=SessionOut, responses=_ERRORS,
    summary="Correct an earlier answer or a prefilled value / 修改",
)  # fmt: skip
def put_answer(
    session_id: OwnedSession, owner: ApiOwner, feature: str, body: CorrectionRequest,
    backend: Backend, lang: LangQuery = None,
) -> SessionOut:  # fmt: skip
    return _run(
        lambda: intake.correct(
            backend.unit_of_work(), context_for(backend, owner), session_id, feature, body.text
        ),
        lang,
    )


def install_sessions_api(app: FastAPI, backend: SessionsBackend | LazySessions) -> None:
    """Serve the sessions API from ``app`` with ``backend`` (and the error handlers its
    documented error bodies come from)."""
    app.state.loanmatch_sessions = backend
    install_error_handlers(app)
    app.include_router(identity_router)
    app.include_router(router)
