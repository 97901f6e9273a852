"""The session steps: start a session, answer, correct, view it, note a journey event.

Each reads the session, works on a copy of its state and writes the new state, its audit entries
and its journey events in one transaction (see :mod:`loanmatch.services.intake`).
"""

from __future__ import annotations

from dataclasses import replace

from loanmatch.domain.catalog import Scalar, Text
from loanmatch.domain.credit_code import valid_credit_code
from loanmatch.domain.masking import mask_value
from loanmatch.errors import (
    AnswerError,
    AnswerFieldError,
    Location,
    NotAskableError,
    SessionConflictError,
    StaleQuestionError,
)
from loanmatch.intake.state import IntakeState
from loanmatch.lang import parse_lang
from loanmatch.services.intake.core import (
    IntakeContext,
    advance,
    audit,
    event,
    load_session,
    render_view,
    with_notice,
)
from loanmatch.services.intake.views import SessionView, question_seq, source_notice
from loanmatch.storage.records import SessionRecord
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "CONFLICT_RETRIES",
    "answer",
    "correct",
    "finish",
    "note_event",
    "start_session",
    "view",
]

CONFLICT_RETRIES = 3
"""How often an answer naming its question is tried when another request changed the session
first (each try reads the session again, so it lands on its question or is refused as stale)."""


def start_session(
    uow: UnitOfWork,
    ctx: IntakeContext,
    lang: str = "zh-CN",
    enterprise_id: str = "",
    owner_id: str = "",
    channel: str = "api",
) -> SessionView:
    """A new session, waiting for consent (or asking, when the catalog has no connector source).
    A non-blank ``enterprise_id`` must be a valid 统一社会信用代码 (:class:`CreditCodeError`
    otherwise, before anything is stored or pulled); it is kept normalised.
    Sources without a connector are ``off``: their features will be asked. ``channel`` (``api``,
    ``web``, ``terminal``, a partner's name) is kept in the ``started`` journey event."""
    for name, value in (("enterprise_id", enterprise_id), ("owner_id", owner_id)):
        if len(value) > 128:
            raise AnswerError(f"{name} is longer than 128 characters", Location(setting=name))
    code = valid_credit_code(enterprise_id) if enterprise_id.strip() else ""
    now = ctx.clock()
    state = IntakeState(enterprise_id=code, owner_id=owner_id.strip())
    record = SessionRecord(
        id=ctx.new_id(),
        lang=parse_lang(lang),
        enterprise_id=state.enterprise_id,
        owner_id=state.owner_id,
        created_at=now,
        updated_at=now,
        state=state.to_dict(),
    )
    for source in ctx.connector_sources():
        if source not in ctx.connectors:
            state.source_failed(source, "off")
            features = list(ctx.scope(source))
            record = with_notice(record, source_notice(source, "off", features, ctx.catalog))
    with uow:
        event(uow, ctx, record.id, "started", lang=record.lang, channel=channel)
        audit(uow, ctx, record, "session_started")
        record = advance(uow, ctx, record, state)
        uow.sessions.add(record)
        uow.commit()
        return render_view(uow, ctx, record)


def _feature_of(record: SessionRecord, feature: str | None, question: int | None) -> str:
    """The feature an answer is for: the one it names, or the open question's when it names
    that question's number (refused as stale when that question is no longer the open one)."""
    state = IntakeState.from_dict(record.state)
    open_ = record.question
    current = question_seq(open_, state) if open_ is not None else None
    if question is not None:
        if open_ is None or question != current:
            raise StaleQuestionError(question, current, open_["feature"] if open_ else None)
        if feature is not None and feature != open_["feature"]:
            raise AnswerFieldError(feature, Text(
                zh=f"第{question}个问题问的是另一项，请核对您回答的是哪一项。",
                en=f"Question {question} asks about another item: check which one you answer.",
            ))  # fmt: skip
        return open_["feature"]
    if feature is None:
        raise AnswerError(
            "say which question this answers: send the open question's number as 'question' "
            "(or the item as 'feature')",
            Location(setting="question"),
        )
    return feature


