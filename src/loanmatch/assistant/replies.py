"""Knowledge-base answers that use the session: the current question, the offers, the declines.

:class:`SessionFacts` is what an answer may use of a session (built by the chat service from the
intake's view); :func:`compose` fills an entry's ``{context}`` slot from it, or uses the entry's
``no_context`` text when the session has nothing to say yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loanmatch.assistant.knowledge import Entry, KnowledgeBase
from loanmatch.domain.catalog import Text
from loanmatch.lang import Lang, parse_lang

__all__ = ["ConsentFact", "DeclineFact", "OfferFact", "SessionFacts", "compose", "percent"]

MAX_DECLINES = 3


@dataclass(frozen=True)
class OfferFact:
    name: Text
    rate_min: float | None
    rate_max: float | None
    quoted: float | None = None
    """The rate priced for this owner (percent), when the offer is priced."""


@dataclass(frozen=True)
class DeclineFact:
    name: Text
    reasons: tuple[Text, ...]


@dataclass(frozen=True)
class ConsentFact:
    name: Text
    status: str
    expires: str


@dataclass(frozen=True)
class SessionFacts:
    """What a contextual answer may say about the session (nothing personal beyond labels)."""

    feature: str | None = None
    feature_label: Text = field(default_factory=Text)
    feature_hint: Text = field(default_factory=Text)
    offers: tuple[OfferFact, ...] = ()
    declines: tuple[DeclineFact, ...] = ()
    no_offer_reasons: tuple[Text, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    questions_typed: int = 0
    done: bool = False


def percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def _rate_range(offer: OfferFact) -> str:
    if offer.rate_min is None and offer.rate_max is None:
        return "?"
    low = offer.rate_min if offer.rate_min is not None else offer.rate_max
    high = offer.rate_max if offer.rate_max is not None else offer.rate_min
    assert low is not None
    assert high is not None
    return percent(low) if low == high else f"{percent(low)}-{percent(high)}"


def _feature(kb: KnowledgeBase, facts: SessionFacts, lang: Lang) -> str:
    if facts.feature is None:
        return ""
    label = facts.feature_label.get(lang) or facts.feature
    why = kb.features_why.get(facts.feature)
    hint = facts.feature_hint.get(lang)
    parts = [
        f"现在问的是“{label}”：" if lang == "zh-CN" else f"The question now is about {label}: "
    ]
    if why is not None:
        parts.append(why.get(lang))
    else:
        parts.append(
            "它会影响哪些产品能通过准入或获批概率。" if lang == "zh-CN"
            else "it changes which products you pass, or your approval chance."
        )  # fmt: skip
    if hint:
        parts.append(f"（{hint}）" if lang == "zh-CN" else f" ({hint})")
    parts.append("" if lang == "zh-CN" else " ")
    return "".join(parts)


def _rates(facts: SessionFacts, lang: Lang) -> str:
    if not facts.offers:
        if facts.done:
            return (
                "目前没有推荐的产品，所以还没有利率。" if lang == "zh-CN"
                else "No product is recommended yet, so there is no rate to show."
            )  # fmt: skip
        return ""
    sep = "；" if lang == "zh-CN" else "; "
    listed = sep.join(
        f"{o.name.get(lang)} {percent(o.quoted)} ({_rate_range(o)})"
        if o.quoted is not None
        else f"{o.name.get(lang)} {_rate_range(o)}"
        for o in facts.offers
    )
    if lang == "zh-CN":
        return f"您的推荐产品年化利率区间：{listed}。"
    return f"Annual rate ranges of your offers: {listed}."


def _declines(facts: SessionFacts, lang: Lang) -> str:
    if not facts.done:
        return ""
    sep = "；" if lang == "zh-CN" else "; "
    lines: list[str] = []
    for decline in facts.declines[:MAX_DECLINES]:
        reasons = sep.join(r.get(lang) for r in decline.reasons if r.get(lang))
        if reasons:
            lines.append(f"{decline.name.get(lang)}：{reasons}" if lang == "zh-CN"
                         else f"{decline.name.get(lang)}: {reasons}")  # fmt: skip
    general = [r.get(lang) for r in facts.no_offer_reasons if r.get(lang)]
    if not lines and not general:
        return (
            "您已经有推荐产品；其余产品未推荐是因为获批概率不够高或超出推荐数量。"
            if lang == "zh-CN"
            else "You have offers; other products were left out for a lower approval chance or "
            "the limit on offers."
        )  # fmt: skip
    head = "主要原因：" if lang == "zh-CN" else "The main reasons: "
    return head + sep.join(general + lines) + ("。" if lang == "zh-CN" else ".")


def _consents(facts: SessionFacts, lang: Lang) -> str:
    active = [c for c in facts.consents if c.status == "active"]
    if not active:
        return ""
    sep = "、" if lang == "zh-CN" else ", "
    names = sep.join(c.name.get(lang) for c in active)
    return f"您当前有效的授权：{names}。" if lang == "zh-CN" else f"Your active consents: {names}."


def _progress(facts: SessionFacts, lang: Lang) -> str:
    if facts.done:
        return "您的结果已经出来了。" if lang == "zh-CN" else "Your result is ready."
    n = facts.questions_typed
    return f"您已经回答了{n}个问题。" if lang == "zh-CN" else f"You have answered {n} so far."


def compose(entry: Entry, kb: KnowledgeBase, facts: SessionFacts, lang: str) -> str:
    """The entry's answer in ``lang`` (anything :func:`~loanmatch.lang.parse_lang` reads) with
    its context from ``facts``."""
    key = parse_lang(lang)
    answer = entry.answer.get(key)
    if entry.context is None:
        return answer
    if entry.context == "feature":
        filled = _feature(kb, facts, key)
    else:
        filled = _CONTEXT[entry.context](facts, key)
    if not filled:
        filled = entry.no_context.get(key)
    text = answer.replace("{context}", filled)
    return " ".join(text.split()) if key == "en" else text.strip()


_CONTEXT = {"rate": _rates, "declined": _declines, "consent": _consents, "progress": _progress}
