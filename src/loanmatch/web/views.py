"""What the demo page and the JSON API show: the form from the catalog, offers and exclusions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from loanmatch.adapters import messages
from loanmatch.domain.approval_band import (
    Band,
    probability_text,
    shown_probability,
    threshold_text,
)
from loanmatch.domain.catalog import Catalog, Feature
from loanmatch.domain.offer_terms import offer_terms
from loanmatch.domain.pricing import Quote
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rules import FAIL
from loanmatch.errors import Bilingual
from loanmatch.intake.answers import format_amount, is_money
from loanmatch.lang import Lang
from loanmatch.matching.results import ApplicantResult, Exclusion, Offer
from loanmatch.web.i18n import group_title, unit_label

__all__ = [
    "ExclusionView",
    "FieldView",
    "FormGroup",
    "OfferView",
    "ResultView",
    "UnlockView",
    "WaterfallLine",
    "build_form",
    "form_features",
    "relevant_features",
    "result_view",
]


@dataclass(frozen=True)
class FieldView:
    """One form field: ``kind`` is number, money, boolean or category."""

    name: str
    label: str
    question: str
    kind: str
    unit: str
    options: tuple[tuple[str, str], ...]
    value: str
    error: str | None
    unlock: str = ""
    """Set when this blank alone would open products (``matching/unlock.py``): the page
    highlights the field and says how many."""


@dataclass(frozen=True)
class FormGroup:
    key: str
    title: str
    fields: tuple[FieldView, ...]


def form_features(catalog: Catalog) -> tuple[Feature, ...]:
    """What the page asks: features that are asked or come from a connector, never derived
    ones (computed) nor protected attributes (never used to decide)."""
    return tuple(f for f in catalog.features if not f.derived and not f.protected)


def _requires_true(product: Product) -> frozenset[str]:
    """The yes/no facts ``product`` requires to be yes (``has_tobacco_licence == true``)."""
    return frozenset(
        r.feature for r in product.rules if r.condition.op == "==" and r.condition.values == (1.0,)
    )


def relevant_features(market: Market, record: Mapping[str, object]) -> frozenset[str]:
    """The form's features that matter for this owner, given what they said (``record``, typed
    values): a feature no product's rules read (the model's general facts) always; one that
    rules read, when some product reading it is still possible (its rules do not FAIL on what
    is known) and every other yes/no fact that product requires is already yes. So a follow-up
    (the tobacco licence's years) waits for its gate (holding a licence) and the facts of
    products for other industries go once the industry rules those products out."""
    catalog = market.catalog
    known = {k: v for k, v in record.items() if v is not None and k in catalog}
    status = market.eligibility(catalog.encode_record(known)).status[0]
    readers: dict[str, list[int]] = {}
    for j, product in enumerate(market.products):
        for rule in product.rules:
            readers.setdefault(rule.feature, []).append(j)
    shown: set[str] = set()
    for feature in form_features(catalog):
        mine = readers.get(feature.name)
        if not mine:
            shown.add(feature.name)
            continue
        for j in mine:
            gates = _requires_true(market.products[j]) - {feature.name}
            if status[j] != FAIL and all(known.get(g) is True for g in gates):
                shown.add(feature.name)
                break
    return frozenset(shown)


def _kind(feature: Feature) -> str:
    if feature.type == "number":
        return "money" if is_money(feature) else "number"
    return feature.type


def _options(feature: Feature, lang: Lang) -> tuple[tuple[str, str], ...]:
    unknown = messages.t("page.choice_unknown", lang)
    if feature.type == "boolean":
        yes, no = messages.t("page.choice_yes", lang), messages.t("page.choice_no", lang)
        return (("", unknown), ("true", yes), ("false", no))
    if feature.type == "category":
        labels = ((c, feature.category_label(c, lang)) for c in feature.categories)
        return (("", unknown), *labels)
    return ()


def _boolean_value(raw: str) -> str:
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes", "是", "有"):
        return "true"
    if lowered in ("false", "0", "no", "否", "无"):
        return "false"
    return raw


def _unit_unless_labelled(feature: Feature, lang: Lang) -> str:
    """The unit to show beside the label, unless the label already says it ("金额（元）")."""
    unit = unit_label(feature.unit, lang)
    label = feature.display(lang).rstrip()
    if not unit or label.endswith((")", "）")):
        return ""
    return unit


def build_form(
    catalog: Catalog,
    lang: Lang,
    values: Mapping[str, str],
    errors: Mapping[str, Bilingual],
    *,
    shown: frozenset[str] | None = None,
    unlocking: Mapping[str, int] | None = None,
) -> tuple[FormGroup, ...]:
    """The form's groups in catalog order, each field with what was typed and its error;
    ``shown`` (None: every field) limits the fields to those that matter
    (:func:`relevant_features`), though a field typed in or in error is always kept;
    ``unlocking`` marks the blanks that alone would open that many products."""
    groups: dict[str, list[FieldView]] = {}
    for feature in form_features(catalog):
        keep = values.get(feature.name, "") != "" or feature.name in errors
        if shown is not None and feature.name not in shown and not keep:
            continue
        n_open = (unlocking or {}).get(feature.name, 0)
        unlock = messages.t("page.unlock_field", lang, n=n_open) if n_open else ""
        raw = values.get(feature.name, "")
        if feature.type == "boolean":
            raw = _boolean_value(raw)
        error = errors.get(feature.name)
        groups.setdefault(feature.group or "other", []).append(
            FieldView(
                name=feature.name,
                label=feature.display(lang),
                question=feature.question.get(lang),
                kind=_kind(feature),
                unit=_unit_unless_labelled(feature, lang),
                options=_options(feature, lang),
                value=raw,
                error=error.get(lang) if error is not None else None,
                unlock=unlock,
            )
        )
    return tuple(
        FormGroup(key=key, title=group_title(key, lang), fields=tuple(fields))
        for key, fields in groups.items()
    )


@dataclass(frozen=True)
class WaterfallLine:
    """One step of the rate build-up: ``share`` is its width in the bar, percent of the rate."""

    key: str
    label: str
    rate: str
    share: float


@dataclass(frozen=True)
class OfferView:
    rank: int
    product_id: str
    name: str
    lender: str
    kind: str
    p_approve: float
    p_text: str
    """The approval band (``约90%–95%``, ``95%以上``), never a point such as 100%."""
    rate: str
    amount: str
    term: str
    reasons: tuple[str, ...]
    priced: bool = False
    rate_range: str = ""
    all_in: str = ""
    tier: str = ""
    waterfall: tuple[WaterfallLine, ...] = ()
    repayment: str = ""
    payment: str = ""
    """The monthly payment for the repayment method (``domain/offer_terms.py``)."""
    total_interest: str = ""
    fees: str = ""
    estimate: bool = False
    """The build-up is an estimate: the lender does not publish its costs."""
    simulated: bool = False
    """The offer comes from the built-in simulated market (the card says 模拟数据)."""


@dataclass(frozen=True)
class ExclusionView:
    product_id: str
    name: str
    lender: str
    kind: str
    kind_text: str
    reasons: tuple[str, ...]
    p_approve: float | None
    p_text: str
    """Under the threshold: the point rounded down (``约79%``); at or above it: the band."""
    code: str = ""
    code_text: str = ""


@dataclass(frozen=True)
class UnlockView:
    """A blank that alone would open products: what to do, and whether it is a consent."""

    feature: str
    text: str
    count: int
    source: str
    pull: bool
    """True: the page offers to authorise ``source`` rather than to type the value."""


@dataclass(frozen=True)
class ResultView:
    threshold: float
    threshold_text: str
    offers: tuple[OfferView, ...]
    excluded: tuple[ExclusionView, ...]
    no_offer_reasons: tuple[str, ...]
    plan: tuple[str, ...] = ()
    plan_title: str = ""
    """The plan's heading: "not yet" when a verified plan exists, "none found yet" when it does
    not, or with offers that are all dear, "a cheaper loan"."""
    inquiry_note: str = ""
    words: Mapping[str, str] | None = None
    unlocks: tuple[UnlockView, ...] = ()
    """The blanks that alone would open products, most products first."""


def rate_percent(rate: float) -> str:
    """An annual rate, already in percent (design: 3.45 means 3.45%)."""
    return f"{rate:.2f}%"


def _rate_text(product: Product) -> str:
    low, high = product.rate_min, product.rate_max
    if low is None or high is None or low == high:
        only = low if low is not None else high
        return rate_percent(only) if only is not None else "—"
    return f"{rate_percent(low)} – {rate_percent(high)}"


def _amount_text(product: Product, lang: Lang) -> str:
    low, high = product.amount_min, product.amount_max
    if low is None and high is None:
        return "—"
    parts = [format_amount(v, lang) if v is not None else "…" for v in (low, high)]
    return messages.t("page.amount_range", lang, low=parts[0], high=parts[1])


def _term_text(product: Product, lang: Lang) -> str:
    if not product.term_months:
        return "—"
    joined = messages.t("common.list_separator", lang).join(str(t) for t in product.term_months)
    return messages.t("page.term_months", lang, terms=joined)


def _p_text(p: float, band: Band | None, lang: Lang) -> str:
    return probability_text(p, band, lang)


def waterfall_lines(quote: Quote, lang: Lang) -> tuple[WaterfallLine, ...]:
    """The build-up lines with a non-zero rate, each with its share of the rate."""
    total = float(quote.rate) or 1.0
    return tuple(
        WaterfallLine(
            key=line.key,
            label=line.text.get(lang),
            rate=f"{line.rate:.2f}%",
            share=round(float(line.rate) / total * 100.0, 2),
        )
        for line in quote.waterfall
        if line.rate != 0
    )


def _offer_view(offer: Offer, lang: Lang) -> OfferView:
    product = offer.product
    quote = offer.quote
    if quote is not None and quote.all_in_rate is not None:
        terms = offer_terms(quote, lang)
        return replace(
            _plain_offer_view(offer, lang),
            rate=rate_percent(float(quote.rate)),
            priced=True,
            rate_range=_rate_text(product),
            all_in=rate_percent(float(quote.all_in_rate)),
            tier=offer.tier or "",
            waterfall=waterfall_lines(quote, lang),
            repayment=terms.repayment if terms else "",
            payment=terms.payment if terms else "",
            total_interest=terms.total_interest if terms else "",
            fees=terms.fees if terms else "",
            estimate=not quote.costs_published,
            simulated=quote.simulated,
        )
    return replace(_plain_offer_view(offer, lang), tier=offer.tier or "")


def _plain_offer_view(offer: Offer, lang: Lang) -> OfferView:
    product = offer.product
    return OfferView(
        rank=offer.rank,
        product_id=product.id,
        name=product.display(lang),
        lender=product.lender_display(lang),
        kind=product.kind,
        p_approve=offer.p_approve,
        p_text=_p_text(offer.p_approve, offer.band, lang),
        rate=_rate_text(product),
        amount=_amount_text(product, lang),
        term=_term_text(product, lang),
        reasons=tuple(r.get(lang) for r in offer.reasons),
    )


def _exclusion_view(exclusion: Exclusion, lang: Lang) -> ExclusionView:
    product = exclusion.product
    p = exclusion.p_approve
    return ExclusionView(
        product_id=product.id,
        name=product.display(lang),
        lender=product.lender_display(lang),
        kind=exclusion.kind,
        kind_text=_kind_text(exclusion.kind, lang),
        reasons=tuple(r.get(lang) for r in exclusion.reasons),
        p_approve=p,
        p_text=_exclusion_p_text(exclusion, lang),
        code=exclusion.code,
        code_text=exclusion.code_text.get(lang),
    )


def _exclusion_p_text(exclusion: Exclusion, lang: Lang) -> str:
    if exclusion.p_approve is None:
        return ""
    return shown_probability(exclusion.p_approve, exclusion.band, lang, exclusion.threshold)


def _threshold_text(threshold: float, lang: Lang) -> str:
    if threshold == float("inf"):
        return messages.t("page.threshold_none", lang)
    return messages.t("page.threshold", lang, p=threshold_text(threshold))


def _plan_title(result: ApplicantResult, lang: Lang) -> str:
    if result.plan_cheaper_than is not None:
        return messages.t("result.plan_cheaper", lang, rate=f"{result.plan_cheaper_than:g}")
    if result.plan:
        return messages.t("result.plan", lang)
    if result.offers:
        return ""  # offers and no plan: there is no plan box
    return messages.t("result.plan_none_title", lang)


def _kind_text(kind: str, lang: Lang) -> str:
    return messages.t(f"exclusion.{kind}", lang)


_KIND_ORDER = {
    "capacity": 0, "low_probability": 1, "price": 2, "max_offers": 3, "unknown": 4, "rule": 5,
}  # fmt: skip


def _unlock_views(
    result: ApplicantResult, lang: Lang, pullable: frozenset[str]
) -> tuple[UnlockView, ...]:
    views = []
    for u in result.unlocks:
        pull = u.source in pullable
        text = u.text if pull else (u.answer_text if u.answer_text.zh else u.text)
        views.append(UnlockView(u.feature, text.get(lang), u.count, u.source, pull))
    return tuple(views)


def result_view(
    result: ApplicantResult, lang: Lang, *, pullable: frozenset[str] = frozenset()
) -> ResultView:
    """Offers in rank order; exclusions nearest to an offer first (then by probability); the
    blanks that would open products, as a consent to give for the sources in ``pullable`` (the
    chat, where a connector exists and its data is not in) or else as a fact to fill in."""
    excluded = sorted(
        result.excluded,
        key=lambda e: (_KIND_ORDER.get(e.kind, 9), -(e.p_approve or 0.0), e.product.id),
    )
    return ResultView(
        threshold=result.threshold,
        threshold_text=_threshold_text(result.threshold, lang),
        offers=tuple(_offer_view(o, lang) for o in sorted(result.offers, key=lambda o: o.rank)),
        excluded=tuple(_exclusion_view(e, lang) for e in excluded),
        no_offer_reasons=tuple(r.get(lang) for r in result.no_offer_reasons),
        plan=tuple(step.text.get(lang) for step in result.plan),
        plan_title=_plan_title(result, lang),
        inquiry_note=messages.t("result.inquiries", lang, n=result.max_offers),
        words=messages.section("result", lang),
        unlocks=_unlock_views(result, lang, pullable),
    )
