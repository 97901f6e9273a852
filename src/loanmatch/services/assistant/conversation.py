"""The guiding assistant (7x24 智能客服): a chat that drives the intake and answers doubts.

:func:`chat` takes one message of the owner. An answer to the open question goes to
:func:`loanmatch.services.intake.answer` (or, while consent is pending, "同意" / "no" goes to
:func:`~loanmatch.services.intake.grant_consent`); a doubt is answered from the knowledge base,
with the session's context, and the current question is asked again: the session is not touched,
so no state is lost. A bad answer changes nothing either (the intake's guarantee): the assistant
says why, politely, and asks again. An optional language model (off by default) may rephrase a
knowledge-base answer or answer what retrieval did not find, grounded on the nearest entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from loanmatch.adapters import messages
from loanmatch.assistant.dialogue import (
    DOUBT_THRESHOLD,
    MAX_MESSAGE_CHARS,
    Route,
    RouteKind,
    answer_text,
    route,
)
from loanmatch.assistant.knowledge import Entry
from loanmatch.assistant.llm import LlmProvider
from loanmatch.assistant.replies import compose
from loanmatch.assistant.retrieval import Retriever, default_retriever
from loanmatch.errors import AnswerError, AnswerFieldError, StaleQuestionError
from loanmatch.lang import Lang, parse_lang
from loanmatch.services import intake
from loanmatch.services.assistant.texts import facts_of, prompt
from loanmatch.services.intake import IntakeContext, SessionView
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["Assistant", "ChatTurn", "chat", "opening", "start_chat"]

logger = logging.getLogger(__name__)

_SUGGEST_MIN = 0.05


@dataclass(frozen=True)
class Assistant:
    """What a chat needs: storage, the intake context, retrieval and (optionally) a model."""

    unit_of_work: Callable[[], UnitOfWork]
    context: IntakeContext
    retriever: Retriever = field(default_factory=default_retriever)
    llm: LlmProvider | None = None
    threshold: float = DOUBT_THRESHOLD
    detailed_results: bool = True
    """Offers in full in the replies (terminal, API); False where a page shows them beside."""

    @property
    def sources(self) -> tuple[str, ...]:
        return self.context.connector_sources()


@dataclass(frozen=True)
class ChatTurn:
    """The assistant's replies to one message, and the session after it."""

    replies: list[str]
    view: SessionView
    kind: RouteKind | str
    """``answer``, ``doubt``, ``fallback``, ``agree``, ``refuse``, ``empty``, ``finish`` (the
    owner stopped the questions: the offers of what is known) or ``invalid`` (an answer that did
    not fit: the session is unchanged)."""
    entry: str | None = None
    """The knowledge-base entry a doubt was answered from."""


def opening(assistant: Assistant, view: SessionView, lang: str | None = None) -> list[str]:
    """What the assistant says on (re)opening a session: its stage's prompt and notices, in
    ``lang`` (by default the session's)."""
    chosen = parse_lang(lang, view.lang)
    notices = [n.en if chosen == "en" else n.zh for n in view.notices]
    return [*notices, prompt(view, assistant.sources, chosen, assistant.detailed_results)]


def start_chat(
    assistant: Assistant, lang: str = "zh-CN", enterprise_id: str = "", owner_id: str = ""
) -> ChatTurn:
    """A new session and the assistant's first words."""
    view = intake.start_session(
        assistant.unit_of_work(), assistant.context, lang, enterprise_id, owner_id
    )
    chosen = parse_lang(lang)
    greeting = messages.t("chat.greeting", chosen)
    return ChatTurn([greeting, *opening(assistant, view, chosen)], view, "answer")


def _doubt_reply(assistant: Assistant, message: str, entry: Entry, view: SessionView,
                 lang: Lang) -> str:  # fmt: skip
    text = compose(entry, assistant.retriever.kb, facts_of(view), lang)
    if assistant.llm is not None:
        return assistant.llm.rephrase(message, text, lang) or text
    return text


def _fallback(assistant: Assistant, message: str, routed: Route, lang: Lang) -> str | None:
    """A grounded model answer when retrieval found nothing, else None."""
    if assistant.llm is None or not routed.candidates:
        return None
    return assistant.llm.answer_from(message, [m.entry for m in routed.candidates], lang)


def _again(assistant: Assistant, view: SessionView, lang: Lang) -> str:
    if view.stage == "done":
        return messages.t("chat.done", lang)
    return messages.t("chat.continue", lang, prompt=prompt(view, assistant.sources, lang))


def _sorry(problem: str, lang: Lang) -> str:
    """The intake's reason, said politely (its texts may or may not apologise already)."""
    if problem.lower().startswith(("抱歉", "sorry")):
        return problem
    return messages.t("chat.sorry", lang, problem=problem)


