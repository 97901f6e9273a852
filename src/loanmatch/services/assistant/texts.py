"""What the guiding assistant says about a session: the consent request, the current question,
the offers; and the facts a contextual knowledge-base answer may use (:class:`SessionFacts`).
Shared by the chat service, the chat page and the terminal command."""

from __future__ import annotations

from collections.abc import Sequence

from loanmatch.adapters import messages
from loanmatch.assistant.replies import (
    ConsentFact,
    DeclineFact,
    OfferFact,
    SessionFacts,
    percent,
)
from loanmatch.domain.catalog import Text
from loanmatch.domain.products import Product
from loanmatch.intake.answers import format_amount
from loanmatch.lang import Lang
from loanmatch.matching.results import ApplicantResult, Offer
from loanmatch.services.intake import DEFAULT_CONSENT_DAYS, DEFAULT_PURPOSE, SessionView
from loanmatch.services.intake.views import QuestionView, source_name

__all__ = [
    "consent_prompt",
    "facts_of",
    "offer_lines",
    "prompt",
    "question_prompt",
    "result_prompt",
]


def consent_prompt(sources: Sequence[str], lang: Lang) -> str:
    """Which sources, for what, for how long, and how to answer."""
    sep = messages.t("common.list_separator", lang)
    names = sep.join(source_name(s).get(lang) for s in sources)
    purpose = DEFAULT_PURPOSE.split(" / ")[0 if lang == "zh-CN" else -1]
    return messages.t(
        "chat.consent_prompt", lang, names=names, purpose=purpose, days=DEFAULT_CONSENT_DAYS
    )


def question_prompt(question: QuestionView, lang: Lang) -> str:
    text = question.text.get(lang) or question.label.get(lang) or question.feature
    if question.type == "boolean":
        text += messages.t("chat.yes_no", lang)
    elif question.choices:
        sep = messages.t("common.list_separator", lang)
        listed = sep.join(c.label.get(lang) or c.value for c in question.choices)
        text += messages.t("chat.choices", lang, choices=listed)
    hint = question.hint.get(lang).strip().rstrip("。.")
    if hint:
        text += messages.t("chat.hint", lang, hint=hint)
    return text


def _range(low: float | None, high: float | None, fmt: str) -> str:
    if low is None and high is None:
        return "-"
    a = low if low is not None else high
    b = high if high is not None else low
    assert a is not None
    assert b is not None
    if fmt == "rate":
        return percent(a) if a == b else f"{percent(a)}-{percent(b)}"
    return f"{a:g}" if a == b else f"{a:g}-{b:g}"


def offer_lines(offer: Offer, lang: Lang) -> tuple[str, str, str, str]:
    """(title, approval %, rate range, amount and term) of one offer."""
    product = offer.product
    title = f"{product.display(lang)} · {product.lender_display(lang)}"
    p = f"{offer.p_approve * 100:.0f}%"
    rate = _range(product.rate_min, product.rate_max, "rate")
    if offer.quote is not None:
        rate = f"{percent(float(offer.quote.rate))} ({rate})"
    money = [
        messages.t("chat.amount", lang, amount=format_amount(value, lang))
        for value in (product.amount_min, product.amount_max)
        if value is not None
    ]
    terms = "/".join(str(t) for t in product.term_months)
    amount = "-".join(money) or "-"
    if not terms:
        return title, p, rate, amount
    return title, p, rate, messages.t("chat.amount_and_terms", lang, amount=amount, terms=terms)


UNLOCKS_SAID = 2
"""How many blanks that would open products a no-offer reply names first (most products)."""


def result_prompt(result: ApplicantResult | None, lang: Lang, detailed: bool = True) -> str:
    """The outcome: each offer in a line (``detailed``), or one line pointing at the offers
    shown beside the conversation (the chat page)."""
    if result is not None and result.offers and not detailed:
        return messages.t("chat.offers_below", lang, n=len(result.offers))
    if result is None or not result.offers:
        reasons = [r.get(lang) for r in (result.no_offer_reasons if result else ()) if r.get(lang)]
        opens = [u.text.get(lang) for u in (result.unlocks if result else ())[:UNLOCKS_SAID]]
        head = messages.t("chat.no_offer", lang)
        said = [*opens, *reasons]
        return head + (" " + "；".join(said) if said else "")
    lines = [messages.t("chat.offers_head", lang, n=len(result.offers))]
    for offer in sorted(result.offers, key=lambda o: o.rank):
        title, p, rate, amount = offer_lines(offer, lang)
        lines.append(
            messages.t("chat.offer", lang, rank=offer.rank, title=title, p=p, rate=rate,
                       amount=amount)
        )  # fmt: skip
        reasons = [r.get(lang) for r in offer.reasons if r.get(lang)]
        if reasons:
            why = messages.t("chat.offer_reasons", lang, reasons="; ".join(reasons[:3]))
            lines.append("   " + why)
    return "\n".join(lines)


def prompt(view: SessionView, sources: Sequence[str], lang: Lang, detailed: bool = True) -> str:
    """What the assistant asks or shows now, for the session's stage."""
    if view.stage == "consent":
        return consent_prompt(sources, lang)
    if view.stage == "asking" and view.question is not None:
        return question_prompt(view.question, lang)
    return result_prompt(view.result, lang, detailed)


def _name(product: Product) -> Text:
    return product.name if product.name.zh or product.name.en else Text(product.id, product.id)


def facts_of(view: SessionView) -> SessionFacts:
    """What a contextual knowledge-base answer may use of ``view``."""
    question = view.question
    result = view.result
    offers: tuple[OfferFact, ...] = ()
    declines: tuple[DeclineFact, ...] = ()
    general: tuple[Text, ...] = ()
    if result is not None:
        offers = tuple(
            OfferFact(name=_name(o.product), rate_min=o.product.rate_min,
                      rate_max=o.product.rate_max,
                      quoted=float(o.quote.rate) if o.quote is not None else None)
            for o in sorted(result.offers, key=lambda o: o.rank)
        )  # fmt: skip
        declines = tuple(
            DeclineFact(name=_name(e.product), reasons=e.reasons)
            for e in result.excluded
            if e.kind in ("rule", "low_probability") and e.reasons
        )  # fmt: skip
        general = result.no_offer_reasons
    return SessionFacts(
        feature=question.feature if question else None,
        feature_label=question.label if question else Text(),
        feature_hint=question.hint if question else Text(),
        offers=offers,
        declines=declines,
        no_offer_reasons=general,
        consents=tuple(
            ConsentFact(name=c.name, status=c.status, expires=c.expires_at.date().isoformat())
            for c in view.consents
        ),
        questions_typed=view.questions_typed,
        done=view.stage == "done",
    )
