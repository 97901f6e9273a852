"""The backend the owner and lender routes share: a unit of work per request, the intake
context, the served market, and who sends owners' identity codes.

:func:`default_sessions` builds it from the composition root (:mod:`loanmatch.bootstrap`): its
database, opened and migrated at start-up (or at the first request when the app runs without its
lifespan), its intake context over the served model and its code sender.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from loanmatch.bootstrap import Root
from loanmatch.domain.products import Market
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.identity import CodeSender, SimulatedCodeSender
from loanmatch.services.intake import IntakeContext
from loanmatch.storage.database import Database
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["LazySessions", "SessionsBackend", "default_sessions", "sessions_backend"]


@dataclass(frozen=True)
class SessionsBackend:
    """What the routes need: a fresh unit of work per request, and the intake context."""

    unit_of_work: Callable[[], UnitOfWork]
    context: IntakeContext
    market: Market | None = None
    """The served market (applications name its products); None: no applications API."""
    codes: CodeSender = field(default_factory=SimulatedCodeSender)
    """Who sends owners' one-time codes (the simulated sender shows them)."""
    token_minutes: int = 30
    """How long an owner token is valid (setting ``owner_token_minutes``)."""
    cookie_secure: bool = False
    """Whether the pages' sign-in cookies are ``Secure`` (setting ``cookie_secure``)."""
    staff_minutes: int = 120
    """How long a lender portal sign-in lasts (setting ``staff_session_minutes``)."""


class LazySessions:
    """A backend built on first use (or at start-up through :meth:`lifespan`), once."""

    def __init__(
        self, build: Callable[[], SessionsBackend], close: Callable[[], None] | None = None
    ) -> None:
        self._build = build
        self._close = close
        self._backend: SessionsBackend | None = None
        self._lock = threading.Lock()

    def get(self) -> SessionsBackend:
        with self._lock:
            if self._backend is None:
                self._backend = self._build()
            return self._backend

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(self.get)
        yield
        if self._close is not None and self._backend is not None:
            self._close()


def default_sessions(root: Root, bundle: ModelBundle) -> LazySessions:
    """The root's database (migrated when first opened) and its intake context over ``bundle``
    (the served market's ``applicants.csv``)."""
    opened: list[Database] = []

    def build() -> SessionsBackend:
        database = root.database()
        opened.append(database)
        return SessionsBackend(
            database.unit_of_work,
            root.intake_context(bundle),
            bundle.market,
            root.code_sender(),
            root.settings.owner_token_minutes,
            root.settings.cookie_secure,
            root.settings.staff_session_minutes,
        )

    def close() -> None:
        for database in opened:
            database.dispose()

    return LazySessions(build, close)


def sessions_backend(request: Request) -> SessionsBackend:
    backend = getattr(request.app.state, "loanmatch_sessions", None)
    if isinstance(backend, LazySessions):
        return backend.get()
    if not isinstance(backend, SessionsBackend):
        raise RuntimeError("the sessions API is not installed: call install_sessions_api")
    return backend
