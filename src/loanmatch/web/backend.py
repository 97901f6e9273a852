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
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters.tables import read_table
from loanmatch.bootstrap import Root
from loanmatch.domain.products import Market
from loanmatch.intake.engine import IntakeEngine
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.canary import canary_of
from loanmatch.services.identity import CodeSender, SimulatedCodeSender
from loanmatch.services.intake import IntakeContext
from loanmatch.services.intake.split import SplitEngine
from loanmatch.services.models import served
from loanmatch.services.product_overlay import ActiveMarket, FollowActive
from loanmatch.services.product_trial import sample_of
from loanmatch.services.products import ProductsContext
from loanmatch.storage.database import Database
from loanmatch.storage.unit_of_work import UnitOfWork
from loanmatch.web.model_switch import ModelSwitch

__all__ = [
    "LazySessions",
    "SessionsBackend",
    "default_sessions",
    "over_active",
    "sessions_backend",
]


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
    products: ProductsContext | None = None
    """Lenders' product versions (None: no products API)."""


class LazySessions:
    """A backend built on first use (or at start-up through :meth:`lifespan`), once."""

    def __init__(
        self,
        build: Callable[[], SessionsBackend],
        close: Callable[[], None] | None = None,
        follow: Callable[[SessionsBackend], SessionsBackend] | None = None,
    ) -> None:
        self._build = build
        self._close = close
        self._follow = follow
        self._backend: SessionsBackend | None = None
        self._lock = threading.Lock()

    def get(self) -> SessionsBackend:
        """The backend; with ``follow``, as it follows the lenders' published product versions
        (checked on every call, rebuilt only when the versions in effect change)."""
        with self._lock:
            if self._backend is None:
                self._backend = self._build()
            backend = self._backend
        return self._follow(backend) if self._follow is not None else backend

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(self.get)
        yield
        if self._close is not None and self._backend is not None:
            self._close()


def over_active(base: SessionsBackend, active: ActiveMarket) -> SessionsBackend:
    """``base`` with its intake engine and market over the products in effect (the engine
    keeps its prior, policy and sources: only the products' rules and terms change)."""
    engine = base.context.engine
    if active.bundle.market is base.market or not isinstance(engine, IntakeEngine):
        return base
    context = replace(base.context, engine=engine.with_bundle(active.bundle))
    return replace(base, context=context, market=active.bundle.market)


def default_sessions(root: Root, switch: ModelSwitch) -> LazySessions:
    """The root's database (migrated when first opened), its intake context over the served
    model (the served market's ``applicants.csv``), both following the lenders' published
    product versions (``services/product_overlay.py``) and the registry's champion
    (``web/model_switch.py``: a new champion's context is built before it is served). While a
    canary runs (``services/canary.py``) a second switch follows it, and the intake engine is
    split between the two by firm (``services/intake/split.py``)."""
    opened: list[Database] = []
    built: dict[str, tuple[SessionsBackend, FollowActive[SessionsBackend]]] = {}
    second = ModelSwitch(switch.current(), switch.model_id, check_seconds=switch.check_seconds)
    """The canary's model (the champion's when none runs: no split)."""
    share = [0.0]

    def over(
        database: Database, bundle: ModelBundle
    ) -> tuple[SessionsBackend, FollowActive[SessionsBackend]]:
        context = root.intake_context(bundle)
        sample = sample_of(read_table(root.applicants, bundle.market.catalog))
        base = SessionsBackend(
            database.unit_of_work,
            context,
            bundle.market,
            root.code_sender(),
            root.settings.owner_token_minutes,
            root.settings.cookie_secure,
            root.settings.staff_session_minutes,
            ProductsContext(bundle.market, bundle, sample, clock=context.clock),
        )
        return base, FollowActive(bundle, lambda active: over_active(base, active))

    def build() -> SessionsBackend:
        database = root.database()
        opened.append(database)
        first = switch.current()
        built[first.model_id] = over(database, first)

        def champion() -> tuple[str, Path] | None:
            with database.unit_of_work() as uow:
                return served(uow)

        def prepare(bundle: ModelBundle) -> None:
            if bundle.model_id not in built:  # a model served before keeps its context
                built[bundle.model_id] = over(database, bundle)

        def canary() -> tuple[str, Path] | None:
            with database.unit_of_work() as uow:
                running = canary_of(uow)
                share[0] = running[1] if running is not None else 0.0
                return (running[0].model_id, Path(running[0].path)) if running else served(uow)

        for each in (switch, second):
            each.on_switch(prepare)
        switch.set_resolver(champion)
        second.set_resolver(canary)
        for each in (switch, second):
            each.check_now()  # at start, serve the registry's models before any request
            each.wait_idle()
        return built.get(switch.model_id, built[first.model_id])[0]

    def followed(model_id: str) -> SessionsBackend:
        base, follower = built.get(model_id) or next(iter(built.values()))
        return follower.current(base.unit_of_work, base.context.clock())

    def follow(_built: SessionsBackend) -> SessionsBackend:
        champion_id = switch.current().model_id
        backend = followed(champion_id)
        canary_id = second.current().model_id
        if canary_id == champion_id or share[0] <= 0 or canary_id not in built:
            return backend
        arm = followed(canary_id)
        split = SplitEngine(backend.context.engine, arm.context.engine, canary_id, share[0])
        return replace(backend, context=replace(backend.context, engine=split))

    def close() -> None:
        for database in opened:
            database.dispose()

    return LazySessions(build, close, follow)


def sessions_backend(request: Request) -> SessionsBackend:
    backend = getattr(request.app.state, "loanmatch_sessions", None)
    if isinstance(backend, LazySessions):
        return backend.get()
    if not isinstance(backend, SessionsBackend):
        raise RuntimeError("the sessions API is not installed: call install_sessions_api")
    return backend
