"""Every reason and plan text an owner reads, in both languages, is in words they understand.

The test generates every template with representative arguments: each reason code of
``data/reason_codes.yaml``, each rule of the default market (its own reason, a generated one,
the "one change would open" advice), the offer, probability, missing-answer and no-offer
reasons, the price reasons, a plan step for every actionable feature, every value of every
catalog feature, every message of both catalogs, and the page's result view. It fails on a raw
category code or feature name, an English unit or word in Chinese text, a Chinese character in
English text, a probability of 100%, or an empty or unfilled placeholder.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.messages import default_messages
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.domain.approval_band import Band
from loanmatch.domain.catalog import Feature, Text
from loanmatch.domain.pricing import Line, Quote
from loanmatch.domain.products import Market, Product
from loanmatch.domain.reason_texts import (
    ProductOutcome,
    change_kind,
    counterfactual,
    low_probability_reason,
    max_offers_reason,
    no_offer_reasons,
    offer_reasons,
    rule_reason,
    unknown_reason,
)
from loanmatch.domain.rules import Rule
from loanmatch.domain.value_text import format_code, format_range
from loanmatch.matching.explain import price_reason
from loanmatch.matching.plan import step_text
from loanmatch.matching.results import ApplicantResult, Change, Exclusion, Offer, PlanStep
from loanmatch.web.views import result_view

CATALOG = load_catalog(DEFAULT_CATALOG)
MARKET: Market = load_products(
    Path(str(resources.files("loanmatch") / "data" / "market" / "products.yaml")), CATALOG
)
PRODUCT = MARKET.products[0]
BANDS = (
    None,
    Band(0.912, 0.947, 400, 372, 0.92, 0.94),
    Band(0.979, 1.0, 400, 400, 0.98, 1.0),
    Band(0.55, 0.68, 300, 184, 0.6, 0.62),
)
PROBABILITIES = (0.5, 0.7996, 0.934, 0.9996)
THRESHOLDS = (0.8, 0.8734, 0.9997, math.inf)
ROW = {
    "enterprise_age_years": 1.5,
    "owner_age": 63.0,
    "loan_amount": 500_000.0,
    "loan_term_months": 12.0,
    "hard_inquiries_3m": 8.0,
    "hard_inquiries_6m": 10.0,
    "overdue_count_24m": 7.0,
    "lenders_outstanding": 4.0,
    "outstanding_debt": 6_000_000.0,
    "social_security_months": 0.0,
    "vat_invoice_months_24": 6.0,
}
"""An applicant failing many rules (encoded values), for the no-offer reasons."""

ENGLISH_WORDS = frozenset(
    {"yuan", "year", "years", "month", "months", "day", "days", "count", "points", "point"}
    | {"percent", "ratio", "unknown", "yes", "no", "none", "nan", "inf", "true", "false", "null"}
)
"""English units and words that must never reach a Chinese text."""
LATIN_IN_CHINESE = frozenset(
    {"IRR", "LPR", "APR", "AUC", "ECE", "loanmatch", "intake", "session", "fairness", "English",
     *"ABCDE"}
)  # fmt: skip
"""Latin words a Chinese text may carry: terms of the trade (the risk tiers A-E of docs/risk.md,
once allowed only by chance: a real product name, 中银企E贷, had an E; the model figures AUC and
ECE on the operator console), the program's name and command."""
QUOTING_CHINESE = frozenset(
    {
        "page.switch",
        "chat_page.switch",
        "portal.switch",
        "console.switch",
        "page.blank_is_unknown",
        "portal.amount",
    }
)
"""English messages that write Chinese on purpose: the other language's name in its own script,
and how to type an amount in 万."""
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff0c\u3001\u3002\uff1a\uff1b]")
LATIN = re.compile(r"[A-Za-z][A-Za-z_]*")


def _allowed_latin() -> frozenset[str]:
    """Latin tokens that belong in Chinese text: those in product and lender names and in the
    Chinese category labels (纳税信用 "A级", "中银企E贷")."""
    texts = [p.display("zh") for p in MARKET.products]
    texts += [p.lender_display("zh") for p in MARKET.products]
    for feature in CATALOG.features:
        texts += [label.zh for label in feature.category_labels]
    return frozenset(t for text in texts for t in LATIN.findall(text)) | LATIN_IN_CHINESE


