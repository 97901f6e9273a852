"""The intake event log: one small schema for simulated journeys and real traffic alike.

Every step an owner takes is one :class:`IntakeEvent` ``(session_id, kind, at, detail)``; the
storage layer persists them with this schema and :mod:`loanmatch.journey.measures` turns any list
of them into breakpoints, completion and time to an approved offer.

Kinds and their ``detail`` keys (all optional unless said):

==================== =====================================================================
started              a session began (``channel``)
consent              a source was authorised (``source``, ``purpose``)
prefill_ok           a connector filled its features (``source``, ``features``: count)
prefill_failed       a connector failed (``source``, ``reason``: timeout|unavailable|malformed)
question_asked       the intake asked (``feature``)
answered             the owner answered (``feature``, ``dont_know``: bool)
doubt                the owner asked the assistant something (``topic``)
recommended          offers were shown (``offers``: count)
applied              the owner applied to a product (``product_id``)
decided              a lender decided (``product_id``; ``approved``: bool, required)
document_requested   a lender asked for more documents (``product_id``)
abandoned            the owner left (``stage``)
resumed              the owner came back after leaving
==================== =====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast, get_args

from loanmatch.domain.catalog import Scalar

__all__ = ["EVENT_KINDS", "EventKind", "IntakeEvent"]

EventKind = Literal[
    "started",
    "consent",
    "prefill_ok",
    "prefill_failed",
    "question_asked",
    "answered",
    "doubt",
    "recommended",
    "applied",
    "decided",
    "document_requested",
    "abandoned",
    "resumed",
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
Detail = Mapping[str, Scalar | None]


@dataclass(frozen=True)
class IntakeEvent:
    """One step of one session; ``at`` is timezone-aware."""

    session_id: str
    kind: EventKind
    at: datetime
    detail: Detail = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {EVENT_KINDS}")
        if self.at.tzinfo is None:
            raise ValueError("event time must be timezone-aware")
        if self.kind == "decided" and not isinstance(self.detail.get("approved"), bool):
            raise ValueError("a 'decided' event needs detail['approved'] as true or false")

    @property
    def approved(self) -> bool:
        return self.kind == "decided" and self.detail.get("approved") is True

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "detail": dict(self.detail),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntakeEvent:
        return cls(
            session_id=str(data["session_id"]),
            kind=cast("EventKind", data["kind"]),
            at=datetime.fromisoformat(str(data["at"])),
            detail=dict(data.get("detail") or {}),
        )
