"""The HTTP face of loanmatch: the front door at ``/``, the full form at ``/form`` and a JSON API
under ``/api/v1``.

``/`` starts the adaptive journey (the chat's start page: consent, a few questions, the offers;
``web/chat_page.py``); ``/form`` is the full form, showing only the questions that matter for
what the owner said (``views.relevant_features``) and highlighting the blanks that alone would
open products (``matching/unlock.py``). ``POST /`` still takes the form (older links and
clients), and ``/?sample=1`` goes to the form with a sample.

``create_app(settings, bundle)`` builds a FastAPI application around one loaded model; run it with
any ASGI server (``loanmatch serve`` uses uvicorn). The pages need no JavaScript. Errors of the
JSON API go through the one handler of :mod:`loanmatch.web.errors`. Every request passes
:mod:`loanmatch.web.guard` first (``Settings.max_body_bytes``, JSON a route can use) and every
answer carries the headers of :mod:`loanmatch.web.security`. ``/docs`` (Swagger UI) and
``/redoc`` are served with their assets from the package (``fastapi-offline``): they work offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from loanmatch import __version__
from loanmatch.adapters.tables import read_table
from loanmatch.bootstrap import compose, mask_log_handlers
from loanmatch.errors import Bilingual
from loanmatch.intake.answers import ParsedAnswers, parse_answers
from loanmatch.intake.prior import Prior
from loanmatch.lang import Lang, parse_lang, short_code
from loanmatch.matching.recommend import recommend_one
from loanmatch.matching.results import ApplicantResult
from loanmatch.model.bundle import ModelBundle
from loanmatch.settings import Settings
from loanmatch.web.api import Health, RecommendRequest, RecommendResponse, response_from
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.chat_page import install_chat, start_page
from loanmatch.web.errors import error_responses, install_error_handlers
from loanmatch.web.guard import RequestGuard
from loanmatch.web.i18n import strings
from loanmatch.web.ledger_api import install_ledger_api
from loanmatch.web.model_switch import ModelSwitch
from loanmatch.web.portal_inbox import install_portal
from loanmatch.web.products_api import install_products_api
from loanmatch.web.rate_limits import install_rate_limits
from loanmatch.web.samples import Samples
from loanmatch.web.security import SecurityHeaders
from loanmatch.web.sessions_api import (
    LazySessions,
    SessionsBackend,
    default_sessions,
    install_sessions_api,
)
from loanmatch.web.views import build_form, form_features, relevant_features, result_view

__all__ = ["create_app"]

_WEB = Path(str(resources.files("loanmatch") / "web"))
_UNPROCESSABLE = 422
_SEE_OTHER = 303


def _candidates(applicants: Path, bundle: ModelBundle) -> dict[str, tuple[float, ...]] | None:
    """The plausible values of each fact (``Prior.plausible_values``) from the served market's
    applicants, or None (rule boundaries then) when there is no such file."""
    if not applicants.is_file():
        return None
    catalog = bundle.market.catalog
    try:
        return Prior.from_table(catalog, read_table(applicants, catalog)).plausible_values()
    except (OSError, ValueError):
        return None


def create_app(
    settings: Settings,
    bundle: ModelBundle,
    sessions: SessionsBackend | LazySessions | None = None,
) -> FastAPI:
    """An application that recommends with ``bundle`` under the policy in ``settings``; every
    object it runs on comes from the composition root (``loanmatch.bootstrap.compose``).

    ``sessions`` serves the intake sessions API; by default the root's database, migrated at
    start-up, with the served market's intake context."""
    catalog = bundle.market.catalog
    root = compose(settings)
    policy = root.policy
    switch = ModelSwitch(bundle, bundle.model_id)
    sessions = sessions if sessions is not None else default_sessions(root, switch)
    samples = Samples.load(settings.market_dir / "applicants.csv", catalog)
    templates = Jinja2Templates(directory=str(_WEB / "templates"))
    css = (_WEB / "static" / "style.css").read_text(encoding="utf-8")
    asked = {f.name for f in form_features(catalog)}
    candidates = _candidates(settings.market_dir / "applicants.csv", bundle)

    mask_log_handlers()
    app = FastAPIOffline(
        title="loanmatch",
        version=__version__,
        description="Match small and micro enterprises with bank loan products they will very "
        "probably get. 小微企业贷款产品匹配。",
        lifespan=sessions.lifespan if isinstance(sessions, LazySessions) else None,
    )
    app.state.loanmatch_model = switch
    install_error_handlers(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    install_sessions_api(app, sessions)
    install_applications_api(app)
    install_products_api(app)
    install_ledger_api(app)
    install_rate_limits(app, settings)
    install_chat(app, root)
    install_portal(app)

    def page(
        request: Request,
        lang: Lang,
        values: Mapping[str, str],
        errors: Mapping[str, Bilingual],
        result: ApplicantResult | None,
        status: int,
        record: Mapping[str, object] | None = None,
    ) -> Response:
        unlocking = {u.feature: u.count for u in result.unlocks} if result is not None else {}
        shown = relevant_features(switch.current().market, record or {})
        context: dict[str, Any] = {
            "t": strings(lang),
            "html_lang": lang,
            "lang": short_code(lang),
            "other_lang": "zh" if lang == "en" else "en",
            "css": css,
            "groups": build_form(catalog, lang, values, errors, shown=shown, unlocking=unlocking),
            "n_hidden": len(asked - shown),
            "n_errors": len(errors),
            "result": result_view(result, lang) if result is not None else None,
            "has_samples": bool(samples),
        }
        return templates.TemplateResponse(request, "index.html", context, status_code=status)

    def recommend(parsed: ParsedAnswers) -> ApplicantResult:
        record = {k: v for k, v in parsed.record.items() if v is not None}
        return recommend_one(switch.current(), record, policy, candidates=candidates)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, lang: str | None = None, sample: bool = False) -> Response:
        """The front door: the adaptive journey's start (``/?sample=1``: the form's sample)."""
        if sample:
            chosen = short_code(parse_lang(lang, settings.default_lang))
            return RedirectResponse(f"/form?lang={chosen}&sample=1", status_code=_SEE_OTHER)
        return start_page(request, lang)

    @app.get("/form", response_class=HTMLResponse, include_in_schema=False)
    def form_page(request: Request, lang: str | None = None, sample: bool = False) -> Response:
        chosen = parse_lang(lang, settings.default_lang)
        values = samples.pick() if sample else {}
        parsed = parse_answers(catalog, values, strict=False)
        return page(request, chosen, values, {}, None, 200, parsed.record)

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    @app.post("/form", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request) -> Response:
        form = await request.form()
        chosen = parse_lang(str(form.get("lang") or ""), settings.default_lang)
        values = {k: str(v) for k, v in form.items() if k in asked and isinstance(v, str)}
        parsed = parse_answers(catalog, values, strict=False)
        if parsed.problems:
            errors = {name: problem.text for name, problem in parsed.problems.items()}
            return page(request, chosen, values, errors, None, _UNPROCESSABLE, parsed.record)
        result = await run_in_threadpool(recommend, parsed)
        return page(request, chosen, values, {}, result, 200, parsed.record)

    @app.post(
        "/api/v1/recommend",
        response_model=RecommendResponse,
        responses=error_responses(422),
        summary="Recommend loan products for one applicant / 为一家企业推荐贷款产品",
    )
    def api_recommend(body: RecommendRequest) -> RecommendResponse:
        parsed = parse_answers(catalog, body.applicant, strict=True)
        parsed.raise_first()
        lang = parse_lang(body.lang)
        return response_from(recommend(parsed), lang)

    @app.get("/healthz", response_model=Health, summary="Liveness and the model in use")
    def healthz() -> Health:
        served = switch.current()
        return Health(
            status="ok",
            version=__version__,
            products=len(served.market.products),
            model=served.model_id,
        )

    return app
