"""The error tree over HTTP: ONE handler for the whole app, and the body's schema.

Every :class:`~loanmatch.errors.LoanMatchError` a route lets through becomes its class's
``status`` with the body :meth:`~loanmatch.errors.LoanMatchError.to_dict` builds (no route maps
errors itself); a request that does not fit the schema becomes a
:class:`~loanmatch.errors.RequestError` (422, ``input.request``) with the same body. The body is
:class:`ErrorBody` in the OpenAPI document: routes list their error statuses with
:func:`error_responses`. Install with :func:`install_error_handlers` (``create_app`` does, and so
does ``install_sessions_api`` for an app that serves only the sessions API).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from loanmatch.errors import LoanMatchError, RequestError

__all__ = [
    "ErrorBody",
    "RequestProblem",
    "WhereOut",
    "error_response",
    "error_responses",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)


class WhereOut(BaseModel):
    """Where the problem is: only the parts that apply are present."""

    file: str | None = None
    line: int | None = None
    row: int | None = None
    column: str | None = None
    product: str | None = None
    rule: str | None = None
    feature: str | None = Field(default=None, description="The feature an answer was for")
    lender: str | None = None
    setting: str | None = Field(
        default=None, description="A named input: session_id, a consent's source, a field"
    )


class RequestProblem(BaseModel):
    """One part of a request that does not fit the schema."""

    loc: list[str | int] = Field(description="The path to the value, e.g. body, applicant")
    msg: str


class ErrorBody(BaseModel):
    """A refused request or a failed step. ``code`` is stable and machine-readable; a dotted code
    extends its family's (``input.answer.out_of_range`` is an ``input.answer`` is an ``input``).
    The fields after ``where`` are present for the errors that have them."""

    code: str = Field(
        description="The error's code (docs: loanmatch.errors): input.*, session.*, "
        "not_certified, model, connector.*",
        examples=["input.answer.not_understood", "session.not_found"],
    )
    error: str = Field(
        description="The coarser code of loanmatch 0.1 (invalid_answer, session_not_found, ...), "
        "kept for the clients written against it",
        examples=["invalid_answer"],
    )
    message: str = Field(description="What is wrong, in English")
    where: WhereOut
    message_zh: str | None = Field(default=None, description="The message in Chinese")
    reason: str | None = Field(
        default=None, description="An answer's kind of problem: the last part of its code"
    )
    check: str | None = Field(default=None, description="The consistency check an answer fails")
    contradicts: list[str] | None = Field(
        default=None, description="The known facts a contradictory answer cannot be true with"
    )
    highest_certifiable: float | None = Field(
        default=None, description="Not certified: the highest target approval that is"
    )
    decisions_needed: int | None = Field(
        default=None, description="Not certified: about how many decisions the target needs"
    )
    errors: list[RequestProblem] | None = Field(
        default=None, description="A bad request: every part that does not fit the schema"
    )


_MEANING: dict[int, str] = {
    400: "A session step that cannot be done",
    403: "No valid consent for a data source",
    404: "No such session (session.not_found)",
    409: "Changed by another request: read the session again and retry (session.conflict)",
    422: "Bad input: an answer, a consent or the request itself (input.*), or a target "
    "approval that cannot be certified (not_certified)",
    500: "The served model cannot be used (model)",
    502: "A data source failed or sent data that does not fit (connector.*)",
    503: "A data source is down (connector.unavailable)",
    504: "A data source did not answer in time (connector.timeout)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may answer with these statuses: each an :class:`ErrorBody`
    (422 included, so the document shows this body, not FastAPI's own validation error)."""
    return {status: {"model": ErrorBody, "description": _MEANING[status]} for status in statuses}


def error_response(error: LoanMatchError) -> JSONResponse:
    """``error`` as the API answers it: its class's status and its body. A 5xx is the server's
    own failure (a broken model directory, a data source down): the caller gets its code and
    a generic message, never the message's server paths or a source's reply (the log has the
    code and the place)."""
    body = error.to_dict()
    if error.status >= 500:
        body = {
            "code": error.code,
            "error": error.legacy_code,
            "message": f"the server could not complete this request ({error.code}); "
            "its operator's log has the details",
            "where": {},
        }
    return JSONResponse(body, status_code=error.status)


async def _loanmatch_error(request: Request, exc: LoanMatchError) -> JSONResponse:
    # the code and the place only: a message may quote personal answers
    level = logging.WARNING if exc.status >= 500 else logging.INFO
    logger.log(level, "answered %s to %s %s: %s at %s", exc.status, request.method,
               request.url.path, exc.code, exc.where.describe() or "-")  # fmt: skip
    return error_response(exc)


async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return await _loanmatch_error(request, RequestError(exc.errors()))


def install_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer every LoanMatchError, and every request that does not fit the schema,
    with its status and :class:`ErrorBody` (installing twice changes nothing)."""
    app.exception_handler(LoanMatchError)(_loanmatch_error)
    app.exception_handler(RequestValidationError)(_request_error)