def _record_answer(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, feature: str | None, text: object,
    action: str, question: int | None = None,
) -> SessionView:  # fmt: skip
    with uow:
        record = load_session(uow, session_id)
        seq = question_seq(record.question, IntakeState.from_dict(record.state)) \
            if record.question is not None else None  # fmt: skip
        feature = _feature_of(record, feature, question)
        spec = ctx.catalog.get(feature)
        if spec is None or spec.derived or spec.protected:
            raise NotAskableError(feature, Text(
                zh=f"“{feature}”不是需要您填写的项目。",
                en=f"{feature!r} is not something you need to fill in.",
            ))  # fmt: skip
        state = IntakeState.from_dict(record.state)
        try:
            fact = ctx.engine.answer(state, feature, text)
        except AnswerFieldError:
            raise
        except AnswerError as error:
            raise AnswerFieldError(feature, Text(
                zh="请回答这个问题；如果不清楚，可以回答“不知道”。",
                en="Please answer the question, or say “don't know”.",
            )) from error  # fmt: skip
        audit(uow, ctx, record, action, feature=feature, value=mask_value(spec, fact.value))
        answered = seq if record.question is not None and record.question["feature"] == feature \
            else None  # fmt: skip
        event(uow, ctx, session_id, "answered", feature=feature, question=answered,
               dont_know=fact.value is None, correction=action == "corrected")  # fmt: skip
        record = uow.sessions.update(advance(uow, ctx, record, state))
        uow.commit()
        return render_view(uow, ctx, record)


def answer(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, text: object, feature: str | None = None,
    question: int | None = None,
) -> SessionView:  # fmt: skip
    """The owner's answer to the open question, named by its sequence number ``question``
    (:attr:`QuestionView.seq`), or to any ``feature``, in any order; "不知道" / "don't know"
    leaves it unknown. An answer must name one of them (an :class:`~loanmatch.errors.AnswerError`
    otherwise): one naming a question that is no longer open raises
    :class:`~loanmatch.errors.StaleQuestionError` and is never applied to the question open now.
    A bad answer raises an :class:`~loanmatch.errors.AnswerFieldError` (polite, zh and en).
    Either way nothing changes. The write is checked against the session's version, so of two
    concurrent answers to one question one wins and the other is a
    :class:`~loanmatch.errors.SessionConflictError` -- or, when it named its question, is read
    again: still open (another item changed meanwhile), it is applied; answered meanwhile, it is a
    :class:`~loanmatch.errors.StaleQuestionError`."""
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            return _record_answer(uow, ctx, session_id, feature, text, "answered", question)
        except StaleQuestionError:
            raise
        except SessionConflictError:
            if question is None or attempt == CONFLICT_RETRIES:
                raise
    raise AssertionError("unreachable")


def correct(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, feature: str, text: object
) -> SessionView:
    """The owner replaces an earlier value (their own answer or a connector's)."""
    return _record_answer(uow, ctx, session_id, feature, text, "corrected")


def finish(uow: UnitOfWork, ctx: IntakeContext, session_id: str) -> SessionView:
    """The owner stops answering: the session is done now, with the offers of what is known (the
    intake itself never ends while a question it could ask would change them). A later answer or
    correction opens the questions again. A session still waiting for consent, or already done,
    is returned as it is."""
    with uow:
        record = load_session(uow, session_id)
        if record.stage != "asking":
            return render_view(uow, ctx, record)
        state = IntakeState.from_dict(record.state)
        asked = record.question["feature"] if record.question is not None else ""
        audit(uow, ctx, record, "finished_by_owner", feature=asked)
        result = ctx.engine.result(state, record.id)
        event(uow, ctx, session_id, "recommended", offers=len(result.offers), by_owner=True)
        done = replace(record, stage="done", question=None, updated_at=ctx.clock())
        record = uow.sessions.update(done)
        uow.commit()
        return render_view(uow, ctx, record)


def view(uow: UnitOfWork, ctx: IntakeContext, session_id: str) -> SessionView:
    """The session now (read only): stage, question, known values, notices, offers when done."""
    with uow:
        return render_view(uow, ctx, load_session(uow, session_id))


def note_event(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, kind: str, **detail: Scalar | None
) -> None:
    """Log a journey event the intake does not log itself (``doubt`` with ``topic``,
    ``resumed``, ``applied`` with ``product_id``, ``abandoned`` with ``stage``, ...; see
    :mod:`loanmatch.domain.events`). ``detail`` must not hold personal values (it is not
    masked). ValueError for an unknown kind; SessionNotFoundError for an unknown session."""
    with uow:
        load_session(uow, session_id)
        event(uow, ctx, session_id, kind, **detail)
        uow.commit()
