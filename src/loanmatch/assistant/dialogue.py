"""Is the owner's message an answer to the current question, a doubt, or neither?

The order is the point: a bare reply (有 / 没有 / 不知道, :data:`BARE_REPLIES`) while a question is
open is its answer, never a doubt (a bare 没有 to an amount or a count is 0, :func:`answer_text`).
Then the intake's own answer parser (``50万``, ``三年``, ``不知道``, a
category's label) -- if the message parses as a valid answer to the open question, it IS the
answer, whatever words it shares with the knowledge base; a number out of range is an answer too
(the intake explains the range). Otherwise retrieval: an entry scoring at least
:data:`DOUBT_THRESHOLD` makes the message a doubt about that entry. Otherwise a polite fallback.
While the session waits for consent, "同意" / "agree" and "不同意" / "no" are the owner's choice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from loanmatch.assistant.retrieval import Match, Retriever
from loanmatch.domain.catalog import Feature
from loanmatch.errors import AnswerFieldError, OutOfRangeError
from loanmatch.intake.answers import parse_reply

__all__ = [
    "BARE_REPLIES",
    "DOUBT_THRESHOLD",
    "FINISH_REPLIES",
    "MAX_MESSAGE_CHARS",
    "Route",
    "RouteKind",
    "answer_text",
    "route",
]

DOUBT_THRESHOLD = 0.09
"""Lowest retrieval score read as a doubt. Of the 569 labelled doubts of the test set, every one
whose best entry is right scores at least 0.098; greetings, thanks and off-topic chat mostly
score below 0.07 (of 30 tried, one above: "what's the weather today", "today" being a word of
the timing entry)."""
MAX_MESSAGE_CHARS = 500

RouteKind = Literal["answer", "doubt", "fallback", "agree", "refuse", "empty", "finish"]

_AGREE = frozenset(
    {
        "同意", "我同意", "同意授权", "授权", "好", "好的", "可以", "行", "没问题", "是", "是的",
        "确认", "agree", "i agree", "yes", "y", "ok", "okay", "sure", "i consent", "accept",
        "allow",
    }
)  # fmt: skip
_REFUSE = frozenset(
    {
        "不同意", "不授权", "拒绝", "不要", "不行", "不可以", "否", "不", "no", "n", "decline",
        "refuse", "disagree", "i disagree",
    }
)  # fmt: skip
BARE_REPLIES = frozenset(
    {
        "有", "没有", "没", "无", "没有的", "有的", "是", "否", "不是", "对", "不对", "是的", "不",
        "不知道", "不清楚", "不确定", "不记得", "yes", "no", "none", "y", "n", "yes i do",
        "no i don't", "i don't know", "don't know", "not sure", "dunno", "idk",
    }
)  # fmt: skip
"""Replies that can only be an answer to the question just asked, never a doubt: a bare
有 / 没有 / 不知道 (a yes/no, a none, a don't know) is routed to the intake whatever it parses as
(the intake then says politely what it needs, e.g. the amount after a bare 有)."""
FINISH_REPLIES = frozenset(
    {
        "先看结果", "直接看结果", "看结果", "给我看结果", "不想回答了", "不想答了", "不答了",
        "不回答了", "先到这里", "就到这里", "结束", "停止提问", "别问了", "不要再问了",
        "show results", "show me the results", "show me the results now", "results now",
        "stop asking", "stop", "that's enough", "enough questions", "no more questions",
        "i'm done", "finish",
    }
)  # fmt: skip
"""Replies that stop the questions (the owner declines to answer more): the session ends with
the offers of what is known. Whole replies only, so "结束了吗" (a doubt about progress) is not."""
_NONE = frozenset({"没有", "没", "无", "没有的", "none", "no", "n", "否"})
"""A bare "none": zero for a count or an amount (the questions say "没有请填0")."""
_TRIM = re.compile(r"^[\s,.!?;:，。！？；：、~～]+|[\s,.!?;:，。！？；：、~～]+$")


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    match: Match | None = None
    """The best knowledge-base entry (set for doubts, and for fallbacks as a suggestion)."""
    candidates: tuple[Match, ...] = ()
    """The nearest entries (best first), to ground a language model in a fallback."""


def _plain(message: str) -> str:
    return _TRIM.sub("", unicodedata.normalize("NFKC", message).lower()).replace("’", "'")


def _is_answer(feature: Feature, message: str) -> bool:
    try:
        parse_reply(feature, message)
    except OutOfRangeError:
        return True
    except AnswerFieldError:
        return False
    return True


def answer_text(feature: Feature, message: str) -> str:
    """``message`` as the answer to ``feature``: a bare "没有" / "无" / "none" to a number
    that may be 0 (an amount held, a count of cases) is 0; anything else as typed."""
    plain = _plain(message)
    if feature.type == "number" and plain in _NONE and (feature.min is None or feature.min <= 0):
        return "0"
    return message


def route(
    message: str,
    retriever: Retriever,
    *,
    question: Feature | None = None,
    awaiting_consent: bool = False,
    threshold: float = DOUBT_THRESHOLD,
) -> Route:
    """Where ``message`` goes, given the open ``question`` (None when there is none)."""
    plain = _plain(message)
    if not plain:
        return Route("empty")
    if awaiting_consent:
        if plain in _AGREE:
            return Route("agree")
        if plain in _REFUSE:
            return Route("refuse")
    elif question is not None and plain in FINISH_REPLIES:
        return Route("finish")
    elif question is not None and (
        plain in BARE_REPLIES or _is_answer(question, answer_text(question, message))
    ):
        return Route("answer")
    matches = retriever.search(message)
    best = matches[0]
    if best.score >= threshold:
        return Route("doubt", best, tuple(matches[:3]))
    return Route("fallback", best, tuple(matches[:3]))
