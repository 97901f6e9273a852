"""The applications API: owners apply and follow, lenders read their inbox and decide (issue 12).

Owner routes need the owner's token (``Authorization: Bearer lmo_...``, ``web/owner_auth.py``;
another owner's session is 404) and sit under the session
(``/api/v1/sessions/{id}/applications``): apply to offered products with an ``Idempotency-Key``
header (a repeated request is the same applications, 200 instead of 201), list them with
their status, withdraw one, read the data-release ledger; and ``DELETE /api/v1/sessions/{id}``
erases the session (``services/intake/erase.py``).

Lender routes (``/api/v1/lender/applications``) need ``Authorization: Bearer lmk_<id>.<secret>``
(:mod:`loanmatch.services.lender_keys`; 401 ``auth`` without a valid key or scope). A lender
sees only its own applications: another lender's id answers 404 ``application.not_found``, as
an id that does not exist. Decisions are transitions of :mod:`loanmatch.domain.applications`
(409 ``application.transition`` names the rule, 422 ``application.terms`` the missing term).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from pydantic import BaseModel, Field

from loanmatch.domain.applications import (
    MAX_AMOUNT_YUAN,
    MAX_ANNUAL_RATE,
    MAX_TERM_MONTHS,
    Action,
    Application,
    Decision,
    Status,
)
from loanmatch.errors import AuthError
from loanmatch.services import applications as apps
from loanmatch.services import intake
from loanmatch.services.lender_keys import authenticate
from loanmatch.storage.records import LenderKey, OwnerToken
from loanmatch.web.backend import SessionsBackend, sessions_backend
from loanmatch.web.errors import error_responses
from loanmatch.web.owner_auth import ApiOwner, OwnedSession, context_for
from loanmatch.web.rate_limits import rate_limits_of

__all__ = ["install_applications_api", "lender_key", "lender_router", "owner_router"]


def _context(request: Request) -> tuple[SessionsBackend, apps.ApplicationsContext]:
    backend = sessions_backend(request)
    if backend.market is None:
        raise RuntimeError("the sessions backend has no market: applications cannot be served")
    return backend, apps.ApplicationsContext(backend.context, backend.market)


Served = Annotated[tuple[SessionsBackend, apps.ApplicationsContext], Depends(_context)]


def _as(
    ctx: apps.ApplicationsContext, backend: SessionsBackend, owner: OwnerToken
) -> apps.ApplicationsContext:
    """``ctx`` acting as ``owner`` (what the audit log names)."""
    return replace(ctx, intake=context_for(backend, owner))


# ------------------------------------------------------------------ bodies ------------------
ProductId = Annotated[str, Field(max_length=64)]


class ApplyRequest(BaseModel):
    products: list[ProductId] = Field(
        min_length=1, max_length=10, description="Offered products to apply to (product ids)"
    )


class StepOut(BaseModel):
    action: str
    actor: str
    at: datetime
    before: str
    after: str
    amount_yuan: float | None = None
    annual_rate: float | None = None
    term_months: int | None = None
    repayment_method: str | None = None
    reasons: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)
    note: str = ""


class ApplicationOut(BaseModel):
    id: str
    product_id: str
    lender_id: str
    status: str = Field(description=", ".join(s.value for s in Status))
    submitted_at: datetime
    version: int
    history: list[StepOut]


class LenderApplicationOut(ApplicationOut):
    facts: dict[str, str | float | bool] = Field(
        description="The owner's facts released to this lender for this application"
    )
    enterprise_id: str = Field(
        default="",
        description="The applying enterprise's 统一社会信用代码 (empty once the owner erased the "
        "session)",
    )


class ReleaseOut(BaseModel):
    application_id: str
    lender_id: str
    fields: list[str]
    consents: list[int] = Field(description="Ids of the consents the pulled facts came under")
    at: datetime


class DecisionRequest(BaseModel):
    action: Literal["approve", "decline", "request_documents", "disburse"]
    amount_yuan: float | None = Field(default=None, gt=0, le=MAX_AMOUNT_YUAN)
    annual_rate: float | None = Field(
        default=None, ge=0, le=MAX_ANNUAL_RATE, description="0.05 = 5%"
    )
    term_months: int | None = Field(default=None, ge=1, le=MAX_TERM_MONTHS)
    repayment_method: str | None = Field(default=None, max_length=32)
    reasons: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=9)
    documents: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=20
    )
    note: str = Field(default="", max_length=1000)


def _out(application: Application) -> ApplicationOut:
    return ApplicationOut(
        id=application.id,
        product_id=application.product_id,
        lender_id=application.lender_id,
        status=application.status.value,
        submitted_at=application.submitted_at,
        version=application.version,
        history=[
            StepOut(
                action=s.action, actor=s.actor, at=s.at, before=s.before.value,
                after=s.after.value, amount_yuan=s.decision.amount_yuan,
                annual_rate=s.decision.annual_rate, term_months=s.decision.term_months,
                repayment_method=s.decision.repayment_method, reasons=list(s.decision.reasons),
                documents=list(s.decision.documents), note=s.decision.note,
            )
            for s in application.history
        ],
    )  # fmt: skip


# ------------------------------------------------------------------ owner -------------------
owner_router = APIRouter(prefix="/api/v1/sessions", tags=["applications · 申请"])
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=128, alias="Idempotency-Key")]


@owner_router.post(
    "/{session_id}/applications", status_code=201, response_model=list[ApplicationOut],
    responses=error_responses(401, 404, 409, 422),
    summary="Apply to offered products / 申请推荐的产品",
)  # fmt: skip
def apply(
    session_id: OwnedSession,
    owner: ApiOwner,
    body: ApplyRequest,
    served: Served,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> list[ApplicationOut]:
    backend, ctx = served
    done = apps.apply(
        backend.unit_of_work(), _as(ctx, backend, owner), session_id, body.products,
        idempotency_key,
    )  # fmt: skip
    if not done.created:
        response.status_code = 200
    return [_out(a) for a in done.applications]


@owner_router.get(
    "/{session_id}/applications", response_model=list[ApplicationOut],
    responses=error_responses(401, 404, 422), summary="My applications and their status / 我的申请",
)  # fmt: skip
def my_applications(session_id: OwnedSession, served: Served) -> list[ApplicationOut]:
    backend, _ = served
    return [_out(a) for a in apps.owner_applications(backend.unit_of_work(), session_id)]


@owner_router.post(
    "/{session_id}/applications/{application_id}/withdraw", response_model=ApplicationOut,
    responses=error_responses(401, 404, 409, 422), summary="Withdraw an application / 撤回申请",
)  # fmt: skip
def withdraw(
    session_id: OwnedSession, owner: ApiOwner, application_id: str, served: Served
) -> ApplicationOut:
    backend, ctx = served
    return _out(
        apps.owner_act(
            backend.unit_of_work(), _as(ctx, backend, owner), session_id, application_id,
            "withdraw",
        )
    )  # fmt: skip


@owner_router.get(
    "/{session_id}/releases", response_model=list[ReleaseOut],
    responses=error_responses(401, 404, 422),
    summary="What went to which lender, when, under which consent / 数据提供记录",
)  # fmt: skip
def releases(session_id: OwnedSession, served: Served) -> list[ReleaseOut]:
    backend, _ = served
    return [
        ReleaseOut(
            application_id=r.application_id, lender_id=r.lender_id, fields=list(r.fields),
            consents=list(r.consents), at=r.at,
        )
        for r in apps.owner_releases(backend.unit_of_work(), session_id)
    ]  # fmt: skip


@owner_router.delete(
    "/{session_id}", status_code=204, responses=error_responses(401, 404, 409, 422),
    summary="Erase my session: my data go, lenders' records stay / 删除我的会话",
)  # fmt: skip
def erase(session_id: OwnedSession, owner: ApiOwner, served: Served) -> Response:
    backend, _ = served
    intake.erase_session(backend.unit_of_work(), context_for(backend, owner), session_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ lender ------------------
lender_router = APIRouter(prefix="/api/v1/lender", tags=["lenders · 机构"])
Authorization = Annotated[str | None, Header(max_length=256)]


def _key(request: Request, authorization: Authorization, scope: str) -> LenderKey:
    backend = sessions_backend(request)
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("send a lender API key: Authorization: Bearer lmk_<id>.<secret>")
    key = authenticate(backend.unit_of_work(), token.strip(), backend.context.clock(), scope)
    limits = rate_limits_of(request)
    if limits is not None:
        limits.hit("lender", key.id)
    return key


lender_key = _key
"""The lender's valid key with ``scope`` (401 ``auth`` otherwise), rate-limited per key."""