def _note_doubt(assistant: Assistant, view: SessionView, entry: str | None) -> None:
    try:
        intake.note_event(assistant.unit_of_work(), assistant.context, view.session_id, "doubt",
                          entry=entry or "", stage=view.stage)  # fmt: skip
    except Exception:  # the journey log must never break the chat
        logger.exception("could not log a doubt event")


def _after_step(assistant: Assistant, before: SessionView, after: SessionView,
                lang: Lang) -> list[str]:  # fmt: skip
    new = [n for n in after.notices if n not in before.notices]
    said = prompt(after, assistant.sources, lang, assistant.detailed_results)
    return [*(n.en if lang == "en" else n.zh for n in new), said]


def chat(
    assistant: Assistant, session_id: str, message: str, lang: str | None = None,
    question: int | None = None,
) -> ChatTurn:  # fmt: skip
    """The assistant's turn after the owner says ``message`` in session ``session_id``.

    ``question`` is the number of the question the owner was shown (the page and the API send
    it); without it, the question open when the message is read. An answer is bound to that
    question: when another answer got there first it is refused with
    :class:`~loanmatch.errors.StaleQuestionError` (409), never applied to the next question.
    Raises :class:`~loanmatch.errors.SessionNotFoundError` for an unknown session;
    every other problem is a polite reply, with the session unchanged."""
    uow, ctx = assistant.unit_of_work, assistant.context
    view = intake.view(uow(), ctx, session_id)
    chosen = parse_lang(lang, view.lang)
    open_seq = view.question.seq if view.question is not None else None
    if question is not None and view.stage != "consent" and question != open_seq:
        raise StaleQuestionError(
            question, open_seq, view.question.feature if view.question else None
        )
    if len(message) > MAX_MESSAGE_CHARS:
        too_long = messages.t("chat.too_long", chosen, max=MAX_MESSAGE_CHARS)
        return ChatTurn([too_long, _again(assistant, view, chosen)], view, "invalid")
    question_feature = ctx.catalog.get(view.question.feature) if view.question else None
    routed = route(
        message,
        assistant.retriever,
        question=question_feature if view.stage == "asking" else None,
        awaiting_consent=view.stage == "consent",
        threshold=assistant.threshold,
    )
    if routed.kind == "empty":
        empty = messages.t("chat.empty", chosen)
        return ChatTurn([empty, _again(assistant, view, chosen)], view, "empty")
    if routed.kind in ("agree", "refuse"):
        chosen_sources = assistant.sources if routed.kind == "agree" else ()
        after = intake.grant_consent(uow(), ctx, session_id, chosen_sources)
        if routed.kind == "agree":
            head = messages.t("chat.consent_given", chosen)
        else:
            head = messages.t("chat.consent_refused", chosen)
        return ChatTurn([head, *_after_step(assistant, view, after, chosen)], after, routed.kind)
    if routed.kind == "finish":
        after = intake.finish(uow(), ctx, session_id)
        return ChatTurn(_after_step(assistant, view, after, chosen), after, "finish")
    if routed.kind == "answer":
        try:
            assert view.question is not None
            assert question_feature is not None
            after = intake.answer(uow(), ctx, session_id, answer_text(question_feature, message),
                                  question=view.question.seq)  # fmt: skip
        except AnswerFieldError as error:
            return ChatTurn([_sorry(error.text.get(chosen), chosen),
                             _again(assistant, view, chosen)], view, "invalid")  # fmt: skip
        except AnswerError as error:
            logger.info("an answer was refused: %s", error.code)
            return ChatTurn([messages.t("chat.fallback", chosen), _again(assistant, view, chosen)],
                            view, "invalid")  # fmt: skip
        return ChatTurn(_after_step(assistant, view, after, chosen), after, "answer")
    if routed.kind == "doubt" and routed.match is not None:
        entry = routed.match.entry
        _note_doubt(assistant, view, entry.id)
        reply = _doubt_reply(assistant, message, entry, view, chosen)
        return ChatTurn([reply, _again(assistant, view, chosen)], view, "doubt", entry.id)
    grounded = _fallback(assistant, message, routed, chosen)
    if grounded is not None:
        _note_doubt(assistant, view, None)
        return ChatTurn([grounded, _again(assistant, view, chosen)], view, "doubt")
    replies = [messages.t("chat.fallback", chosen)]
    if routed.match is not None and routed.match.score >= _SUGGEST_MIN:
        asked = routed.match.entry.question.get(chosen)
        replies.append(messages.t("chat.suggest", chosen, question=asked))
    replies.append(_again(assistant, view, chosen))
    return ChatTurn(replies, view, "fallback")
