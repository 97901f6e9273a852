"""What every request passes before a route sees it: a size limit, and JSON a route can use.

:class:`RequestGuard` is an ASGI middleware (``create_app`` installs it with
``Settings.max_body_bytes``). It reads the body up to that many bytes and answers 413
(:class:`~loanmatch.errors.BodyTooLargeError`) for a longer one, announced or not. A JSON body (a
``json`` or ``+json`` content type, or none, as FastAPI reads it) is then checked once:

- not UTF-8 (nor UTF-16/32, as JSON allows): 400, :class:`~loanmatch.errors.UnreadableBodyError`;
- nesting deeper than :data:`MAX_DEPTH`, an integer beyond +-2**53 (what every JSON reader holds
  exactly, RFC 7493), a number beyond a float's range (``1e400``), ``NaN`` or ``Infinity``, or a
  lone UTF-16 surrogate in a string or a key (``"\\ud800"``, which no UTF-8 text can hold): 422,
  :class:`~loanmatch.errors.RequestError` with each value's ``loc``
  (``["body", "applicant", "loan_amount"]``).

JSON that does not parse goes on to FastAPI, whose 422 is the same ``ErrorBody``. Each refusal
goes through :func:`loanmatch.web.errors.error_response`, like any error of the app.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loanmatch.errors import BodyTooLargeError, LoanMatchError, RequestError, UnreadableBodyError
from loanmatch.web.errors import error_response

__all__ = ["MAX_DEPTH", "MAX_JSON_INT", "RequestGuard", "json_problems"]

logger = logging.getLogger(__name__)

MAX_JSON_INT = 2**53
"""The largest integer magnitude a JSON body may carry (RFC 7493: exact in every reader)."""
_MAX_DIGITS = len(str(MAX_JSON_INT))
MAX_DEPTH = 32
"""The deepest a JSON body may nest (the API's bodies nest 3 levels)."""
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class _Unusable:
    """A number the JSON parser met that no route may receive (kept to find its place)."""

    msg: str


def _parse_int(text: str) -> int | _Unusable:
    if len(text.lstrip("-")) > _MAX_DIGITS or abs(int(text)) > MAX_JSON_INT:
        return _Unusable(f"an integer may be at most {MAX_JSON_INT} in magnitude")
    return int(text)


def _parse_float(text: str) -> float | _Unusable:
    value = float(text)
    return value if math.isfinite(value) else _Unusable("a number beyond the range of a float")


def _parse_constant(text: str) -> _Unusable:
    return _Unusable(f"{text} is not a JSON number")


def _shown(key: str) -> str:
    """A key as an error may quote it (a lone surrogate would make the answer unwritable)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _walk(parsed: Any) -> list[dict[str, Any]]:
    """Every unusable value of ``parsed`` with its ``loc`` (without recursion: depth is bounded
    by :data:`MAX_DEPTH`, and the walk stops at the first value deeper)."""
    found: list[dict[str, Any]] = []
    todo: list[tuple[Any, list[str | int]]] = [(parsed, ["body"])]
    while todo:
        value, loc = todo.pop()
        if isinstance(value, _Unusable):
            found.append({"loc": loc, "msg": value.msg})
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                found.append({"loc": loc, "msg": "a lone UTF-16 surrogate is not text"})
        elif isinstance(value, list | dict) and len(loc) > MAX_DEPTH:
            return [{"loc": loc[:1], "msg": f"JSON nested deeper than {MAX_DEPTH} levels"}]
        elif isinstance(value, list):
            todo.extend((item, [*loc, index]) for index, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                where: list[str | int] = [*loc, _shown(key)]
                if _SURROGATE.search(key):
                    found.append({"loc": where, "msg": "a lone UTF-16 surrogate is not text"})
                todo.append((item, where))
    return sorted(found, key=lambda problem: [str(part) for part in problem["loc"]])


def json_problems(body: bytes) -> LoanMatchError | None:
    """What makes ``body`` unusable as a JSON request (None: nothing, or not JSON at all)."""
    try:
        parsed = json.loads(
            body,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except UnicodeDecodeError:
        return UnreadableBodyError("a JSON body must be UTF-8 text")
    except RecursionError:
        return RequestError(
            [{"loc": ["body"], "msg": f"JSON nested deeper than {MAX_DEPTH} levels"}]
        )
    except ValueError:
        return None  # not JSON: FastAPI answers its own 422 with the same body
    found = _walk(parsed)
    return RequestError(found) if found else None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    kind = content_type.split(";", 1)[0].strip().lower()
    subtype = kind.rpartition("/")[2]
    return subtype == "json" or subtype.endswith("+json")


class RequestGuard:
    """The ASGI middleware of this module (see there); ``max_body_bytes`` from the settings."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(BodyTooLargeError(self.max_body_bytes), scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._refuse(BodyTooLargeError(self.max_body_bytes), scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type")):
            problem = json_problems(body)
            if problem is not None:
                await self._refuse(problem, scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _refuse(error: LoanMatchError, scope: Scope, receive: Receive, send: Send) -> None:
        logger.info("answered %s to %s %s: %s", error.status, scope.get("method"),
                    scope.get("path"), error.code)  # fmt: skip
        await error_response(error)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read already, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
