"""The lender portal's products: the editor, the dry run, publishing and rollback (issue 12).

For a ``manager`` of the lender (an officer gets 403). ``GET /lender/products`` lists the
lender's products with the version in effect; ``GET /lender/products/{id}`` shows every version
and the editor (YAML of products.yaml's shape, starting from the latest version or the product
as the model was trained on it); ``POST /lender/products/drafts`` saves the text as the next
draft, checked by the same loader and messages as the file (the page shows the error with its
line, product and rule, and keeps the text); ``GET /lender/products/{id}/versions/{v}/dry-run``
tries a version on recent applicants beside the version in effect, and runs its own test
cases; ``POST .../publish`` publishes it from an effective time (China time; blank: now);
``POST /lender/products/{id}/rollback`` publishes a copy of an earlier published version now.
Every step is :mod:`loanmatch.services.products`' (audited as ``staff:<lender>/<user id>``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loanmatch.adapters import messages
from loanmatch.adapters.product_body import body_yaml, product_body
from loanmatch.errors import ForbiddenError, LoanMatchError, ProductNotFoundError
from loanmatch.lang import Lang, parse_lang
from loanmatch.services import product_trial as trial
from loanmatch.services import products as svc
from loanmatch.services.capacity import BUSINESS_TZ
from loanmatch.services.staff import require_role, staff_actor
from loanmatch.storage.records import StaffSession
from loanmatch.web.backend import sessions_backend
from loanmatch.web.portal import lang_of, portal_url, render, signed_in_or_login
from loanmatch.web.staff_auth import PATH, check_staff_csrf

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_SEE_OTHER = 303
MAX_TEXT = 16_384
"""The longest product text the editor takes (as the API's ``yaml`` field)."""


def _ctx(request: Request) -> svc.ProductsContext:
    products = sessions_backend(request).products
    if products is None:
        raise RuntimeError("the portal needs the backend's products context")
    return products


def _manager(request: Request, lang: Lang) -> StaffSession | Response:
    """The signed-in manager, a redirect to sign in, or the 403 page for an officer."""
    session = signed_in_or_login(request, lang)
    if isinstance(session, Response):
        return session
    try:
        require_role(session, "manager")
    except ForbiddenError:
        return render(request, lang, "error", session, 403,
                      error=messages.t("portal.managers_only", lang))  # fmt: skip
    return session


def _error_text(error: LoanMatchError, lang: Lang) -> str:
    """The error's message in ``lang`` with where it is (line, product, rule)."""
    text = getattr(error, "message_zh", "") if lang == "zh-CN" else ""
    where = error.where
    parts = [f"{k} {v}" for k, v in (("line", where.line), ("product", where.product),
                                      ("rule", where.rule)) if v is not None]  # fmt: skip
    shown = text or error.message
    return f"{shown} ({', '.join(parts)})" if parts else shown


@router.get(f"{PATH}/products", response_class=HTMLResponse)
def products_page(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = _manager(request, chosen)
    if isinstance(session, Response):
        return session
    ctx = _ctx(request)
    listed = svc.lender_products(sessions_backend(request).unit_of_work(), ctx, session.lender_id)
    names = {p.id: p.display(chosen) for p in ctx.market.products}
    return render(request, chosen, "products", session, products=listed, names=names)


def _editor_text(ctx: svc.ProductsContext, versions: list[Any], product_id: str) -> str:
    if versions:
        return body_yaml(versions[-1].body)
    trained = ctx.trained(product_id)
    return body_yaml(product_body(trained)) if trained is not None else ""


def _product_page(
    request: Request, lang: Lang, session: StaffSession, product_id: str, *,
    text: str | None = None, error: str = "", status: int = 200, saved: int | None = None,
) -> Response:  # fmt: skip
    ctx = _ctx(request)
    backend = sessions_backend(request)
    try:
        found = svc.versions_or_trained(backend.unit_of_work(), ctx, session.lender_id, product_id)
    except ProductNotFoundError:
        found = []
        if text is None:
            return render(request, lang, "error", session, 404,
                          error=messages.t("portal.no_product", lang))  # fmt: skip
    listed = {p.product_id: p for p in svc.lender_products(backend.unit_of_work(), ctx,
                                                           session.lender_id)}  # fmt: skip
    active = listed[product_id].active if product_id in listed else None
    return render(
        request, lang, "product", session, status, error=error, product_id=product_id,
        versions=list(reversed(found)), active=active, trained=ctx.trained(product_id) is not None,
        text=text if text is not None else _editor_text(ctx, found, product_id), saved=saved,
        now=datetime.now(BUSINESS_TZ).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip


@router.get(f"{PATH}/products/new", response_class=HTMLResponse)
def new_product_page(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = _manager(request, chosen)
    if isinstance(session, Response):
        return session
    template = (
        f"id: {session.lender_id}_new\nlender: {session.lender_id}\nkind: business\n"
        "name: {zh: 新产品, en: New product}\namount: {min: 50000, max: 1000000}\n"
        "term_months: [6, 12]\nrate: {min: 4.0, max: 8.0}\nrepayment: [equal_instalment]\n"
        "rules:\n  - rule: enterprise_age_years >= 2\n    reason: {zh: 须成立满2年, en: at least "
        "2 years in business}\ntests:\n  - name: young\n    facts: {enterprise_age_years: 1}\n"
        "    expect: ineligible\n"
    )
    return render(request, chosen, "product", session, product_id="", versions=[], active=None,
                  trained=False, text=template, saved=None, now="")  # fmt: skip


@router.get(f"{PATH}/products/{{product_id}}", response_class=HTMLResponse)
def product_page(
    request: Request, product_id: str, lang: str | None = None, saved: int | None = None
) -> Response:
    chosen = lang_of(request, lang)
    session = _manager(request, chosen)
    if isinstance(session, Response):
        return session
    return _product_page(request, chosen, session, product_id[:64], saved=saved)


def _checked(request: Request, lang: Lang, csrf: str) -> StaffSession | Response:
    session = _manager(request, lang)
    if isinstance(session, Response):
        return session
    try:
        check_staff_csrf(session, csrf)
    except ForbiddenError:
        return render(request, lang, "error", session, 403, error=messages.t("portal.csrf", lang))
    return session


@router.post(f"{PATH}/products/drafts")
async def save_draft(
    request: Request,
    text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    product_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = _checked(request, chosen, csrf)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    try:
        draft = await run_in_threadpool(
            svc.save_draft, backend.unit_of_work(), _ctx(request), session.lender_id,
            staff_actor(session), text, note,
        )  # fmt: skip
    except LoanMatchError as error:
        return _refused(request, chosen, session, product_id, error, text)
    stored = draft.version
    url = portal_url(f"/products/{stored.product_id}", chosen) + f"&saved={stored.version}"
    return RedirectResponse(url, status_code=_SEE_OTHER)


@router.get(f"{PATH}/products/{{product_id}}/versions/{{version}}/dry-run",
            response_class=HTMLResponse)  # fmt: skip
def dry_run_page(request: Request, product_id: str, version: int, lang: str | None = None
                 ) -> Response:  # fmt: skip
    chosen = lang_of(request, lang)
    session = _manager(request, chosen)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    try:
        found = trial.dry_run(backend.unit_of_work(), _ctx(request), session.lender_id,
                              product_id[:64], version)  # fmt: skip
    except ProductNotFoundError:
        return render(request, chosen, "error", session, 404,
                      error=messages.t("portal.no_product", chosen))  # fmt: skip
    trials = [t for t in (found.current, found.trial) if t is not None]
    top = max((t.applicants for t in trials), default=0) or 1
    return render(request, chosen, "dry_run", session, run=found, version=version,
                  product_id=product_id, top=top)  # fmt: skip


async def _step(
    request: Request, lang: Lang, session: StaffSession, product_id: str,
    step: Callable[..., object], *args: object,
) -> Response:  # fmt: skip
    """Run a publication or rollback as the portal user; the product page again, with the
    refusal in it and its status, or a redirect to it."""
    backend = sessions_backend(request)
    try:
        await run_in_threadpool(
            step, backend.unit_of_work(), _ctx(request), session.lender_id,
            staff_actor(session), product_id, *args,
        )  # fmt: skip
    except LoanMatchError as error:
        return _refused(request, lang, session, product_id, error)
    return RedirectResponse(portal_url(f"/products/{product_id}", lang), status_code=_SEE_OTHER)


def _refused(
    request: Request, lang: Lang, session: StaffSession, product_id: str, error: LoanMatchError,
    text: str | None = None,
) -> Response:  # fmt: skip
    status = error.status if 400 <= error.status < 500 else 422
    return _product_page(request, lang, session, product_id, text=text,
                         error=_error_text(error, lang), status=status)  # fmt: skip


def _effective(raw: str) -> datetime | None:
    """A ``datetime-local`` value in China time (blank: now)."""
    if not raw.strip():
        return None
    return datetime.fromisoformat(raw.strip()).replace(tzinfo=BUSINESS_TZ)


@router.post(f"{PATH}/products/{{product_id}}/versions/{{version}}/publish")
async def publish(
    request: Request,
    product_id: str,
    version: int,
    effective_at: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = _checked(request, chosen, csrf)
    if isinstance(session, Response):
        return session
    product_id = product_id[:64]
    try:
        when = _effective(effective_at)
    except ValueError:
        text = messages.t("portal.bad_time", chosen, got=effective_at)
        return _product_page(request, chosen, session, product_id, error=text, status=422)
    return await _step(request, chosen, session, product_id, svc.publish, version, when)


@router.post(f"{PATH}/products/{{product_id}}/rollback")
async def rollback(
    request: Request,
    product_id: str,
    version: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    csrf: Annotated[str, Form(max_length=64)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh",
) -> Response:
    chosen = parse_lang(lang)
    session = _checked(request, chosen, csrf)
    if isinstance(session, Response):
        return session
    return await _step(request, chosen, session, product_id[:64], svc.rollback, version)
