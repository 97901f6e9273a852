"""What the chat page shows of a session's applications: their status and the lender's terms
or reasons, and the data-release ledger (which facts went to which lender, when).

:func:`applications_context` gives the template's values and :func:`track_lines` each offer's
track record (the calibration ledger's line, ``docs/ledger.md``); the forms that apply and withdraw
are :mod:`loanmatch.web.chat_apply`'s. The words are the ``chat_page`` catalog section's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from loanmatch.adapters import messages
from loanmatch.domain.applications import DECLINE_REASONS, FINAL, Application, Status
from loanmatch.domain.products import Market
from loanmatch.domain.value_text import format_money
from loanmatch.lang import Lang
from loanmatch.matching.results import ApplicantResult
from loanmatch.services import applications as apps
from loanmatch.services import ledger as ledgers
from loanmatch.web.backend import SessionsBackend

__all__ = ["ApplicationRow", "ReleaseRow", "applications_context", "track_lines"]


@dataclass(frozen=True)
class ApplicationRow:
    id: str
    product_id: str
    product: str
    lender: str
    status: str
    status_text: str
    detail: str
    """The approval's terms, the decline's reasons or the documents asked for (may be blank)."""
    withdrawable: bool


@dataclass(frozen=True)
class ReleaseRow:
    lender: str
    fields: str
    at: str


def _detail(application: Application, lang: Lang) -> str:
    last = application.history[-1] if application.history else None
    if last is None:
        return ""
    decision = last.decision
    if application.status in (Status.APPROVED, Status.DISBURSED) and decision.amount_yuan:
        rate = decision.annual_rate * 100 if decision.annual_rate is not None else 0.0
        method = messages.lookup(f"portal.method_{decision.repayment_method}", lang) or ""
        return messages.t(
            "chat_page.app_terms", lang, amount=format_money(decision.amount_yuan, lang),
            rate=f"{rate:.2f}", term=decision.term_months or "", method=method,
        )  # fmt: skip
    if application.status is Status.DECLINED and decision.reasons:
        words = [DECLINE_REASONS[r].get(lang) for r in decision.reasons if r in DECLINE_REASONS]
        return messages.t("chat_page.app_reasons", lang, reasons="；".join(words))
    if application.status is Status.DOCUMENTS_REQUESTED and decision.documents:
        return messages.t("chat_page.app_documents", lang, documents="、".join(decision.documents))
    return ""


def applications_context(backend: SessionsBackend, session_id: str, lang: Lang) -> dict[str, Any]:
    """The template's ``applications``, ``releases``, ``applied`` (product ids applied to, in
    any state) and ``apply_key`` (a fresh idempotency key: one form, one click)."""
    market: Market | None = backend.market
    if market is None:
        return {"applications": [], "releases": [], "applied": set(), "apply_key": ""}
    products = {p.id: p for p in market.products}
    catalog = market.catalog
    mine = apps.owner_applications(backend.unit_of_work(), session_id)
    rows = []
    for a in mine:
        product = products.get(a.product_id)
        rows.append(
            ApplicationRow(
                id=a.id, product_id=a.product_id,
                product=product.display(lang) if product else a.product_id,
                lender=product.lender_display(lang) if product else a.lender_id,
                status=a.status.value,
                status_text=messages.t(f"portal.status_{a.status.value}", lang),
                detail=_detail(a, lang),
                withdrawable=a.status not in FINAL,
            )
        )  # fmt: skip
    lenders = {p.lender: p.lender_display(lang) for p in market.products}
    releases = [
        ReleaseRow(
            lender=lenders.get(r.lender_id, r.lender_id),
            fields="、".join(
                (catalog[f].label.get(lang) or f) if f in catalog else f for f in r.fields
            ),
            at=r.at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        for r in apps.owner_releases(backend.unit_of_work(), session_id)
    ]
    applied = {a.product_id for a in mine}  # one application per product and session
    return {
        "applications": rows, "releases": releases, "applied": applied,
        "apply_key": secrets.token_urlsafe(16),
    }  # fmt: skip


def track_lines(
    backend: SessionsBackend, result: ApplicantResult | None, lang: Lang
) -> dict[str, str]:
    """Product id -> the sentence under its offer: of the owners told the same figure or more
    over the last 90 days, how many were approved; or that there are too few decisions yet."""
    if result is None or not result.offers:
        return {}
    summary = ledgers.owner_summary(backend.unit_of_work(), backend.context.clock())
    lines = {}
    for offer in result.offers:
        line = summary.line(offer.p_approve, offer.band.low if offer.band is not None else None)
        if line.enough:
            lines[offer.product.id] = messages.t(
                "chat_page.track_record", lang, floor=line.floor, days=line.days,
                share=line.share, n=line.decisions,
            )  # fmt: skip
        else:
            lines[offer.product.id] = messages.t(
                "chat_page.track_record_few", lang, floor=line.floor, days=line.days,
                minimum=line.minimum, n=line.decisions,
            )  # fmt: skip
    return lines
