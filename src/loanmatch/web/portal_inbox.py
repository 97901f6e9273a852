"""The lender portal's inbox, decision form and funnel (issue 12).

``GET /lender/inbox`` lists the signed-in user's lender's applications (filter by status);
``GET /lender/applications/{id}`` shows one with the facts released to the lender and its
history, and the decision forms: approve with terms (amount in yuan, ``50万`` accepted; the
annual rate in percent; term; repayment method), decline with standard reason codes, ask for
documents, record disbursement. ``POST /lender/applications/{id}/decision`` is the same
transition as the API's (:func:`loanmatch.services.applications.decide`), audited as
``staff:<lender>/<user id>``. ``GET /lender/funnel`` plots the lender's own funnel.

Tenancy is the service's: another lender's application is "not found", as an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.domain.applications import DECLINE_REASONS, Action, Decision, Status
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.funnel import Funnel, funnel
from loanmatch.domain.products import Market, Product
from loanmatch.domain.value_text import format_money, format_value
from loanmatch.errors import (
    AnswerFieldError,
    ApplicationNotFoundError,
    DecisionTermsError,
    ForbiddenError,
    TransitionError,
)
from loanmatch.intake.answers import parse_answer
from loanmatch.lang import Lang, parse_lang
from loanmatch.services import applications as apps
from loanmatch.services.staff import staff_actor
from loanmatch.storage.records import StaffSession
from loanmatch.web.backend import sessions_backend
from loanmatch.web.console import router as console_router
from loanmatch.web.console_models import router as models_router
from loanmatch.web.portal import lang_of, portal_url, render, signed_in_or_login
from loanmatch.web.portal import router as portal_router
from loanmatch.web.portal_ledger import router as ledger_router
from loanmatch.web.portal_products import router as products_router
from loanmatch.web.staff_auth import PATH, check_staff_csrf

__all__ = ["STAGES", "bars", "install_portal", "router"]

router = APIRouter(include_in_schema=False)
_SEE_OTHER = 303
_ACTIONS: tuple[Action, ...] = ("approve", "decline", "request_documents", "disburse")
STAGES = ("submitted", "waiting", "approved", "disbursed", "declined", "withdrawn")
"""The funnel plot's bars, in order (their words are ``portal.stage_<stage>``)."""


def _market(request: Request) -> Market:
    market = sessions_backend(request).market
    if market is None:
        raise RuntimeError("the portal needs the served market")
    return market


def _products(market: Market, lender: str) -> dict[str, Product]:
    return {p.id: p for p in market.products if p.lender == lender}


def _names(request: Request, session: StaffSession, lang: Lang) -> dict[str, str]:
    return {k: p.display(lang) for k, p in _products(_market(request), session.lender_id).items()}


