"""The operator console (issue 13): the platform's funnel, its lenders' reliability and the
audit log, for portal users with the ``operator`` role (``loanmatch operator add``).

They sign in at ``/lender/login`` like lender staff and land here. Every page is
``templates/console.html`` with the ``console`` section of the message catalogs (zh-CN by
default, ``?lang=en``); the plots are inline SVG drawn on the server. Anyone else signed in
gets 403; nobody signed in goes to the sign-in page.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loanmatch.adapters import messages
from loanmatch.domain.ledger import LEDGER_CONFIDENCE
from loanmatch.lang import Lang, short_code
from loanmatch.services import ledger as ledgers
from loanmatch.services import operations as ops
from loanmatch.services.capacity import BUSINESS_TZ
from loanmatch.services.evaluation.fairness import REPORT_FILE as FAIRNESS_FILE
from loanmatch.storage.records import StaffSession
from loanmatch.web.backend import sessions_backend
from loanmatch.web.chat_api import root_of
from loanmatch.web.chat_start import templates
from loanmatch.web.portal import lang_of, portal_url
from loanmatch.web.portal_ledger import Days, calibration_plot
from loanmatch.web.staff_auth import page_staff

__all__ = ["CONSOLE", "operator_session", "render_console", "router"]

CONSOLE = "/operator"
_WEB = Path(str(resources.files("loanmatch") / "web"))
_SEE_OTHER = 303
router = APIRouter(include_in_schema=False)


def operator_session(request: Request, lang: Lang) -> StaffSession | Response:
    """The signed-in operator, or the page to answer with instead (sign-in, or 403)."""
    session = page_staff(request)
    if session is None:
        return RedirectResponse(portal_url("/login", lang), status_code=_SEE_OTHER)
    if session.role != "operator":
        return render_console(request, lang, "error", session, 403,
                       error=messages.t("console.operators_only", lang))  # fmt: skip
    return session


def render_console(
    request: Request, lang: Lang, page: str, session: StaffSession, status: int = 200,
    **values: Any,
) -> Response:  # fmt: skip
    """``page`` of ``templates/console.html`` with ``values``."""
    context: dict[str, Any] = {
        "t": messages.section("console", lang),
        "html_lang": lang,
        "lang": short_code(lang),
        "other_lang": "en" if lang == "zh-CN" else "zh",
        "css": (_WEB / "static" / "style.css").read_text(encoding="utf-8"),
        "page": page,
        "here": request.url.path,
        "staff": session,
        "csrf": session.csrf,
        "error": "",
        "tz": BUSINESS_TZ,
        **values,
    }
    return templates().TemplateResponse(request, "console.html", context, status_code=status)


def _bars(counts: dict[str, int], labels: dict[str, str]) -> list[dict[str, Any]]:
    top = max(counts.values(), default=0) or 1
    return [{"label": labels[k], "value": counts[k], "width": round(400 * counts[k] / top, 1)}
            for k in counts]  # fmt: skip


@router.get(CONSOLE, response_class=HTMLResponse)
def overview(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    found = ops.platform_funnel(sessions_backend(request).unit_of_work())
    t = messages.section("console", chosen)
    labels = {k: t[f"stage_{k}"] for k in ops.STAGES}
    return render_console(request, chosen, "overview", session, funnel=found,
                   bars=_bars(found.counts, labels))  # fmt: skip


@router.get(f"{CONSOLE}/lenders", response_class=HTMLResponse)
def lenders(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    market = backend.market
    ids = list(market.lenders) if market is not None else []
    names = {p.lender: p.lender_display(chosen) for p in (market.products if market else ())}
    rows = ops.lender_rows(backend.unit_of_work(), ids)
    top = max((r.row.submitted for r in rows), default=0) or 1
    return render_console(request, chosen, "lenders", session, rows=rows, names=names, top=top)


def _fairness_report(request: Request) -> dict[str, Any] | None:
    """The last ``loanmatch fairness`` report of the data directory (None: none yet)."""
    root = root_of(request)
    if root is None:
        return None
    path = root.settings.data_dir / FAIRNESS_FILE
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) and "audit" in loaded else None


@router.get(f"{CONSOLE}/fairness", response_class=HTMLResponse)
def fairness(request: Request, lang: str | None = None) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    return render_console(request, chosen, "fairness", session, report=_fairness_report(request))


@router.get(f"{CONSOLE}/ledger", response_class=HTMLResponse)
def ledger(request: Request, lang: str | None = None, days: Days = 90) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    backend = sessions_backend(request)
    found = ledgers.lender_ledger(backend.unit_of_work(), backend.context.clock(), days)
    market = backend.market
    names = {p.lender: p.lender_display(chosen) for p in (market.products if market else ())}
    alarms = {a.lender: a for a in found.alarms}
    caption = messages.t("console.ledger_caption", chosen, n=found.overall.decisions, days=days,
                         confidence=round(LEDGER_CONFIDENCE * 100))  # fmt: skip
    return render_console(request, chosen, "ledger", session, ledger=found, alarms=alarms,
                   plot=calibration_plot(found.bands), caption=caption, names=names,
                   days=days)  # fmt: skip


@router.get(f"{CONSOLE}/audit", response_class=HTMLResponse)
def audit(
    request: Request, lang: str | None = None, q: str = "", since: str = "", until: str = ""
) -> Response:
    chosen = lang_of(request, lang)
    session = operator_session(request, chosen)
    if isinstance(session, Response):
        return session
    query = ops.AuditQuery(q[:200], ops.parse_day(since[:10]), ops.parse_day(until[:10]))
    entries, total = ops.search_audit(sessions_backend(request).unit_of_work(), query)
    return render_console(request, chosen, "audit", session, entries=entries, total=total,
                   q=q[:200], since=since[:10], until=until[:10])  # fmt: skip
