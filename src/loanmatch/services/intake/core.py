"""What the intake use cases share: the context, the errors, and the steps every use case takes
(load a session, audit, log a journey event, choose the next question, build the view).

Audit entries never hold a personal value unmasked (:mod:`loanmatch.domain.masking`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol, cast

from loanmatch.connectors.base import Connector, pullable_features
from loanmatch.domain.catalog import Catalog, Scalar
from loanmatch.domain.events import EVENT_KINDS, EventKind, IntakeEvent
from loanmatch.domain.masking import mask_id_number
from loanmatch.errors import SessionNotFoundError
from loanmatch.intake.engine import Question
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.results import ApplicantResult
from loanmatch.services.capacity import without_full
from loanmatch.services.floors import offered
from loanmatch.services.intake.views import SessionView, build_view, question_seq
from loanmatch.services.predictions import model_of
from loanmatch.storage.records import AuditEntry, Notice, SessionRecord
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "DEFAULT_CONSENT_DAYS",
    "DEFAULT_PURPOSE",
    "EVENT_KINDS",
    "IntakeContext",
    "QuestionEngine",
    "advance",
    "audit",
    "event",
    "load_session",
    "question_seq",
    "render_view",
    "with_notice",
]

logger = logging.getLogger(__name__)

DEFAULT_PURPOSE = "贷款产品匹配 / loan product matching"
DEFAULT_CONSENT_DAYS = 30


class QuestionEngine(Protocol):
    """What the use cases need of the adaptive engine
    (:class:`loanmatch.intake.engine.IntakeEngine`)."""

    @property
    def catalog(self) -> Catalog: ...

    def answer(self, state: IntakeState, feature: str, raw: object) -> Fact: ...

    def next_question(self, state: IntakeState) -> Question | None: ...

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult: ...

    def lender_goals(self, model_id: str) -> Mapping[str, float]: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class IntakeContext:
    """What the use cases need besides storage."""

    engine: QuestionEngine
    connectors: Mapping[str, Connector] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now
    new_id: Callable[[], str] = _new_id
    timeout_s: float = 10.0
    """Seconds each connector may take before its features are asked instead."""
    actor: str = "owner"
    """Who the audit log says acted (the owner through the intake)."""

    @property
    def catalog(self) -> Catalog:
        return self.engine.catalog

    def scope(self, source: str) -> tuple[str, ...]:
        """The features a consent to ``source`` covers: those the catalog assigns to it, less
        protected attributes (never pulled: data minimisation) and derived ones."""
        return pullable_features(self.catalog, source)

    def connector_sources(self) -> tuple[str, ...]:
        """Catalog sources that a connector may fill (not ``ask``, not ``derived``)."""
        used = dict.fromkeys(f.source for f in self.catalog.features)
        return tuple(s for s in used if s not in ("ask", "derived"))


def load_session(uow: UnitOfWork, session_id: str) -> SessionRecord:
    """The session; 404 when there is none or it was erased (``services/intake/erase.py``)."""
    record = uow.sessions.get(session_id)
    if record is None or record.stage == "erased":
        raise SessionNotFoundError(session_id)
    return record


def audit(
    uow: UnitOfWork, ctx: IntakeContext, record: SessionRecord, action: str, **detail: str
) -> None:
    uow.audit.append(
        AuditEntry(
            at=ctx.clock(),
            actor=ctx.actor,
            action=action,
            subject=record.enterprise_id,
            session_id=record.id,
            detail={"owner": mask_id_number(record.owner_id), **detail},
        )
    )


def event(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, kind: str, **detail: Scalar | None
) -> None:
    """Append a journey event (schema: :mod:`loanmatch.domain.events`); ValueError for a kind
    outside :data:`EVENT_KINDS`."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown journey event kind {kind!r}; expected one of {EVENT_KINDS}")
    at = ctx.clock()
    uow.events.append(IntakeEvent(session_id, cast("EventKind", kind), at, detail))


def advance(
    uow: UnitOfWork, ctx: IntakeContext, record: SessionRecord, state: IntakeState
) -> SessionRecord:
    """The record with ``state`` and the next question (or done), logging what changed."""
    pending = [s for s in ctx.connector_sources() if s not in state.sources]
    question: dict[str, str] | None = None
    stage = "consent" if pending else "asking"
    if not pending:
        asked = ctx.engine.next_question(state)
        if asked is None:
            stage = "done"
        else:
            if record.question is None or record.question["feature"] != asked.feature.name:
                state.note_asked(asked.feature.name)
                seq = len(state.asked)
                event(uow, ctx, record.id, "question_asked", feature=asked.feature.name,
                      question=seq)  # fmt: skip
            else:
                seq = question_seq(record.question, state)
            question = {
                "feature": asked.feature.name, "hint_zh": asked.why.zh, "hint_en": asked.why.en,
                "seq": str(seq),
            }  # fmt: skip
    if stage == "done" and record.stage != "done":
        result = ctx.engine.result(state, record.id)
        goals = ctx.engine.lender_goals(result.model_id)
        result = offered(uow, without_full(uow, result, ctx.clock()), goals)
        event(uow, ctx, record.id, "recommended", offers=len(result.offers),
              model=model_of(result))  # fmt: skip
    return replace(
        record, state=state.to_dict(), stage=stage, question=question, updated_at=ctx.clock()
    )


def render_view(uow: UnitOfWork, ctx: IntakeContext, record: SessionRecord) -> SessionView:
    result = None
    if record.stage == "done":
        result = ctx.engine.result(IntakeState.from_dict(record.state), record.id)
        goals = ctx.engine.lender_goals(result.model_id)
        result = offered(uow, without_full(uow, result, ctx.clock()), goals)
    consents = uow.consents.for_session(record.id)
    return build_view(ctx.catalog, record, consents, ctx.clock(), result)


def with_notice(record: SessionRecord, notice: Notice) -> SessionRecord:
    kept = tuple(n for n in record.notices if n.source != notice.source or notice.source is None)
    return replace(record, notices=(*kept, notice))
