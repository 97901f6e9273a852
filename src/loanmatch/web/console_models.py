"""The operator console's models page (issue 13): the registered model versions with their
figures and the promotion gate's evidence, the retraining jobs with their progress, and the
controls: queue a retraining, promote a version, roll back, and lift a lender's hold
(``services/holds.py``).

Every control is a CSRF-checked form of a signed-in operator; each switch goes through
``services/models.py`` (audited with the operator as actor) and then tells this server's
:class:`~loanmatch.web.model_switch.ModelSwitch` to look at once (the other servers notice
within seconds). A refused switch is the page again with the refusal (409) in the page's
language. A queued retraining runs when a worker takes it (``loanmatch jobs work``; ``make
demo`` runs one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.errors import ForbiddenError, ModelSwitchError
from loanmatch.lang import Lang, parse_lang, short_code
from loanmatch.services import holds, models
from loanmatch.services.jobs import enqueue
from loanmatch.services.retraining import KIND as RETRAIN
from loanmatch.services.staff import staff_actor
from loanmatch.storage.records import Job, ModelVersion, StaffSession
from loanmatch.web.backend import sessions_backend
from loanmatch.web.console import CONSOLE, operator_session, render_console
from loanmatch.web.model_switch import ModelSwitch
from loanmatch.web.portal import lang_of
from loanmatch.web.staff_auth import check_staff_csrf

__all__ = ["router", "version_bars"]

router = APIRouter(include_in_schema=False)
PAGE = f"{CONSOLE}/models"
_SEE_OTHER = 303
_JOBS_SHOWN = 10
AUC_FLOOR = 0.5
"""The plot's x axis starts at a coin toss."""


def version_bars(versions: list[ModelVersion]) -> list[dict[str, Any]]:
    """One bar per version with a held-out AUC: its width on a 400-unit axis from 0.5 to 1."""
    bars = []
    for v in versions:
        auc = v.metrics.get("auc")
        if isinstance(auc, int | float):
            width = max(0.0, min(1.0, (float(auc) - AUC_FLOOR) / (1 - AUC_FLOOR))) * 400
            bars.append({"id": v.model_id, "role": v.role, "auc": float(auc),
                         "width": round(width, 1)})  # fmt: skip
    return bars


def _now(request: Request) -> datetime:
    return sessions_backend(request).context.clock()


def _page(
    request: Request, lang: Lang, session: StaffSession, status: int = 200, error: str = ""
) -> Response:
    with sessions_backend(request).unit_of_work() as uow:
        versions = models.versions(uow)
        jobs: list[Job] = [j for j in uow.jobs.recent(_JOBS_SHOWN) if j.kind == RETRAIN]
        held = [h for h in uow.holds.all() if h.active]
    switch = getattr(request.app.state, "loanmatch_model", None)
    serving = switch.model_id if isinstance(switch, ModelSwitch) else ""
    running = any(j.status in ("queued", "running") for j in jobs)
    return render_console(request, lang, "models", session, status, versions=versions,
                          bars=version_bars(versions), jobs=jobs, serving=serving, held=held,
                          refresh=running, error=error)  # fmt: skip


@router.get(PAGE, response_class=HTMLResponse)
def models_page(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    return _page(request, chosen, session)


def _checked(request: Request, lang: Lang, csrf: str) -> StaffSession | Response:
    session = operator_session(request, lang)
    if isinstance(session, Response):
        return session
    try:
        check_staff_csrf(session, csrf)
    except ForbiddenError:
        return _page(request, lang, session, 403, messages.t("portal.csrf", lang))
    return session


def _done(request: Request, lang: Lang) -> Response:
    switch = getattr(request.app.state, "loanmatch_model", None)
    if isinstance(switch, ModelSwitch):
        switch.check_now()
    return RedirectResponse(f"{PAGE}?lang={short_code(lang)}", status_code=_SEE_OTHER)


Csrf = Annotated[str, Form(max_length=64)]
LangForm = Annotated[str, Form(max_length=16)]


@router.post(f"{PAGE}/retrain")
async def retrain(request: Request, csrf: Csrf = "", lang: LangForm = "zh") -> Response:
    chosen = parse_lang(lang)
    session = _checked(request, chosen, csrf)
    if isinstance(session, Response):
        return session

    def queue() -> None:
        with sessions_backend(request).unit_of_work() as uow:
            enqueue(uow, RETRAIN, {}, staff_actor(session), _now(request))
            uow.commit()

    await run_in_threadpool(queue)
    return _done(request, chosen)


async def _switch(request: Request, lang: Lang, csrf: str, model_id: str | None) -> Response:
    session = _checked(request, lang, csrf)
    if isinstance(session, Response):
        return session
    actor = staff_actor(session)

    def run() -> None:
        with sessions_backend(request).unit_of_work() as uow:
            if model_id is None:
                models.rollback(uow, _now(request), actor, "rolled back in the console")
            else:
                models.promote(
                    uow, model_id, _now(request), actor, reason="promoted in the console"
                )
            uow.commit()

    try:
        await run_in_threadpool(run)
    except ModelSwitchError as error:
        text = messages.t(f"console.{error.rule.replace('.', '_')}", lang)
        return _page(request, lang, session, 409, text)
    return _done(request, lang)


@router.post(f"{PAGE}/promote")
async def promote(
    request: Request,
    model_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Csrf = "",
    lang: LangForm = "zh",
) -> Response:
    return await _switch(request, parse_lang(lang), csrf, model_id)


@router.post(f"{PAGE}/rollback")
async def rollback(request: Request, csrf: Csrf = "", lang: LangForm = "zh") -> Response:
    return await _switch(request, parse_lang(lang), csrf, None)


@router.post(f"{PAGE}/holds/lift")
async def lift_hold(
    request: Request,
    lender_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Csrf = "",
    lang: LangForm = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = _checked(request, chosen, csrf)
    if isinstance(session, Response):
        return session

    def run() -> bool:
        with sessions_backend(request).unit_of_work() as uow:
            lifted = holds.lift(uow, lender_id, _now(request), staff_actor(session),
                                "lifted in the console")  # fmt: skip
            uow.commit()
        return lifted

    if not await run_in_threadpool(run):
        return _page(request, chosen, session, 409, messages.t("console.not_held", chosen))
    return _done(request, chosen)
