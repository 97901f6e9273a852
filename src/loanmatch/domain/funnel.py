"""A lender's funnel: how its applications move, per product (issue 12, the portal's plots).

Pure counting over :class:`~loanmatch.domain.applications.Application` values: how many were
submitted, are waiting, were approved, declined, withdrawn, disbursed; the approval rate among
the decided ones (approved or later disbursed, over approved + disbursed + declined); the median
hours from submission to the first decision; and how often each decline reason was given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

from loanmatch.domain.applications import Application, Status

__all__ = ["Funnel", "FunnelRow", "funnel"]

_DECIDING = ("approve", "decline")
_WAITING = (Status.SUBMITTED, Status.DOCUMENTS_REQUESTED)


@dataclass(frozen=True)
class FunnelRow:
    """One product's (or the total's) counts."""

    key: str
    submitted: int = 0
    waiting: int = 0
    approved: int = 0
    declined: int = 0
    withdrawn: int = 0
    disbursed: int = 0
    hours_to_decision: float | None = None
    """Median hours from submission to approval or decline (None: nothing decided yet)."""

    @property
    def decided(self) -> int:
        return self.approved + self.disbursed + self.declined

    @property
    def approval_rate(self) -> float | None:
        """Approved (including disbursed) among the decided; None before any decision."""
        return (self.approved + self.disbursed) / self.decided if self.decided else None


@dataclass(frozen=True)
class Funnel:
    total: FunnelRow
    products: tuple[FunnelRow, ...]
    reasons: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    """Decline reason codes with how often each was given, most frequent first."""


def _hours(application: Application) -> float | None:
    for step in application.history:
        if step.action in _DECIDING:
            return (step.at - application.submitted_at).total_seconds() / 3600
    return None


def _row(key: str, applications: Sequence[Application]) -> FunnelRow:
    status = Counter(a.status for a in applications)
    hours = [h for h in (_hours(a) for a in applications) if h is not None]
    return FunnelRow(
        key=key,
        submitted=len(applications),
        waiting=sum(status[s] for s in _WAITING),
        approved=status[Status.APPROVED],
        declined=status[Status.DECLINED],
        withdrawn=status[Status.WITHDRAWN],
        disbursed=status[Status.DISBURSED],
        hours_to_decision=median(hours) if hours else None,
    )


def funnel(applications: Iterable[Application]) -> Funnel:
    """The funnel of ``applications`` (one lender's), products in id order."""
    every = list(applications)
    by_product: dict[str, list[Application]] = {}
    for application in every:
        by_product.setdefault(application.product_id, []).append(application)
    reasons: Counter[str] = Counter()
    for application in every:
        for step in application.history:
            if step.action == "decline":
                reasons.update(step.decision.reasons)
    return Funnel(
        total=_row("total", every),
        products=tuple(_row(k, by_product[k]) for k in sorted(by_product)),
        reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
