"""Reasons in words (zh/en): why an offer, why not a product, what would change it.

docs/design.md §5, step 7.

Everything here is generated from the catalog and the rules, so it works for any market.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.products import Product
from loanmatch.domain.rules import Rule
from loanmatch.lang import parse_lang

__all__ = [
    "ProductOutcome",
    "counterfactual",
    "format_value",
    "low_probability_reason",
    "max_offers_reason",
    "no_offer_reasons",
    "offer_reasons",
    "rule_reason",
    "unknown_reason",
]


def format_value(feature: Feature, code: float, lang: str = "zh") -> str:
    """A feature's encoded value as an owner reads it (category name, yes/no, 1,250,000 元)."""
    if math.isnan(code):
        return "unknown" if parse_lang(lang) == "en" else "未知"
    if feature.type == "category":
        index = int(code)
        return feature.categories[index] if 0 <= index < len(feature.categories) else f"{code:g}"
    if feature.type == "boolean":
        if parse_lang(lang) == "en":
            return "yes" if code else "no"
        return "是" if code else "否"
    text = f"{code:,.0f}" if float(code).is_integer() else f"{code:,.4g}"
    return f"{text} {feature.unit}" if feature.unit else text


def _joined(feature: Feature, codes: Sequence[float], lang: str) -> str:
    separator = ", " if parse_lang(lang) == "en" else "、"
    return separator.join(format_value(feature, c, lang) for c in codes)


def _is_ordered_prefix(feature: Feature, codes: Sequence[float]) -> bool:
    chosen = sorted(int(c) for c in codes)
    return (
        feature.type == "category"
        and feature.monotone != 0
        and 0 < len(chosen) < len(feature.categories)
        and chosen == list(range(len(chosen)))
    )


def _requirement(rule: Rule, feature: Feature, lang: str) -> str:
    """What the rule asks of the feature, as a phrase after the feature's label."""
    op, v = rule.condition.op, rule.condition.values
    en = parse_lang(lang) == "en"
    if op == "in" and _is_ordered_prefix(feature, v):
        best = format_value(feature, max(v), lang)
        return f"{best} or better" if en else f"为{best}或更好"
    phrases_en = {
        ">=": "of {0} or more",
        ">": "above {0}",
        "<=": "of {0} or less",
        "<": "below {0}",
        "==": "{0}",
        "!=": "other than {0}",
        "in": "one of {0}",
        "not in": "other than {0}",
        "between": "between {0} and {1}",
    }
    phrases_zh = {
        ">=": "达到{0}或以上",
        ">": "高于{0}",
        "<=": "不超过{0}",
        "<": "低于{0}",
        "==": "为{0}",
        "!=": "不为{0}",
        "in": "为{0}之一",
        "not in": "不为{0}",
        "between": "在{0}至{1}之间",
    }
    template = (phrases_en if en else phrases_zh)[op]
    if op in ("in", "not in"):
        return template.format(_joined(feature, v, lang))
    return template.format(*(format_value(feature, c, lang) for c in v))


def counterfactual(rule: Rule, feature: Feature, product: Product) -> Text:
    """'With tax grade B or better this product opens': the one change that opens a product."""
    return Text(
        zh=f"若{feature.display('zh')}{_requirement(rule, feature, 'zh')}，"
        f"即可申请{product.display('zh')}",
        en=f"With {feature.display('en')} {_requirement(rule, feature, 'en')}, "
        f"{product.display('en')} opens",
    )


def rule_reason(rule: Rule, feature: Feature) -> Text:
    """The rule's own reason text, or one generated from its condition."""
    return Text(zh=rule.explain(feature, "zh"), en=rule.explain(feature, "en"))


def offer_reasons(p_approve: float, passed: Sequence[Rule], catalog: Catalog) -> tuple[Text, ...]:
    """An offer's reasons: its approval probability and the requirements it meets that matter."""
    reasons = [
        Text(
            zh=f"预计获批概率 {p_approve:.0%}", en=f"Estimated approval probability {p_approve:.0%}"
        )
    ]
    for rule in passed:
        text = rule_reason(rule, catalog[rule.feature])
        reasons.append(Text(zh=f"满足：{text.zh}", en=f"Meets: {text.en}"))
    return tuple(reasons)