ALLOWED_LATIN = _allowed_latin()


def _raw_codes() -> frozenset[str]:
    """Category codes and feature names an owner must never read: each category code that is
    not its own label (``jiangsu``, ``self_employed``; single letters are checked in Chinese
    text by the Latin check), and every snake_case feature name."""
    codes = {f.name for f in CATALOG.features if "_" in f.name}
    for feature in CATALOG.features:
        for code, label in zip(feature.categories, feature.category_labels, strict=False):
            if len(code) > 1 and code.lower() not in (label.zh.lower(), label.en.lower()):
                codes.add(code)
    return frozenset(codes)


RAW_CODES = _raw_codes()


def problems(text: str, lang: str) -> list[str]:
    """What is wrong with one text in ``lang`` (empty: nothing)."""
    found: list[str] = []
    if not text.strip():
        return ["empty"]
    if "{" in text or "}" in text:
        found.append("an unfilled placeholder")
    tokens = LATIN.findall(text)
    for token in tokens:
        if token in RAW_CODES:
            found.append(f"the raw code {token!r}")
        if token in ("None", "nan", "inf", "NaN"):
            found.append(f"{token!r}")
    if re.search(r"(?<![\d.\-])100(\.0+)?%", text):
        found.append("a probability of 100%")
    if lang == "zh":
        for token in tokens:
            if token.lower() in ENGLISH_WORDS:
                found.append(f"the English word {token!r}")
            elif token not in ALLOWED_LATIN:
                found.append(f"the Latin word {token!r}")
        if re.search(r"\d+\s*(years?|months?|days?|count|yuan)\b", text):
            found.append("a number with an English unit")
    elif CJK.search(text):
        found.append("a Chinese character")
    return found


def both(text: Text) -> Iterator[tuple[str, str]]:
    yield "zh", text.zh
    yield "en", text.en


def rule_texts(product: Product, rule: Rule) -> Iterator[tuple[str, Text]]:
    feature = CATALOG[rule.feature]
    where = f"{product.id}: {rule.text}"
    yield f"{where} (its reason)", rule_reason(rule, feature)
    generated = Rule(rule.text, rule.condition, rule.dimension)
    yield f"{where} (generated)", rule_reason(generated, feature)
    yield f"{where} (one change opens)", counterfactual(rule, feature, product, "change")
    yield f"{where} (in time)", counterfactual(rule, feature, product, "wait")


def quote(code: str) -> Quote:
    return Quote(
        product_id=PRODUCT.id,
        pd=Decimal("0.02"),
        amount=Decimal(300_000),
        term_months=12,
        method="equal_installment",
        rate=Decimal("4.50"),
        waterfall=(Line("funding", Decimal("4.50")),),
        all_in_rate=Decimal("25.10") if code != "above_rate_range" else None,
        schedule=None,
        offered=False,
        limits={
            "rate_max": Decimal("4.00"),
            "owner_max_rate": Decimal("8.00"),
            "legal_cap": Decimal(24),
        },
    )


def plan_changes() -> Iterator[tuple[list[Change], int]]:
    """A change of every actionable feature, alone and while waiting."""
    for feature in CATALOG.features:
        if feature.actionable is None:
            continue
        if feature.type == "boolean":
            yield [Change(feature.name, 1.0, 0.0)], 0
            continue
        old = ROW.get(feature.name, 10.0)
        lower = max(0.0, old / 2)
        yield [Change(feature.name, old, lower)], 0
        yield [Change(feature.name, old, old * 2 + 1)], 0
        yield [Change(feature.name, old, old + 12)], 12


