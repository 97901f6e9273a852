"""What the guiding assistant says about a session: the consent request, the current question,
the offers; and the facts a contextual knowledge-base answer may use (:class:`SessionFacts`).
Shared by the chat service, the chat page and the terminal command."""

from __future__ import annotations

from collections.abc import Sequence

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
from loanmatch.services.intake_core import DEFAULT_CONSENT_DAYS, DEFAULT_PURPOSE
from loanmatch.services.intake_views import QuestionView, SessionView, source_name

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
    sep = "、" if lang == "zh-CN" else ", "
    names = sep.join(source_name(s).get(lang) for s in sources)
    purpose = DEFAULT_PURPOSE.split(" / ")[0 if lang == "zh-CN" else -1]
    if lang == "zh-CN":
        return (
            f"为了少问您问题，我们想在您授权后读取：{names}。用途：{purpose}；"
            f"有效期{DEFAULT_CONSENT_DAYS}天，可随时撤回。回复“同意”授权全部来源，"
            f"或“不同意”改为由您回答问题。"
        )
    return (
        f"To ask you fewer questions, with your consent we read: {names}. Purpose: {purpose}; "
        f"valid for {DEFAULT_CONSENT_DAYS} days, revocable at any time. Reply “agree” to allow "
        f"all of them, or “no” to answer the questions yourself."
    )


def question_prompt(question: QuestionView, lang: Lang) -> str:
    text = question.text.get(lang) or question.label.get(lang) or question.feature
    if question.choices:
        sep = "、" if lang == "zh-CN" else ", "
        listed = sep.join(c.label.get(lang) or c.value for c in question.choices)
        text += f"（可选：{listed}）" if lang == "zh-CN" else f" (one of: {listed})"
    elif question.type == "boolean":
        text += "（是/否）" if lang == "zh-CN" else " (yes/no)"
    hint = question.hint.get(lang).strip().rstrip("。.")
    if hint:
        text += f"（{hint}）" if lang == "zh-CN" else f" ({hint})"
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
    money: list[str] = []
    for value in (product.amount_min, product.amount_max):
        if value is not None:
            money.append(format_amount(value, lang) + ("元" if lang == "zh-CN" else " yuan"))
    terms = "/".join(str(t) for t in product.term_months)
    unit = "个月" if lang == "zh-CN" else " months"
    amount = "-".join(money) or "-"
    return title, p, rate, f"{amount}, {terms}{unit}" if terms else amount


def result_prompt(result: ApplicantResult | None, lang: Lang, detailed: bool = True) -> str:
    """The outcome: each offer in a line (``detailed``), or one line pointing at the offers
    shown beside the conversation (the chat page)."""
    if result is not None and result.offers and not detailed:
        n = len(result.offers)
        return (
            f"为您推荐{n}个产品，获批概率、利率、额度和理由见下方。" if lang == "zh-CN"
            else f"{n} product(s) recommended for you: approval chance, rate, amount and reasons "
            "are below."
        )  # fmt: skip
    if result is None or not result.offers:
        reasons = [r.get(lang) for r in (result.no_offer_reasons if result else ()) if r.get(lang)]
        head = (
            "暂时没有可以推荐的产品。" if lang == "zh-CN"
            else "No product can be recommended yet."
        )  # fmt: skip
        return head + (" " + "；".join(reasons) if reasons else "")
    lines = [
        f"为您推荐{len(result.offers)}个产品："
        if lang == "zh-CN"
        else f"{len(result.offers)} product(s) recommended for you:"
    ]
    for offer in sorted(result.offers, key=lambda o: o.rank):
        title, p, rate, amount = offer_lines(offer, lang)
        if lang == "zh-CN":
            lines.append(f"{offer.rank}. {title}：获批概率{p}，年化利率{rate}，额度{amount}")
        else:
            lines.append(
                f"{offer.rank}. {title}: approval {p}, annual rate {rate}, amount {amount}"
            )
        reasons = [r.get(lang) for r in offer.reasons if r.get(lang)]
        if reasons:
            lines.append(("   理由：" if lang == "zh-CN" else "   Why: ") + "; ".join(reasons[:3]))
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
