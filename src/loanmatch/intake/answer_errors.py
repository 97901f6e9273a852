"""Errors of an owner's answers: each names the feature and what was received, in zh and en.

All are :class:`~loanmatch.errors.AnswerError` (code ``invalid_answer``); ``reason`` tells them
apart for programs: ``not_understood``, ``out_of_range``, ``wrong_type``, ``not_askable``,
``contradiction``.
"""

from __future__ import annotations

from loanmatch.domain.catalog import Text
from loanmatch.errors import AnswerError, Location

__all__ = [
    "AnswerFieldError",
    "ContradictionError",
    "NotAskableError",
    "NotUnderstoodError",
    "OutOfRangeError",
    "WrongTypeError",
]


class AnswerFieldError(AnswerError):
    """An answer that does not fit its feature; ``text`` is the message in Chinese and English."""

    reason = "invalid"
    """Which kind of problem, for programs (the error code stays ``invalid_answer``)."""

    def __init__(self, feature: str, text: Text) -> None:
        self.text = text
        super().__init__(text.en, Location(feature=feature))

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["message_zh"] = self.text.zh
        body["reason"] = self.reason
        return body


class NotUnderstoodError(AnswerFieldError):
    """Text that is not a number, not yes or no, or not one of the categories."""

    reason = "not_understood"


class OutOfRangeError(AnswerFieldError):
    """A number outside the feature's min / max."""

    reason = "out_of_range"


class WrongTypeError(AnswerFieldError):
    """A program sent a JSON value of the wrong type (a list, a number for a category...)."""

    reason = "wrong_type"


class NotAskableError(AnswerFieldError):
    """A name that is not a feature of the catalog, or a derived feature (computed, not asked)."""

    reason = "not_askable"


class ContradictionError(AnswerFieldError):
    """An answer that cannot be true together with facts already known (``data/consistency.yaml``);
    ``check`` names the check, ``others`` the facts it contradicts."""

    reason = "contradiction"

    def __init__(self, feature: str, text: Text, check: str, others: tuple[str, ...]) -> None:
        self.check = check
        self.others = others
        super().__init__(feature, text)

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["check"] = self.check
        body["contradicts"] = list(self.others)
        return body