def value_texts(feature: Feature) -> Iterator[tuple[str, Text]]:
    if feature.type == "category":
        codes = [float(i) for i in range(len(feature.categories))]
    elif feature.type == "boolean":
        codes = [0.0, 1.0]
    else:
        low, high = feature.min or 0.0, feature.max if feature.max is not None else 1e6
        codes = [low, 1.0, (low + high) / 2, 123_400.0, 12.5, high]
    for code in [*codes, math.nan]:
        yield (
            f"{feature.name} = {code}",
            Text(format_code(feature, code), format_code(feature, code, "en")),
        )
    if feature.type == "number":
        low, high = feature.min or 0.0, feature.max if feature.max is not None else 1e6
        yield (
            f"{feature.name} range",
            Text(format_range(feature, low, high), format_range(feature, low, high, "en")),
        )


def reason_templates() -> Iterator[tuple[str, Text]]:
    codes = default_reason_codes()
    for code, text in codes.texts.items():
        yield f"reason code {code}", text
    for product in MARKET.products:
        for rule in product.rules:
            yield from rule_texts(product, rule)
    for p in PROBABILITIES:
        for band in BANDS:
            yield f"offer p={p} band={band}", offer_reasons(p, PRODUCT.rules[:2], CATALOG, band)[0]
        for t in THRESHOLDS:
            if p < t:
                yield f"low probability {p} < {t}", low_probability_reason(p, t)
    for feature in CATALOG.features:
        yield f"needs {feature.name}", unknown_reason([feature])
        yield from value_texts(feature)
    yield "max offers", max_offers_reason(3)
    for code in ("above_rate_range", "above_owner_max_rate", "above_legal_cap"):
        yield f"price {code}", price_reason(quote(code), code)
    yield "price without a quote", price_reason(None, "above_owner_max_rate")
    for threshold in THRESHOLDS:
        outcomes = [
            ProductOutcome(product, product.rules[k : k + 1], (), 0.6, threshold)
            for product in MARKET.products
            for k in range(len(product.rules))
        ]
        outcomes += [
            ProductOutcome(PRODUCT, (), ("tax_grade", "annual_revenue"), None, threshold),
            ProductOutcome(MARKET.products[1], (), (), 0.9996, max(threshold, 0.99965)),
            ProductOutcome(MARKET.products[2], (), (), 0.95, 0.9),
        ]
        for i, text in enumerate(no_offer_reasons(CATALOG, outcomes, threshold, 50, ROW)):
            yield f"no offer (threshold {threshold}) #{i}", text
    for changes, wait in plan_changes():
        for band in BANDS:
            for all_in in (None, 7.25):
                text = step_text(CATALOG, changes, wait, PRODUCT, 0.9996, all_in, band)
                yield f"plan {changes} wait {wait} band {band}", text


TEMPLATES = list(reason_templates())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_and_plan_template_reads_in_the_owners_language(lang: str) -> None:
    bad = []
    for where, text in TEMPLATES:
        words = text.zh if lang == "zh" else text.en
        for problem in problems(words, lang):
            bad.append(f"{where}: {problem}: {words}")
    assert not bad, "\n".join(bad[:40])
    assert len(TEMPLATES) > 1000  # every rule of the market, not a sample


def _filled(text: str, lang: str) -> str:
    samples = {
        "p": "80%",
        "rate": "12",
        "n": "3",
        "max": "500",
        "days": "90",
        "rank": "1",
        "low": "1万" if lang == "zh" else "10,000",
        "high": "30万" if lang == "zh" else "300,000",
        "terms": "3、6、12" if lang == "zh" else "3, 6, 12",
        "amount": "30万" if lang == "zh" else "300,000",
    }
    names = {n for _, n, _, _ in string.Formatter().parse(text) if n}
    word = "示例" if lang == "zh" else "sample"
    return text.format(**{n: samples.get(n, word) for n in names})


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_message_of_the_catalogs_reads_in_its_language(lang: str) -> None:
    messages = default_messages()
    short = "zh" if lang == "zh-CN" else "en"
    bad = []
    for key in sorted(messages.keys):
        if key in QUOTING_CHINESE and short == "en":
            continue
        raw = messages.lookup(key, lang)
        assert raw is not None
        text = _filled(raw, short)
        for problem in problems(text, short):
            bad.append(f"{key}: {problem}: {text}")
    assert not bad, "\n".join(bad)


