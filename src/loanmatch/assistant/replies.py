"""Knowledge-base answers that use the session: the current question, the offers, the declines.

:class:`SessionFacts` is what an answer may use of a session (built by the chat service from the
intake's view); :func:`compose` fills an entry's ``{context}`` slot from it, or uses the entry's
``no_context`` text when the session has nothing to say yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loanmatch.adapters import messages
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
    known = kb.features_why.get(facts.feature)
    why = known.get(lang) if known is not None else messages.t("chat.context_feature_why", lang)
    hint = facts.feature_hint.get(lang)
    shown = messages.t("chat.hint", lang, hint=hint) if hint else ""
    return messages.t("chat.context_feature", lang, label=label, why=why, hint=shown)


def _rates(facts: SessionFacts, lang: Lang) -> str:
    if not facts.offers:
        return messages.t("chat.context_no_rate", lang) if facts.done else ""
    listed = messages.t("common.clause_separator", lang).join(
        f"{o.name.get(lang)} {percent(o.quoted)} ({_rate_range(o)})"
        if o.quoted is not None
        else f"{o.name.get(lang)} {_rate_range(o)}"
        for o in facts.offers
    )
    return messages.t("chat.context_rates", lang, rates=listed)


def _declines(facts: SessionFacts, lang: Lang) -> str:
    if not facts.done:
        return ""
    sep = messages.t("common.clause_separator", lang)
    lines: list[str] = []
    for decline in facts.declines[:MAX_DECLINES]:
        reasons = sep.join(r.get(lang) for r in decline.reasons if r.get(lang))
        if reasons:
            product = decline.name.get(lang)
            lines.append(messages.t("chat.context_decline", lang, product=product, reasons=reasons))
    general = [r.get(lang) for r in facts.no_offer_reasons if r.get(lang)]
    if not lines and not general:
        return messages.t("chat.context_declines_none", lang)
    return messages.t("chat.context_declines", lang, reasons=sep.join(general + lines))


def _consents(facts: SessionFacts, lang: Lang) -> str:
    active = [c for c in facts.consents if c.status == "active"]
    if not active:
        return ""
    names = messages.t("common.list_separator", lang).join(c.name.get(lang) for c in active)
    return messages.t("chat.context_consents", lang, names=names)


def _progress(facts: SessionFacts, lang: Lang) -> str:
    if facts.done:
        return messages.t("chat.context_done", lang)
    return messages.t("chat.context_progress", lang, n=facts.questions_typed)


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
