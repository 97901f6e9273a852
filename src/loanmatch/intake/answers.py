"""Friendly parsing of an owner's answers (chat, form fields, API values) into typed values.

What an owner types is forgiving: ``50万`` and ``五十万`` are 500000, ``1.2个亿`` is 120000000,
``一百二十万``, ``三千``, ``两万五``, ``1,250,000``, ``30w`` and full-width ``５０万`` work; words
around the number are fine (``想借30万``, ``就一家银行``, ``逾期过一次``); durations convert to
the feature's unit (``3年`` / ``三年期`` is 36 for a feature in months, ``三年半`` 3.5 in years);
a year gives an age (``2019年成立的``, ``七五年的``, counted to ``today``); percentages accept
``6.5%``, ``百分之六``, ``5个点`` and ``月息一分`` (12 a year); yes and no are said every way
(``有的``, ``没有呢``, ``算是吧``, ``木有``, ``有一套房``, ``nope``; "no" is 0 for a count); a
category is matched by its code, its label, or everyday words (``做贸易的`` is 批发和零售业,
``苏州`` Jiangsu, ``进货`` working capital). ``不知道`` / ``记不清了`` / ``don't know`` give
:data:`DONT_KNOW` (:func:`parse_reply`); a blank answer means unknown.

A rough answer is a range (``六七十万``, ``十几个人``, ``五十出头``): :func:`read_answer` keeps it
and uses the end that is safe for the promise (:func:`loanmatch.intake.ranges.safe_value`), with
a note for display (``您说的是60万到70万之间，按60万计算``); where no end is safe the owner is
asked for one number (a NotUnderstoodError saying so). :func:`parse_answer` and
:func:`parse_reply` return that one value, so callers get a single number as before. What does
not fit the catalog raises an :class:`AnswerFieldError` subclass naming the feature and what was
received, politely, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from loanmatch.domain.catalog import Catalog, Feature, Scalar, Text
from loanmatch.errors import (
    AnswerFieldError,
    NotAskableError,
    NotUnderstoodError,
    WrongTypeError,
)
from loanmatch.intake.amounts import read_number
from loanmatch.intake.categories import match_category
from loanmatch.intake.phrases import asks_back, is_dont_know, yes_or_no
from loanmatch.intake.problems import check_range, problem
from loanmatch.intake.ranges import Range, describe_range, safe_value
from loanmatch.intake.units import MONEY_UNITS, PERCENT_UNITS, format_amount, is_money

__all__ = [
    "DONT_KNOW",
    "MONEY_UNITS",
    "PERCENT_UNITS",
    "DontKnow",
    "ParsedAnswers",
    "Range",
    "Reading",
    "Reply",
    "Understood",
    "format_amount",
    "is_money",
    "parse_answer",
    "parse_answers",
    "parse_reply",
    "read_answer",
    "understand",
]


class DontKnow:
    """The owner said they do not know (不知道); one instance, :data:`DONT_KNOW`."""

    _instance: DontKnow | None = None

    def __new__(cls) -> DontKnow:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DONT_KNOW"


DONT_KNOW = DontKnow()
Reply = Scalar | None | DontKnow
"""What an owner's reply means: a typed value, unknown (None), or "don't know"."""

Understood = Scalar | Range | None | DontKnow
"""What an answer says before a range is narrowed to one value."""


@dataclass(frozen=True)
class Reading:
    """One answer read: the ``value`` to record, the ``range`` the owner gave (if rough) and a
    ``note`` to show them (``您说的是六七十万……按60万计算``), None when the answer was exact."""

    value: Reply
    range: Range | None = None
    note: Text | None = None


def _parse_boolean(feature: Feature, raw: str) -> bool:
    answer = yes_or_no(raw)
    if answer is None:
        raise problem(
            NotUnderstoodError,
            feature,
            f"抱歉，“{raw.strip()}”不是“是”或“否”",
            f"sorry, {raw.strip()!r} is not yes or no",
        )
    return answer


def _parse_category(feature: Feature, raw: str) -> str:
    code = match_category(feature, raw)
    if code is not None:
        return code
    text = raw.strip()
    listed = ", ".join(feature.categories)
    shown = "、".join(feature.category_label(c, "zh") for c in feature.categories)
    raise problem(
        NotUnderstoodError,
        feature,
        f"抱歉，“{text}”不是可选项之一：{shown}",
        f"sorry, {text!r} is not one of: {listed}",
    )


def _plain_value(feature: Feature, raw: str) -> bool:
    """A bare code or number with a question mark (``B?``, ``50万？``) is still an answer."""
    bare = raw.strip().rstrip("?？ ")
    return bare in feature.categories or bare.replace(".", "", 1).isdigit()