def _result(plan: bool, offers: bool, threshold: float) -> ApplicantResult:
    band = BANDS[2]
    products = MARKET.products
    kinds = ("low_probability", "price", "max_offers", "unknown", "rule")
    excluded = tuple(
        Exclusion(
            products[5 + k],
            kind,  # type: ignore[arg-type]
            (Text("示例原因", "a reason"),),
            0.9996 if kind != "low_probability" else 0.79996,
            "R11",
            Text("预计获批概率不够高", "Approval probability too low"),
            ("R11",),
            None,
            threshold if kind == "low_probability" else 0.8,
            band,
        )
        for k, kind in enumerate(kinds)
    )
    step = PlanStep(
        (Change("loan_amount", 500_000.0, 300_000.0),),
        products[3],
        0.9996,
        1.0,
        Text("申请金额降到30万元以内", "Lower the amount to 300,000 yuan"),
        None,
        0,
        band,
    )
    return ApplicantResult(
        applicant_id="owner",
        offers=tuple(Offer(products[k], 0.9996, k + 1, (), band=band) for k in range(3))
        if offers
        else (),
        excluded=excluded,
        threshold=threshold,
        plan=(step,) if plan else (),
    )


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_pages_result_words_read_in_the_owners_language_and_agree(lang: str) -> None:
    short = "zh" if lang == "zh-CN" else "en"
    bad = []
    for plan in (True, False):
        for offers in (True, False):
            for threshold in (0.8, 0.99912, math.inf):
                view = result_view(_result(plan, offers, threshold), lang)  # type: ignore[arg-type]
                texts = [view.threshold_text, view.inquiry_note]
                none_title = default_messages().t("result.plan_none_title", lang)
                if offers and not plan:
                    assert view.plan_title == ""  # no plan box: no heading
                else:
                    texts.append(view.plan_title)
                    # the heading promises a plan only when a verified one exists
                    assert (view.plan_title == none_title) == (not plan)
                for o in view.offers:
                    texts += [o.p_text, o.amount, o.term, o.rate, *o.reasons]
                for e in view.excluded:
                    texts += [e.kind_text, e.code_text, e.p_text, *e.reasons]
                for text in texts:
                    bad += [f"{problem}: {text}" for problem in problems(text, short)]
    assert not bad, "\n".join(bad)


def test_no_advice_changes_a_fact_the_catalog_marks_unchangeable() -> None:
    outcomes = [
        ProductOutcome(product, (rule,), (), 0.6, 0.8)
        for product in MARKET.products
        for rule in product.rules
    ]
    advice = [
        r.zh
        for r in no_offer_reasons(CATALOG, outcomes, 0.8, 10_000, ROW)
        if r.zh.startswith(("若", "再等一段时间"))
    ]
    assert advice
    fixed = [f for f in CATALOG.features if f.actionable is None]
    for text in advice:
        for feature in fixed:
            label = feature.display("zh")
            assert not text.startswith((f"若{label}", f"再等一段时间，{label}")), text
    owner_age = next(
        rule for p in MARKET.products for rule in p.rules if rule.feature == "owner_age"
    )
    assert change_kind(owner_age, CATALOG["owner_age"], ROW["owner_age"]) == "never"


def test_the_checker_catches_each_kind_of_text_owners_read_before() -> None:
    assert problems("若注册地（省份）为jiangsu之一，即可申请抵押贷", "zh")
    assert problems("申请金额在10,000 yuan至300,000 yuan之间", "zh")
    assert problems("成立年限 5years", "zh")
    assert problems("近3个月硬查询次数 0count", "zh")
    assert problems("预计获批概率 100%", "zh")
    assert problems("获批概率 100.0%", "en")
    assert problems("Needs first: 纳税信用等级", "en")
    assert problems("预计获批概率 {p}", "zh")
    assert problems("Estimated approval probability nan%", "en")
    assert problems("不支持的行业门类：J、K", "zh")
    assert not problems("若申请金额在1万-30万元之间，即符合税贷的申请条件", "zh")
    assert not problems("With amount of 10,000-300,000 yuan, Tax loan's requirements are met", "en")
