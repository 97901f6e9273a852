"""An answer that gives a range (``六七十万``, ``十几个人``, ``五十出头``), and the one value of it
that is safe for the promise.

A range is kept as the owner said it (:class:`Range`, in the feature's unit). The engine works
with one number per fact, so :func:`safe_value` picks the end that can only make the
recommendation more careful: for a feature with ``monotone: 1`` in the catalog (a higher value
never lowers approval) the low end, for ``monotone: -1`` the high end. A feature with no known
direction gets no value (``None``): the owner is asked to give one number. A feature that is
itself an upper bound (the highest acceptable rate, "needed within N days") takes the high end
of ``以内`` / ``不超过`` as its value (:func:`is_upper_bound`).
"""

from __future__ import annotations

from dataclasses import dataclass

from loanmatch.domain.catalog import Feature, Text
from loanmatch.intake.units import shown_number

__all__ = ["Range", "describe_range", "is_upper_bound", "safe_value"]

_UPPER_BOUND_WORDS = ("最高", "天内", "以内")


@dataclass(frozen=True)
class Range:
    """From ``low`` to ``high`` in the feature's unit; ``None`` is an open end (``三年以上``)."""

    low: float | None
    high: float | None

    def __post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise ValueError("a range needs at least one end")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"a range from {self.low} down to {self.high}")

    def scaled(self, factor: float) -> Range:
        """The range times ``factor`` (a negative factor swaps the ends: ``-十几`` is -19..-11)."""
        low = None if self.low is None else self.low * factor
        high = None if self.high is None else self.high * factor
        return Range(low, high) if factor >= 0 else Range(high, low)

    @property
    def point(self) -> float | None:
        """The one value when both ends are the same."""
        return self.low if self.low is not None and self.low == self.high else None


def is_upper_bound(feature: Feature) -> bool:
    """Whether the feature is itself a ceiling ("at most", "within"), so ``6%以内`` is 6."""
    return feature.name.startswith("max_") or any(
        word in (feature.label.zh or "") for word in _UPPER_BOUND_WORDS
    )


def safe_value(feature: Feature, value: Range) -> float | None:
    """The end of ``value`` the recommendation may rely on, or None (ask to confirm)."""
    if value.point is not None:
        return value.point
    if is_upper_bound(feature) and value.high is not None:
        return value.high
    if feature.monotone == 1:
        return value.low
    if feature.monotone == -1:
        return value.high
    return None


def describe_range(feature: Feature, value: Range, used: float | None) -> Text:
    """``60万到70万之间，按60万计算`` (zh and en): what was understood and what is used."""
    low_zh = None if value.low is None else shown_number(feature, value.low, "zh")
    high_zh = None if value.high is None else shown_number(feature, value.high, "zh")
    low_en = None if value.low is None else shown_number(feature, value.low, "en")
    high_en = None if value.high is None else shown_number(feature, value.high, "en")
    if low_zh is not None and high_zh is not None:
        zh, en = f"{low_zh}到{high_zh}之间", f"between {low_en} and {high_en}"
    elif low_zh is not None:
        zh, en = f"{low_zh}以上", f"at least {low_en}"
    else:
        zh, en = f"{high_zh}以内", f"at most {high_en}"
    if used is None:
        return Text(
            zh=f"您说的是{zh}，请给一个具体的数", en=f"you said {en}: please give one number"
        )
    return Text(
        zh=f"您说的是{zh}，按{shown_number(feature, used, 'zh')}计算",
        en=f"you said {en}; counted as {shown_number(feature, used, 'en')}",
    )
