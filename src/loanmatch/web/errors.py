"""The error tree over HTTP: ONE handler for the whole app, and the body's schema.

Every :class:`~loanmatch.errors.LoanMatchError` a route lets through becomes its class's
``status`` with the body :meth:`~loanmatch.errors.LoanMatchError.to_dict` builds (no route maps
errors itself); a request that does not fit the schema becomes a
:class:`~loanmatch.errors.RequestError` (422, ``input.request``) with the same body. The body is
:class:`ErrorBody` in the OpenAPI document: routes list their error statuses with
:func:`error_responses`. Install with :func:`install_error_handlers` (``create_app`` does, and so
does ``install_sessions_api`` for an app that serves only the sessions API).

What is not a LoanMatchError gets the same body too: Starlette's own refusals (an unknown path
404, a method a path does not take 405) carry ``code`` ``http.<reason>`` (``http.not_found``,
``http.method_not_allowed``; ``error`` ``http_error``), a body it cannot parse is an
:class:`~loanmatch.errors.UnreadableBodyError` (400), and an exception nobody expected is 500
``internal`` with a generic message, the security headers of :mod:`loanmatch.web.security`, and
its traceback in the log (masked like every log line: ``loanmatch.bootstrap.configure_logging``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from loanmatch.errors import LoanMatchError, RequestError, UnreadableBodyError
from loanmatch.web.security import headers_for

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
    400: "A body that cannot be read as its content type says (input.request.unreadable), or "
    "a session step that cannot be done (session)",
    401: "No valid credentials: a missing, unknown or revoked API key, or one without the "
    "scope (auth)",
    403: "No valid consent for a data source",
    404: "No such session (session.not_found) or no such application of yours "
    "(application.not_found)",
    409: "Changed by another request: read the session again and retry (session.conflict), or "
    "a step the application's state does not allow (application.transition)",
    413: "A body longer than the server accepts (input.request.too_large)",
    422: "Bad input: an answer, a consent or the request itself (input.*), a target "
    "approval that cannot be certified (not_certified), or an application refused "
    "(application.refused, application.terms)",
    429: "Too many requests of this kind from this client or key: wait retry_after seconds "
    "(rate_limited)",
    500: "The served model cannot be used (model)",
    502: "A data source failed or sent data that does not fit (connector.*)",
    503: "A data source is down (connector.unavailable)",
    504: "A data source did not answer in time (connector.timeout)",
}


EVERY_ROUTE = (400, 413)
"""What any route may answer, whatever it does: a body that cannot be read, or too long one
(:mod:`loanmatch.web.guard`)."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may answer with these statuses, and :data:`EVERY_ROUTE`'s:
    each an :class:`ErrorBody` (422 included, so the document shows this body, not FastAPI's own
    validation error)."""
    return {
        status: {"model": ErrorBody, "description": _MEANING[status]}
        for status in sorted({*statuses, *EVERY_ROUTE})
    }


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


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == UnreadableBodyError.status:
        return await _loanmatch_error(request, UnreadableBodyError(str(exc.detail)))
    try:
        reason = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        reason = "error"
    body = {"code": f"http.{reason}", "error": "http_error", "message": str(exc.detail),
            "where": {}}  # fmt: skip
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # the traceback goes to the log, whose handlers mask personal values; the caller gets none
    logger.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path,
                 exc_info=exc)  # fmt: skip
    body = {"code": "internal", "error": "internal_error", "where": {},
            "message": "the server could not complete this request (internal); its operator's "
            "log has the details"}  # fmt: skip
    return JSONResponse(body, status_code=500, headers=dict(headers_for(request.url.path)))


def install_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer every LoanMatchError, every request that does not fit the schema,
    Starlette's own refusals and any unexpected exception with its status and
    :class:`ErrorBody` (installing twice changes nothing)."""
    app.exception_handler(LoanMatchError)(_loanmatch_error)
    app.exception_handler(RequestValidationError)(_request_error)
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(Exception)(_unexpected)