def understand(feature: Feature, raw: object, *, today: date | None = None) -> Understood:
    """What ``raw`` says about ``feature``: a value, a :class:`Range` (rough numbers), None
    (blank) or :data:`DONT_KNOW`; raises an AnswerFieldError when it says nothing usable."""
    if raw is None:
        return None
    if isinstance(raw, DontKnow):
        return DONT_KNOW
    if isinstance(raw, str):
        if not raw.strip():
            return None
        if is_dont_know(raw):
            return DONT_KNOW
        if asks_back(raw) and not _plain_value(feature, raw):
            raise problem(
                NotUnderstoodError,
                feature,
                f"这像是一个问题，不是回答（收到“{raw.strip()}”）",
                f"that looks like a question, not an answer (got {raw.strip()!r})",
            )
        if feature.type == "number":
            return read_number(feature, raw, today or date.today())
        if feature.type == "boolean":
            return _parse_boolean(feature, raw)
        return _parse_category(feature, raw)
    if isinstance(raw, bool):
        if feature.type == "boolean":
            return raw
    elif isinstance(raw, int | float):
        if feature.type == "number":
            return check_range(feature, float(raw))
        if feature.type == "boolean" and raw in (0, 1):
            return bool(raw)
    expected = {"number": ("数字", "a number"), "boolean": ("是或否", "true or false")}.get(
        feature.type, ("可选项之一", "one of the categories")
    )
    raise problem(
        WrongTypeError,
        feature,
        f"应为{expected[0]}，收到 {raw!r}",
        f"expected {expected[1]}, got {raw!r}",
    )


def read_answer(feature: Feature, raw: object, *, today: date | None = None) -> Reading:
    """One reply read for recording: a rough number becomes its safe end, with a note."""
    understood = understand(feature, raw, today=today)
    if not isinstance(understood, Range):
        return Reading(understood)
    used = safe_value(feature, understood)
    note = describe_range(feature, understood, used)
    if used is None:
        received = str(raw).strip()
        raise problem(
            NotUnderstoodError,
            feature,
            f"{note.zh}（收到“{received}”）",
            f"{note.en} (got {received!r})",
        )
    return Reading(used, understood, note)


def parse_reply(feature: Feature, raw: object, *, today: date | None = None) -> Reply:
    """One reply: a typed value, None for a blank, or :data:`DONT_KNOW` for "don't know"."""
    return read_answer(feature, raw, today=today).value


def parse_answer(feature: Feature, raw: object, *, today: date | None = None) -> Scalar | None:
    """One answer as typed by a person (a string) or sent by a program (a JSON value);
    "don't know" is unknown (None) here, see :func:`parse_reply` to tell them apart."""
    reply = parse_reply(feature, raw, today=today)
    return None if isinstance(reply, DontKnow) else reply


@dataclass(frozen=True)
class ParsedAnswers:
    """Typed answers that parsed, and a problem per answer that did not."""

    record: dict[str, Scalar | None]
    problems: dict[str, AnswerFieldError]

    def raise_first(self) -> None:
        """Raise the first problem, mentioning how many more there are."""
        if not self.problems:
            return
        first = next(iter(self.problems.values()))
        if len(self.problems) == 1:
            raise first
        others = ", ".join(list(self.problems)[1:])
        text = Text(
            zh=f"{first.text.zh}（另有 {len(self.problems) - 1} 项有误：{others}）",
            en=f"{first.text.en} (and {len(self.problems) - 1} more: {others})",
        )
        raise AnswerFieldError(first.where.feature or "", text)


def parse_answers(
    catalog: Catalog,
    raw: Mapping[str, object],
    *,
    strict: bool = True,
    today: date | None = None,
) -> ParsedAnswers:
    """Parse every answer. With ``strict``, a name outside the catalog or a derived feature
    is a problem; without, it is skipped (a web form may carry other fields)."""
    record: dict[str, Scalar | None] = {}
    problems: dict[str, AnswerFieldError] = {}
    for name, value in raw.items():
        feature = catalog.get(name)
        if feature is None or feature.derived:
            if strict:
                why = (
                    "不是本目录中的特征" if feature is None else "由其他特征计算得出，不能直接填写"
                )
                why_en = "is not a feature of the catalog" if feature is None else "is derived"
                problems[name] = NotAskableError(
                    name, Text(zh=f"{name} {why}", en=f"{name} {why_en}")
                )
            continue
        try:
            record[name] = parse_answer(feature, value, today=today)
        except AnswerFieldError as problem_:
            problems[name] = problem_
    return ParsedAnswers(record=record, problems=problems)