@router.get(f"{PATH}/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, lang: str | None = None, status: str = "") -> Response:
    chosen = lang_of(request, lang)
    session = signed_in_or_login(request, chosen)
    if isinstance(session, Response):
        return session
    wanted = next((s for s in Status if s.value == status), None)
    backend = sessions_backend(request)
    rows = apps.inbox(backend.unit_of_work(), session.lender_id, wanted)
    names = {
        k: p.display(chosen) for k, p in _products(_market(request), session.lender_id).items()
    }
    return render(
        request, chosen, "inbox", session, applications=rows, product_names=names,
        statuses=[s.value for s in Status], status_filter=wanted.value if wanted else "",
    )  # fmt: skip


@dataclass(frozen=True)
class _Fact:
    name: str
    label: str
    text: str


def _facts(catalog: Catalog, facts: dict[str, Any], lang: Lang) -> list[_Fact]:
    shown: list[_Fact] = []
    for name, value in facts.items():
        feature = catalog.get(name)
        if feature is None:
            shown.append(_Fact(name, name, str(value)))
            continue
        label = feature.label.get(lang) or name
        shown.append(_Fact(name, label, format_value(feature, value, lang)))
    return sorted(shown, key=lambda f: f.name)


def _defaults(product: Product | None, facts: dict[str, Any]) -> dict[str, str]:
    """The approval form's starting terms: what was asked, inside the product's ranges."""
    asked = facts.get("loan_amount")
    amount = float(asked) if isinstance(asked, int | float) else None
    if product is not None and amount is not None and product.amount_max is not None:
        amount = min(amount, product.amount_max)
    term = facts.get("loan_term_months")
    terms = product.term_months if product is not None else ()
    if terms and (not isinstance(term, int | float) or int(term) not in terms):
        term = terms[-1] if not isinstance(term, int | float) else min(
            terms, key=lambda t: abs(t - float(term))
        )  # fmt: skip
    rate = product.rate_min if product is not None else None
    methods = product.repayment if product is not None else ()
    return {
        "amount": format_money(amount, "zh") if amount is not None else "",
        "rate": f"{rate:g}" if rate is not None else "",
        "term": str(int(term)) if isinstance(term, int | float) else "",
        "method": methods[0] if methods else "",
    }


def _application_page(
    request: Request, lang: Lang, session: StaffSession, application_id: str,
    error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    backend = sessions_backend(request)
    try:
        seen = apps.lender_application(
            backend.unit_of_work(), session.lender_id, application_id, backend.context.clock()
        )
    except ApplicationNotFoundError:
        text = messages.t("portal.not_found", lang)
        return render(request, lang, "error", session, 404, error=text)
    market = _market(request)
    product = _products(market, session.lender_id).get(seen.application.product_id)
    return render(
        request, lang, "application", session, status, error=error, app=seen.application,
        product=product, product_name=product.display(lang) if product else "",
        facts=_facts(market.catalog, dict(seen.facts), lang),
        defaults=_defaults(product, dict(seen.facts)),
        reasons={k: v.get(lang) for k, v in DECLINE_REASONS.items()},
        methods=product.repayment if product is not None else (),
        terms=product.term_months if product is not None else (),
    )  # fmt: skip


@router.get(f"{PATH}/applications/{{application_id}}", response_class=HTMLResponse)
def application_page(request: Request, application_id: str, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = signed_in_or_login(request, chosen)
    if isinstance(session, Response):
        return session
    return _application_page(request, chosen, session, application_id[:64])


def _decision(catalog: Catalog, action: Action, form: dict[str, Any], lang: Lang) -> Decision:
    """The decision the form's fields give; ``ValueError`` with the user's message otherwise."""
    if action != "approve":
        documents = [d.strip() for d in form["documents"].replace("，", ",").split(",")]
        return Decision(
            reasons=tuple(form["reasons"]), documents=tuple(d for d in documents if d),
            note=form["note"],
        )  # fmt: skip
    amount: float | None = None
    if form["amount"].strip():
        try:
            parsed = parse_answer(catalog["loan_amount"], form["amount"])
        except AnswerFieldError as error:
            raise ValueError(error.text.get(lang)) from None
        amount = float(parsed) if isinstance(parsed, int | float) else None
    rate: float | None = None
    if form["rate"].strip():
        try:
            rate = float(form["rate"].strip().rstrip("%").strip()) / 100
        except ValueError:
            raise ValueError(messages.t("portal.bad_rate", lang, got=form["rate"])) from None
    term = int(form["term"]) if form["term"].strip().isdigit() else None
    return Decision(
        amount_yuan=amount, annual_rate=rate, term_months=term,
        repayment_method=form["method"] or None, note=form["note"],
    )  # fmt: skip


@router.post(f"{PATH}/applications/{{application_id}}/decision")
async def decide(
    request: Request,
    application_id: str,
    action: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
    amount: Annotated[str, Form(max_length=32)] = "",
    rate: Annotated[str, Form(max_length=16)] = "",
    term: Annotated[str, Form(max_length=8)] = "",
    method: Annotated[str, Form(max_length=32)] = "",
    reasons: Annotated[list[str] | None, Form(max_length=32)] = None,
    documents: Annotated[str, Form(max_length=1000)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = signed_in_or_login(request, chosen)
    if isinstance(session, Response):
        return session
    application_id = application_id[:64]
    try:
        check_staff_csrf(session, csrf)
    except ForbiddenError:
        return render(
            request, chosen, "error", session, 403, error=messages.t("portal.csrf", chosen)
        )
    chosen_action = next((a for a in _ACTIONS if a == action), None)
    if chosen_action is None:
        text = messages.t("portal.bad_action", chosen)
        return _application_page(request, chosen, session, application_id, text, 422)
    backend = sessions_backend(request)
    form = {"amount": amount, "rate": rate, "term": term, "method": method,
            "reasons": reasons or [], "documents": documents, "note": note}  # fmt: skip
    try:
        decision = _decision(_market(request).catalog, chosen_action, form, chosen)
        ctx = apps.ApplicationsContext(backend.context, _market(request))
        await run_in_threadpool(
            apps.decide, backend.unit_of_work(), ctx, session.lender_id, staff_actor(session),
            application_id, chosen_action, decision,
        )  # fmt: skip
    except ValueError as error:
        return _application_page(request, chosen, session, application_id, str(error), 422)
    except DecisionTermsError as error:
        text = messages.t(
            "portal.terms", chosen, field=error.where.setting or "", msg=error.message
        )
        return _application_page(request, chosen, session, application_id, text, 422)
    except TransitionError as error:
        text = messages.t("portal.transition", chosen, msg=error.message)
        return _application_page(request, chosen, session, application_id, text, 409)
    except ApplicationNotFoundError:
        text = messages.t("portal.not_found", chosen)
        return render(request, chosen, "error", session, 404, error=text)
    return RedirectResponse(
        portal_url(f"/applications/{application_id}", chosen), status_code=_SEE_OTHER
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float
    """Share of the plot's width, 0-100."""


def bars(found: Funnel, labels: dict[str, str]) -> list[Bar]:
    """The funnel's stages as bars scaled to the largest (the portal's plot)."""
    total = found.total
    stages = [
        ("submitted", total.submitted), ("waiting", total.waiting),
        ("approved", total.approved + total.disbursed), ("disbursed", total.disbursed),
        ("declined", total.declined), ("withdrawn", total.withdrawn),
    ]  # fmt: skip
    top = max((v for _, v in stages), default=0) or 1
    return [Bar(labels.get(k, k), v, round(100 * v / top, 1)) for k, v in stages]


@router.get(f"{PATH}/funnel", response_class=HTMLResponse)
def funnel_page(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = signed_in_or_login(request, chosen)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    found = funnel(apps.inbox(backend.unit_of_work(), session.lender_id))
    t = messages.section("portal", chosen)
    labels = {k: t[f"stage_{k}"] for k in STAGES}
    names = {
        k: p.display(chosen) for k, p in _products(_market(request), session.lender_id).items()
    }
    return render(
        request, chosen, "funnel", session, funnel=found, bars=bars(found, labels),
        product_names=names, reasons={k: v.get(chosen) for k, v in DECLINE_REASONS.items()},
    )  # fmt: skip


def install_portal(app: FastAPI) -> None:
    """Serve the lender portal's pages and the operator console (one sign-in) from ``app``
    (after the sessions API and the chat)."""
    app.include_router(portal_router)
    app.include_router(router)
    app.include_router(products_router)
    app.include_router(console_router)
    app.include_router(models_router)
    app.include_router(ledger_router)
