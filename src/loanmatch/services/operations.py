"""What the operator console shows (issue 13): the platform's funnel from real journey events,
each lender's reliability, and the audit log searched.

Plain functions over the unit of work; the pages are :mod:`loanmatch.web.console`'s.

- **Funnel.** Sessions counted at each stage they reached, from the journey events every step
  writes (``domain/events.py``): started, gave a consent, were shown offers, applied, heard a
  decision, were approved. Beside it the journey measures of :mod:`loanmatch.journey.measures`
  on the same events: breakpoints per completed loan and the hours to an approved offer.
- **Lenders.** Per lender, from its applications: received, decided, the approval rate among
  the decided, the median hours to a decision, and the funded rate (disbursed among approved).
- **Audit.** The newest entries first, filtered by words in the action, actor or subject and by
  a date range; the entries hold masked values only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from loanmatch.domain.funnel import FunnelRow, funnel
from loanmatch.journey.measures import JourneyMeasures, measure_events
from loanmatch.services.capacity import BUSINESS_TZ
from loanmatch.storage.records import AuditEntry
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "STAGES",
    "AuditQuery",
    "LenderRow",
    "PlatformFunnel",
    "lender_rows",
    "platform_funnel",
    "search_audit",
]

STAGES = ("started", "consented", "recommended", "applied", "decided", "approved")
"""The funnel's stages, in order (their words are ``console.stage_<stage>``)."""
MAX_AUDIT = 200


@dataclass(frozen=True)
class PlatformFunnel:
    counts: dict[str, int]
    """Sessions that reached each stage of :data:`STAGES`."""
    measures: JourneyMeasures


def platform_funnel(uow: UnitOfWork) -> PlatformFunnel:
    """The funnel over every session's journey events."""
    with uow:
        events = list(uow.events.events())
    reached: dict[str, set[str]] = {stage: set() for stage in STAGES}
    for e in events:
        stage = {"started": "started", "consent": "consented", "applied": "applied",
                 "decided": "decided"}.get(e.kind)  # fmt: skip
        if e.kind == "recommended" and (e.detail.get("offers") or 0):
            stage = "recommended"
        if stage is not None:
            reached[stage].add(e.session_id)
        if e.approved:
            reached["approved"].add(e.session_id)
    return PlatformFunnel({k: len(v) for k, v in reached.items()}, measure_events(events))


@dataclass(frozen=True)
class LenderRow:
    lender_id: str
    row: FunnelRow

    @property
    def funded_rate(self) -> float | None:
        """Disbursed among approved (None before any approval)."""
        approved = self.row.approved + self.row.disbursed
        return self.row.disbursed / approved if approved else None


def lender_rows(uow: UnitOfWork, lenders: Sequence[str]) -> list[LenderRow]:
    """Each lender's reliability, in ``lenders``' order."""
    rows = []
    for lender in lenders:
        with uow:
            mine = list(uow.applications.for_lender(lender))
        rows.append(LenderRow(lender, funnel(mine).total))
    return rows


@dataclass(frozen=True)
class AuditQuery:
    words: str = ""
    """Words that must all appear in the action, actor or subject (case-insensitive)."""
    since: date | None = None
    until: date | None = None
    """Inclusive days, China time (the console shows times there)."""


def _matches(entry: AuditEntry, query: AuditQuery) -> bool:
    text = f"{entry.action} {entry.actor} {entry.subject}".lower()
    if not all(w in text for w in query.words.lower().split()):
        return False
    day = entry.at.astimezone(BUSINESS_TZ).date()
    if query.since is not None and day < query.since:
        return False
    return query.until is None or day <= query.until


def search_audit(uow: UnitOfWork, query: AuditQuery) -> tuple[list[AuditEntry], int]:
    """The newest :data:`MAX_AUDIT` entries matching ``query``, and how many match in all."""
    with uow:
        entries = list(uow.audit.entries())
    found = [e for e in reversed(entries) if _matches(e, query)]
    return found[:MAX_AUDIT], len(found)


def parse_day(raw: str) -> date | None:
    """A ``YYYY-MM-DD`` form field (blank or unreadable: None)."""
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d").date() if raw.strip() else None
    except ValueError:
        return None
