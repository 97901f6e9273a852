"""Applications and decisions: the owner applies to offers, the lender decides (issue 12).

Plain functions over a :class:`~loanmatch.storage.unit_of_work.UnitOfWork`, each one
transaction: a refused step writes nothing.

- :func:`apply`: from a finished intake session, one application per chosen product. Only
  products the session's result offers, at most the policy's ``max_offers`` (the result's)
  open applications per session (each is a hard credit inquiry), one application per
  product, and an idempotency key: the same request again returns the same applications and
  writes nothing. Only now are the
  owner's facts released to each lender, and the data-release ledger records which facts went
  to whom, when, under which consents (protected attributes are never released). Each
  application records what was predicted for its offer (model, P(approve), threshold, band,
  propensity: ``services/predictions.py``).
  A product with ``capacity_per_day`` takes at most that many applications a day (China
  time); a full day refuses with ``capacity``, counted atomically so racing requests never pass
  it.
- :func:`owner_act`: the owner withdraws or provides requested documents.
- :func:`inbox`, :func:`lender_application`, :func:`decide`: a lender sees and decides only
  its own applications; another lender's id answers as an unknown one (404).

Every change is a transition of :mod:`loanmatch.domain.applications` and lands in the audit log
with its real actor (``owner`` or ``lender:<lender>/<key id>``); what the owner does is also an
event for the lender's webhook, in the same transaction (:mod:`loanmatch.services.webhooks`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from loanmatch.domain.applications import Action, Application, Decision, Status, transition
from loanmatch.domain.catalog import Scalar
from loanmatch.domain.masking import mask_id_number
from loanmatch.domain.products import Market, Product
from loanmatch.errors import ApplicationNotFoundError, ApplyRefusedError
from loanmatch.intake.state import IntakeState
from loanmatch.services.capacity import business_day
from loanmatch.services.floors import note_decision, note_offers, offered
from loanmatch.services.holds import check_lender
from loanmatch.services.intake.consent import readable_facts
from loanmatch.services.intake.core import IntakeContext, event, load_session
from loanmatch.services.predictions import model_of, prediction_of
from loanmatch.services.webhooks import notify_application
from loanmatch.storage.records import AuditEntry, DataRelease, SessionRecord
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "ENTERPRISE_FIELD",
    "ApplicationsContext",
    "Applied",
    "LenderView",
    "apply",
    "decide",
    "inbox",
    "lender_application",
    "owner_act",
    "owner_applications",
    "owner_releases",
]

MAX_KEY = 128
ENTERPRISE_FIELD = "enterprise_id"
"""The ledger's name for the applying enterprise's 统一社会信用代码, released with every
application (the lender must know whom it lends to; an owner's id is never released)."""


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ApplicationsContext:
    """The intake context (engine, clock, ids) and the market whose products are applied to."""

    intake: IntakeContext
    market: Market
    new_id: Callable[[], str] = _new_id
    """Application ids: random, so that knowing one says nothing of another."""

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.intake.clock


@dataclass(frozen=True)
class Applied:
    """What :func:`apply` did: the applications, and whether this request made them
    (False: the same idempotency key had made them before)."""

    applications: list[Application]
    created: bool


@dataclass(frozen=True)
class LenderView:
    """What a lender sees of one of its applications: the application, the facts released
    to it and the applying enterprise's 统一社会信用代码 (nothing else of the session; no owner
    id). Once the owner erased the session, neither facts nor code are served."""

    application: Application
    facts: dict[str, Scalar]
    enterprise_id: str = ""


def _audit(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    actor: str,
    action: str,
    application: Application,
    record: SessionRecord | None = None,
    detail: dict[str, str] | None = None,
) -> None:
    extra = {"owner": mask_id_number(record.owner_id)} if record is not None else {}
    uow.audit.append(
        AuditEntry(
            at=ctx.clock(),
            actor=actor,
            action=action,
            subject=application.id,
            session_id=application.session_id,
            detail={
                **extra,
                "product": application.product_id,
                "lender": application.lender_id,
                "status": application.status.value,
                **(detail or {}),
            },
        )
    )


def _take_capacity(uow: UnitOfWork, product: Product, at: datetime) -> None:
    """Count the application against the product's capacity of the day (UTC+8, the lenders'
    business day), or refuse it when the day is full."""
    if product.capacity_per_day is None:
        return
    day = business_day(at)
    if not uow.capacity.take(product.id, day, product.capacity_per_day):
        raise ApplyRefusedError(
            "capacity",
            f"{product.id} takes at most {product.capacity_per_day} applications a day; "
            f"today's are taken",
            zh=f"{product.display('zh')}今日申请已满，请明天再申请或选择其他产品",
        )


def _released(ctx: ApplicationsContext, state: IntakeState) -> dict[str, Scalar]:
    """The facts an application releases: every known one but protected attributes."""
    catalog = ctx.intake.catalog
    return {
        name: value
        for name, value in state.known().items()
        if (spec := catalog.get(name)) is not None and not spec.protected and not spec.derived
    }


def _consents_behind(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    record: SessionRecord,
    state: IntakeState,
    released: Collection[str],
) -> tuple[int, ...]:
    """Ids of the active consents of the sources the ``released`` facts were pulled from."""
    sources = {
        fact.source
        for name, fact in state.facts.items()
        if fact.provenance == "connector" and fact.source and name in released
    }
    now = ctx.clock()
    return tuple(
        c.id
        for c in uow.consents.for_session(record.id)
        if c.id is not None and c.consent.source in sources and c.consent.status(now) == "active"
    )


def apply(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    session_id: str,
    product_ids: Sequence[str],
    idempotency_key: str,
) -> Applied:
    """Apply to ``product_ids`` from the session's offers (see the module docstring). Two
    requests with one key racing: the loser's insert meets the unique constraint, or (when the
    winner took a product's last place of the day while the loser waited for it) the loser
    finds the day full; either way it answers with the winner's applications."""
    try:
        return _apply(uow, ctx, session_id, product_ids, idempotency_key)
    except ApplyRefusedError as refused:
        if refused.rule not in ("already_applied", "capacity"):
            raise
        with uow:
            existing = uow.applications.for_session(session_id)
        repeat = _repeat(existing, list(dict.fromkeys(product_ids)), idempotency_key)
        if repeat is None:
            raise
        return repeat


def _repeat(
    existing: Sequence[Application], wanted: list[str], idempotency_key: str
) -> Applied | None:
    """The applications an earlier request with this key made (in ``wanted``'s order), None
    when there are none; refused when that request named other products."""
    same_key = [a for a in existing if a.idempotency_key == idempotency_key]
    if not same_key:
        return None
    if sorted(a.product_id for a in same_key) != sorted(wanted):
        raise ApplyRefusedError(
            "idempotency_mismatch",
            f"idempotency key {idempotency_key!r} was used for other products",
        )
    return Applied(sorted(same_key, key=lambda a: wanted.index(a.product_id)), created=False)


def _apply(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    session_id: str,
    product_ids: Sequence[str],
    idempotency_key: str,
) -> Applied:
    if not idempotency_key or len(idempotency_key) > MAX_KEY:
        raise ApplyRefusedError(
            "idempotency_key",
            f"an idempotency key of 1-{MAX_KEY} characters is needed, "
            f"got {len(idempotency_key)} characters",
        )
    wanted = list(dict.fromkeys(product_ids))
    if not wanted:
        raise ApplyRefusedError("no_products", "name at least one offered product to apply to")
    with uow:
        record = load_session(uow, session_id)
        existing = list(uow.applications.for_session(session_id))
        repeat = _repeat(existing, wanted, idempotency_key)
        if repeat is not None:
            return repeat
        if record.stage != "done":
            raise ApplyRefusedError(
                "not_done", "the intake has not finished: answer its questions first",
                zh="还有问题没有回答完，请先完成问答",
            )  # fmt: skip
        state = IntakeState.from_dict(record.state)
        result = ctx.intake.engine.result(state, record.id)
        goals = ctx.intake.engine.lender_goals(result.model_id)
        result = offered(uow, result, goals)
        shown = {offer.product.id for offer in result.offers}
        missing = [p for p in wanted if p not in shown]
        if missing:
            raise ApplyRefusedError(
                "not_offered", f"not among this session's offers: {', '.join(missing)}",
                zh="只能申请为您推荐的产品",
            )  # fmt: skip
        open_ = [a for a in existing if not a.final]
        budget = result.max_offers
        if len(open_) + len(wanted) > budget:
            raise ApplyRefusedError(
                "budget",
                f"at most {budget} open applications per session (each is a credit "
                f"inquiry); {len(open_)} open, {len(wanted)} asked",
                zh=f"每次最多同时申请{budget}个产品（每次申请都会查询征信）",
            )
        facts = _released(ctx, state)
        consents = _consents_behind(uow, ctx, record, state, facts)
        now = ctx.clock()
        made = []
        for product_id in wanted:
            product = ctx.market.products[ctx.market.index_of(product_id)]
            _take_capacity(uow, product, now)
            application = Application(
                id=ctx.new_id(),
                session_id=session_id,
                product_id=product_id,
                lender_id=product.lender,
                submitted_at=now,
                idempotency_key=idempotency_key,
                prediction=prediction_of(result, product_id),
            )
            uow.applications.add(application)
            fields = tuple(sorted({*facts, ENTERPRISE_FIELD}))
            uow.releases.append(
                DataRelease(application.id, session_id, product.lender, fields, consents, now)
            )
            _audit(uow, ctx, ctx.intake.actor, "application.submitted", application, record,
                   {"released": str(len(facts))})  # fmt: skip
            notify_application(uow, application, "application.submitted", now)
            event(uow, ctx.intake, session_id, "applied", product_id=product_id)
            made.append(application)
        note_offers(uow, [a.lender_id for a in made], model_of(result), goals, now)
        uow.commit()
        return Applied(made, created=True)


def owner_applications(uow: UnitOfWork, session_id: str) -> list[Application]:
    with uow:
        load_session(uow, session_id)
        return list(uow.applications.for_session(session_id))


def owner_releases(uow: UnitOfWork, session_id: str) -> list[DataRelease]:
    """The session's data-release ledger: what went to which lender, when, under which consent."""
    with uow:
        load_session(uow, session_id)
        return list(uow.releases.for_session(session_id))


def _owned(uow: UnitOfWork, session_id: str, application_id: str) -> Application:
    application = uow.applications.get(application_id)
    if application is None or application.session_id != session_id:
        raise ApplicationNotFoundError(application_id)
    return application


def owner_act(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    session_id: str,
    application_id: str,
    action: Action,
    note: str = "",
) -> Application:
    """The owner's own transitions: ``withdraw`` or ``provide_documents``."""
    with uow:
        record = load_session(uow, session_id)
        current = _owned(uow, session_id, application_id)
        changed = transition(current, action, "owner", ctx.intake.actor, ctx.clock(),
                             Decision(note=note))  # fmt: skip
        stored = uow.applications.update(changed)
        _audit(uow, ctx, ctx.intake.actor, f"application.{action}", stored, record)
        notify_application(uow, stored, f"application.{action}", ctx.clock())
        uow.commit()
        return stored


def inbox(uow: UnitOfWork, lender_id: str, status: Status | None = None) -> list[Application]:
    """The lender's own applications (of one status, or all), oldest first."""
    with uow:
        return list(
            uow.applications.for_lender(lender_id, None if status is None else status.value)
        )


def _lenders(uow: UnitOfWork, lender_id: str, application_id: str) -> Application:
    application = uow.applications.get(application_id)
    if application is None or application.lender_id != lender_id:
        raise ApplicationNotFoundError(application_id)
    return application


def lender_application(
    uow: UnitOfWork, lender_id: str, application_id: str, at: datetime | None = None
) -> LenderView:
    """One of the lender's applications and the facts released to it for that application.
    With ``at``, a fact a source gave is left out unless a consent of that source is valid at
    ``at``: data pulled under a consent become unreadable once it expires or is revoked, even
    before ``loanmatch db purge`` removes them."""
    with uow:
        application = _lenders(uow, lender_id, application_id)
        record = uow.sessions.get(application.session_id)
        if record is None:
            return LenderView(application, {})
        released = [r for r in uow.releases.for_session(record.id)
                    if r.application_id == application.id]  # fmt: skip
        names = set(released[0].fields) if released else set()
        state = IntakeState.from_dict(record.state)
        if at is not None:
            readable = readable_facts(uow, record.id, state, at)
            names -= set(state.facts) - set(readable)
        known = state.known()  # empty once the owner erased it
        enterprise = record.enterprise_id if ENTERPRISE_FIELD in names and known else ""
        return LenderView(application, {k: v for k, v in known.items() if k in names}, enterprise)


def decide(
    uow: UnitOfWork,
    ctx: ApplicationsContext,
    lender_id: str,
    actor: str,
    application_id: str,
    action: Action,
    decision: Decision,
) -> Application:
    """The lender's transition (approve, decline, request documents, disburse) on one of its
    own applications; ``actor`` is who acted (``lender:<lender>/<key id>``)."""
    with uow:
        current = _lenders(uow, lender_id, application_id)
        changed = transition(current, action, "lender", actor, ctx.clock(), decision)
        stored = uow.applications.update(changed)
        detail = {"reasons": ",".join(decision.reasons)} if decision.reasons else {}
        _audit(uow, ctx, actor, f"application.{action}", stored, detail=detail)
        if action in ("approve", "decline"):
            event(uow, ctx.intake, stored.session_id, "decided", product_id=stored.product_id,
                  approved=action == "approve")  # fmt: skip
            check_lender(uow, stored, ctx.clock())
            model = stored.prediction.model_id if stored.prediction else ""
            note_decision(uow, stored, ctx.intake.engine.lender_goals(model), ctx.clock())
        elif action == "request_documents":
            event(uow, ctx.intake, stored.session_id, "document_requested",
                  product_id=stored.product_id)  # fmt: skip
        uow.commit()
        return stored