def reader(request: Request, authorization: Authorization = None) -> LenderKey:
    return _key(request, authorization, "applications:read")


def decider(request: Request, authorization: Authorization = None) -> LenderKey:
    return _key(request, authorization, "applications:decide")


Reader = Annotated[LenderKey, Depends(reader)]
Decider = Annotated[LenderKey, Depends(decider)]


@lender_router.get(
    "/applications", response_model=list[ApplicationOut], responses=error_responses(401, 422, 429),
    summary="My inbox: my applications, oldest first / 收件箱",
)  # fmt: skip
def lender_inbox(key: Reader, served: Served, status: Status | None = None) -> list[ApplicationOut]:
    backend, _ = served
    return [_out(a) for a in apps.inbox(backend.unit_of_work(), key.lender_id, status)]


@lender_router.get(
    "/applications/{application_id}", response_model=LenderApplicationOut,
    responses=error_responses(401, 404, 422, 429),
    summary="One of my applications with the facts released to me / 申请详情",
)  # fmt: skip
def lender_one(application_id: str, key: Reader, served: Served) -> LenderApplicationOut:
    backend, _ = served
    seen = apps.lender_application(
        backend.unit_of_work(), key.lender_id, application_id, backend.context.clock()
    )
    out = _out(seen.application)
    return LenderApplicationOut(
        **out.model_dump(), facts=dict(seen.facts), enterprise_id=seen.enterprise_id
    )


@lender_router.post(
    "/applications/{application_id}/decision", response_model=ApplicationOut,
    responses=error_responses(401, 404, 409, 422, 429),
    summary="Approve, decline, ask for documents or record disbursement / 审批",
)  # fmt: skip
def lender_decide(
    application_id: str, body: DecisionRequest, key: Decider, served: Served
) -> ApplicationOut:
    backend, ctx = served
    action: Action = body.action
    decision = Decision(
        amount_yuan=body.amount_yuan, annual_rate=body.annual_rate, term_months=body.term_months,
        repayment_method=body.repayment_method, reasons=tuple(body.reasons),
        documents=tuple(body.documents), note=body.note,
    )  # fmt: skip
    actor = f"lender:{key.lender_id}/{key.id}"
    return _out(
        apps.decide(
            backend.unit_of_work(), ctx, key.lender_id, actor, application_id, action, decision
        )
    )


def install_applications_api(app: FastAPI) -> None:
    """Serve both routers from ``app`` (after :func:`install_sessions_api`)."""
    app.include_router(owner_router)
    app.include_router(lender_router)