def unknown_reason(features: Sequence[Feature]) -> Text:
    """A product whose rules cannot be checked yet: which answers are missing."""
    return Text(
        zh="需要先提供：" + "、".join(f.display("zh") for f in features),
        en="Needs first: " + ", ".join(f.display("en") for f in features),
    )


def low_probability_reason(p_approve: float, threshold: float) -> Text:
    if math.isinf(threshold):
        return Text(
            zh=f"预计获批概率 {p_approve:.0%}，未达到可保证的推荐标准",
            en=f"Estimated approval probability {p_approve:.0%} does not reach a level we can "
            "stand behind",
        )
    return Text(
        zh=f"预计获批概率 {p_approve:.0%}，低于推荐门槛 {threshold:.0%}",
        en=f"Estimated approval probability {p_approve:.0%} is below the threshold {threshold:.0%}",
    )


def max_offers_reason(max_offers: int) -> Text:
    return Text(
        zh=f"排在前 {max_offers} 个推荐之后（每次申请都会产生一次征信查询）",
        en=f"Ranked below the top {max_offers} offers (each application is a credit inquiry)",
    )


@dataclass(frozen=True)
class ProductOutcome:
    """One product's outcome for one applicant, the input of :func:`no_offer_reasons`."""

    product: Product
    failing: tuple[Rule, ...]
    unknown: tuple[str, ...]
    """Features the product's rules need and the applicant has not given."""
    p_approve: float | None = None


def no_offer_reasons(
    catalog: Catalog, outcomes: Sequence[ProductOutcome], threshold: float, limit: int = 3
) -> tuple[Text, ...]:
    """The main reasons an applicant gets no offer, phrased for the owner.

    The most common failing requirements across products (by feature), the single changes that
    would open a product, the answers that would let more products be checked, and the best
    probability among the products whose rules are met.
    """
    reasons: list[Text] = []
    by_feature: Counter[str] = Counter()
    example: dict[str, Rule] = {}
    for outcome in outcomes:
        for name in dict.fromkeys(r.feature for r in outcome.failing):
            by_feature[name] += 1
            example.setdefault(name, next(r for r in outcome.failing if r.feature == name))
    for name, count in by_feature.most_common(limit):
        text = rule_reason(example[name], catalog[name])
        reasons.append(
            Text(
                zh=f"{count} 个产品因{catalog[name].display('zh')}不符合要求（如：{text.zh}）",
                en=f"{count} products are closed by {catalog[name].display('en')} (e.g. {text.en})",
            )
        )
    single = [o for o in outcomes if len(o.failing) == 1 and not o.unknown]
    single.sort(key=lambda o: -(o.p_approve if o.p_approve is not None else 0.0))
    for outcome in single[:limit]:
        rule = outcome.failing[0]
        reasons.append(counterfactual(rule, catalog[rule.feature], outcome.product))
    open_unknown = [o for o in outcomes if not o.failing and o.unknown]
    if open_unknown:
        names = list(dict.fromkeys(n for o in open_unknown for n in o.unknown))
        missing = unknown_reason([catalog[n] for n in names[:limit]])
        reasons.append(
            Text(
                zh=f"{missing.zh}，可再核对 {len(open_unknown)} 个产品",
                en=f"{missing.en}, to check {len(open_unknown)} more products",
            )
        )
    eligible = [o.p_approve for o in outcomes if not o.failing and not o.unknown]
    scored = [p for p in eligible if p is not None]
    if scored:
        best = max(scored)
        reasons.append(
            Text(
                zh=f"{len(scored)} 个产品条件符合，但最高预计获批概率 {best:.0%} 低于推荐标准",
                en=f"{len(scored)} products' rules are met, but the best approval probability "
                f"{best:.0%} is below the bar",
            )
        )
    return tuple(reasons)
