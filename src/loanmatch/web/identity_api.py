"""The owner's sign-in over JSON (``/api/v1/identity``): ask for a one-time code, trade it for
a short-lived owner token, see who is signed in, sign out (:mod:`loanmatch.services.identity`).

``POST /challenges`` is rate limited per client address and per owner id (``rate_codes``): in a
real deployment each one is an SMS. With the built-in simulated sender the answer carries the
code itself (``demo_code``) so the demo can show it; a real provider leaves it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from loanmatch.domain.masking import mask_owner_id
from loanmatch.services import identity
from loanmatch.web.backend import SessionsBackend, sessions_backend
from loanmatch.web.errors import error_responses
from loanmatch.web.owner_auth import ApiOwner
from loanmatch.web.rate_limits import limited, rate_limits_of

__all__ = ["router"]

Backend = Annotated[SessionsBackend, Depends(sessions_backend)]
router = APIRouter(prefix="/api/v1/identity", tags=["identity · 身份验证"])


class ChallengeRequest(BaseModel):
    owner_id: str = Field(
        min_length=1, max_length=64, pattern=identity.OWNER_ID.pattern,
        description="The owner's phone number, e-mail or user id",
        examples=["13800000000"],
    )  # fmt: skip
    enterprise_id: str = Field(
        default="", max_length=32,
        description="The 统一社会信用代码 of the enterprise the owner acts for (blank: none)",
    )  # fmt: skip


class ChallengeOut(BaseModel):
    challenge_id: str
    expires_at: datetime
    delivery: str = Field(description="Who sent the code: simulated (shown here) or a provider")
    demo_code: str | None = Field(
        description="The code itself, only from the simulated sender (the demo shows it)"
    )


class TokenRequest(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=16, examples=["123456"])


class OwnerOut(BaseModel):
    owner: str = Field(description="The signed-in owner's id, masked")
    enterprise_id: str
    expires_at: datetime


class TokenOut(OwnerOut):
    access_token: str = Field(description="Send as Authorization: Bearer <access_token>")
    token_type: str = "bearer"


@router.post(
    "/challenges", status_code=201, response_model=ChallengeOut,
    responses=error_responses(422, 429), dependencies=[Depends(limited("codes"))],
    summary="Send me a one-time code / 获取验证码",
)  # fmt: skip
def challenge(body: ChallengeRequest, backend: Backend, request: Request) -> ChallengeOut:
    limits = rate_limits_of(request)
    if limits is not None:
        limits.hit("codes", f"owner:{body.owner_id.strip()}")
    sent = identity.start_challenge(
        backend.unit_of_work(), backend.codes, body.owner_id, body.enterprise_id,
        backend.context.clock(),
    )  # fmt: skip
    return ChallengeOut(
        challenge_id=sent.id, expires_at=sent.expires_at, delivery=backend.codes.name,
        demo_code=sent.shown_code,
    )  # fmt: skip


@router.post(
    "/tokens", status_code=201, response_model=TokenOut, responses=error_responses(401, 422),
    summary="Trade the code for a short-lived owner token / 验证并登录",
)  # fmt: skip
def token(body: TokenRequest, backend: Backend) -> TokenOut:
    stored, raw = identity.verify_code(
        backend.unit_of_work(), body.challenge_id, body.code, backend.context.clock(),
        backend.token_minutes,
    )  # fmt: skip
    return TokenOut(
        owner=mask_owner_id(stored.owner_id), enterprise_id=stored.enterprise_id,
        expires_at=stored.expires_at, access_token=raw,
    )  # fmt: skip


@router.get(
    "/me", response_model=OwnerOut, responses=error_responses(401, 422),
    summary="Who is signed in / 当前登录",
)  # fmt: skip
def me(owner: ApiOwner) -> OwnerOut:
    return OwnerOut(
        owner=mask_owner_id(owner.owner_id), enterprise_id=owner.enterprise_id,
        expires_at=owner.expires_at,
    )  # fmt: skip


@router.delete(
    "/tokens/current", status_code=204, responses=error_responses(401, 422),
    summary="Sign out: this token stops working / 退出登录",
)  # fmt: skip
def sign_out(owner: ApiOwner, backend: Backend) -> Response:
    identity.sign_out(backend.unit_of_work(), owner, backend.context.clock())
    return Response(status_code=204)
