"""Reasons in words (zh/en): why an offer, why not a product, what would change it.

docs/design.md §5, step 7.

Everything here is generated from the catalog and the rules, so it works for any market.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from loanmatch.domain.approval_band import (
    Band,
    below_text,
    point_text,
    probability_text,
    threshold_text,
)
from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.products import Product
from loanmatch.domain.rules import Rule
from loanmatch.domain.value_text import format_code, format_range, short_label
from loanmatch.lang import parse_lang

__all__ = [
    "ProductOutcome",
    "change_kind",
    "counterfactual",
    "low_probability_reason",
    "max_offers_reason",
    "no_offer_reasons",
    "offer_reasons",
    "rule_reason",
    "unknown_reason",
]

ChangeKind = Literal["change", "wait", "never"]
"""How an owner can come to meet a rule: change the value now, wait, or not at all."""


def _joined(feature: Feature, codes: Sequence[float], lang: str) -> str:
    separator = ", " if parse_lang(lang) == "en" else "、"
    return separator.join(format_code(feature, c, lang) for c in codes)


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
        best = format_code(feature, max(v), lang)
        return f"{best} or better" if en else f"为{best}或更好"
    if op == "between":
        span = format_range(feature, v[0], v[1], lang)
        return f"of {span}" if en else f"在{span}之间"
    if feature.type == "boolean" and op in ("==", "!="):
        wanted = bool(v[0]) == (op == "==")
        answer = format_code(feature, 1.0 if wanted else 0.0, lang)
        return f"“{answer}”" if en else f"为“{answer}”"
    phrases_en = {
        ">=": "of {0} or more",
        ">": "above {0}",
        "<=": "of {0} or less",
        "<": "below {0}",
        "==": "{0}",
        "!=": "other than {0}",
        "in": "one of {0}",
        "not in": "other than {0}",
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
    }
    template = (phrases_en if en else phrases_zh)[op]
    if op in ("in", "not in"):
        return template.format(_joined(feature, v, lang))
    return template.format(format_code(feature, v[0], lang))


def change_kind(rule: Rule, feature: Feature, value: float = math.nan) -> ChangeKind:
    """Whether an owner whose ``value`` fails ``rule`` can come to meet it: ``change`` (an
    actionable feature the owner moves now: amount, term, debt, lenders, an overdue), ``wait``
    (a clock that only grows, ``time`` / ``start``, when the rule wants more of it; a count of
    recent events, ``decay``, when the rule wants fewer), or ``never`` (a fact the catalog marks
    as unchangeable, ``actionable: None``: province, industry, entity type, gender; and a clock
    asked to go back, e.g. an owner too old). Advice is only ever given for the first two."""
    kind = feature.actionable
    op, v = rule.condition.op, rule.condition.values
    if kind is None:
        return "never"
    if kind in ("reduce", "increase", "choose"):
        return "change"
    grows = kind in ("time", "start")
    if op in ((">=", ">") if grows else ("<=", "<")):
        return "wait"
    if op != "between" or math.isnan(value):
        return "never"
    return "wait" if (grows and value < v[0]) or (not grows and value > v[1]) else "never"


def counterfactual(
    rule: Rule, feature: Feature, product: Product, kind: ChangeKind = "change"
) -> Text:
    """'With tax grade B or better, Tax loan's requirements are met': the one change that meets
    a product's rules (its requirements, not an approval: only the verified plan says that); a
    rule met by waiting is said as waiting ("再等一段时间，成立年限达到2年或以上后…"), an
    overdue to clear as clearing it."""
    label_zh, label_en = short_label(feature, "zh"), short_label(feature, "en")
    lower_en = f"{label_en[:1].lower()}{label_en[1:]}"
    need_zh, need_en = _requirement(rule, feature, "zh"), _requirement(rule, feature, "en")
    name_zh, name_en = product.display("zh"), product.display("en")
    met_zh, met_en = f"即符合{name_zh}的申请条件", f"{name_en}'s requirements are met"
    clear = (
        feature.type == "boolean"
        and feature.actionable == "reduce"
        and rule.condition.op in ("==", "!=")
        and bool(rule.condition.values[0]) != (rule.condition.op == "==")
    )
    if clear:
        return Text(
            zh=f"先解决“{label_zh}”，{met_zh}", en=f"Once “{lower_en}” is resolved, {met_en}"
        )
    if kind == "wait":
        return Text(
            zh=f"再等一段时间，{label_zh}{need_zh}后，{met_zh}",
            en=f"In time, with {lower_en} {need_en}, {met_en}",
        )
    return Text(zh=f"若{label_zh}{need_zh}，{met_zh}", en=f"With {lower_en} {need_en}, {met_en}")


def _names_a_raw_code(text: str, rule: Rule, feature: Feature, lang: str) -> bool:
    """Whether ``text`` names one of the rule's categories by its code where the code is not
    part of its label ("J" for 金融业; but "A" is part of "A级")."""
    if feature.type != "category":
        return False
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    for code_value in rule.condition.values:
        index = int(code_value)
        if not 0 <= index < len(feature.categories):
            continue
        code = feature.categories[index]
        if code in words and code not in feature.category_label(code, lang):
            return True
    return False


def rule_reason(rule: Rule, feature: Feature) -> Text:
    """The rule's own reason text, or one generated from its condition in words (labels and
    units, never the rule's codes); an own reason that names a category by its code ("不支持的
    行业门类：J、K") gives way to the generated one ("…不为金融业、房地产业")."""
    label_en = short_label(feature, "en")
    generated = Text(
        zh=f"要求{short_label(feature, 'zh')}{_requirement(rule, feature, 'zh')}",
        en=f"requires {label_en[:1].lower()}{label_en[1:]} {_requirement(rule, feature, 'en')}",
    )
    own = rule.reason
    zh = own.zh if own.zh and not _names_a_raw_code(own.zh, rule, feature, "zh") else generated.zh
    en = own.en if own.en and not _names_a_raw_code(own.en, rule, feature, "en") else generated.en
    return Text(zh=zh, en=en)


def _products(n: int) -> str:
    return "1 product" if n == 1 else f"{n} products"


def offer_reasons(
    p_approve: float, passed: Sequence[Rule], catalog: Catalog, band: Band | None = None
) -> tuple[Text, ...]:
    """An offer's reasons: its approval band (the realised approval of held-out pairs scored
    alike, ``domain/approval_band.py``) and the requirements it meets that matter."""
    reasons = [
        Text(
            zh=f"预计获批概率{probability_text(p_approve, band, 'zh')}",
            en=f"Estimated approval probability {probability_text(p_approve, band, 'en')}",
        )
    ]
    for rule in passed:
        text = rule_reason(rule, catalog[rule.feature])
        reasons.append(Text(zh=f"满足：{text.zh}", en=f"Meets: {text.en}"))
    return tuple(reasons)


def unknown_reason(features: Sequence[Feature]) -> Text:
    """A product whose rules cannot be checked yet: which answers are missing."""
    return Text(
        zh="需要先提供：" + "、".join(short_label(f, "zh") for f in features),
        en="Needs first: " + ", ".join(short_label(f, "en") for f in features),
    )


def low_probability_reason(p_approve: float, threshold: float) -> Text:
    """A probability under the product's threshold, rounded down beside the threshold rounded
    up (never "80% below 80%"); with no certifiable threshold, that none is."""
    if math.isinf(threshold):
        return Text(
            zh=f"预计获批概率{point_text(p_approve, 'zh')}，未达到可保证的推荐标准",
            en=f"Estimated approval probability {point_text(p_approve, 'en')} does not reach a "
            "level we can stand behind",
        )
    return Text(
        zh=f"预计获批概率{below_text(p_approve, threshold, 'zh')}，"
        f"低于推荐门槛{threshold_text(threshold)}",
        en=f"Estimated approval probability {below_text(p_approve, threshold, 'en')} is below "
        f"the threshold {threshold_text(threshold)}",
    )


def max_offers_reason(max_offers: int) -> Text:
    return Text(
        zh=f"排在前{max_offers}个推荐之后（每次申请都会产生一次征信查询）",
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
    threshold: float | None = None
    """The product's own threshold (None: the applicant's, as given to no_offer_reasons)."""


def no_offer_reasons(
    catalog: Catalog,
    outcomes: Sequence[ProductOutcome],
    threshold: float,
    limit: int = 3,
    row: Mapping[str, float] | None = None,
) -> tuple[Text, ...]:
    """The main reasons an applicant gets no offer, phrased for the owner.

    The most common failing requirements across products (by feature), the single changes that
    would open a product (only of what the owner can change, or gets by waiting:
    :func:`change_kind`; ``row`` is the applicant's encoded values), the answers that would let
    more products be checked, and the best probability among the products whose rules are met
    (against its own threshold), or that their price is above a limit.
    """
    values = row or {}
    reasons: list[Text] = []
    by_feature: Counter[str] = Counter()
    example: dict[str, Rule] = {}
    for outcome in outcomes:
        for name in dict.fromkeys(r.feature for r in outcome.failing):
            by_feature[name] += 1
            example.setdefault(name, next(r for r in outcome.failing if r.feature == name))
    for name, count in by_feature.most_common(limit):
        text = rule_reason(example[name], catalog[name])
        label_en = short_label(catalog[name], "en")
        closed = "is closed" if count == 1 else "are closed"
        reasons.append(
            Text(
                zh=f"{count}个产品因{short_label(catalog[name], 'zh')}不符合要求（如：{text.zh}）",
                en=f"{_products(count)} {closed} by {label_en[:1].lower()}{label_en[1:]} "
                f"(e.g. {text.en})",
            )
        )
    single = []
    for o in outcomes:
        if len(o.failing) != 1 or o.unknown:
            continue
        rule = o.failing[0]
        kind = change_kind(rule, catalog[rule.feature], values.get(rule.feature, math.nan))
        if kind != "never":
            single.append((o, kind))
    single.sort(key=lambda ok: -(ok[0].p_approve if ok[0].p_approve is not None else 0.0))
    for outcome, kind in single[:limit]:
        rule = outcome.failing[0]
        reasons.append(counterfactual(rule, catalog[rule.feature], outcome.product, kind))
    open_unknown = [o for o in outcomes if not o.failing and o.unknown]
    if open_unknown:
        names = list(dict.fromkeys(n for o in open_unknown for n in o.unknown))
        missing = unknown_reason([catalog[n] for n in names[:limit]])
        n = len(open_unknown)
        reasons.append(
            Text(
                zh=f"{missing.zh}，可再核对{n}个产品",
                en=f"{missing.en}, to check {n} more {'product' if n == 1 else 'products'}",
            )
        )
    scored = [
        (o.p_approve, threshold if o.threshold is None else o.threshold)
        for o in outcomes
        if not o.failing and not o.unknown and o.p_approve is not None
    ]
    below = [(p, t) for p, t in scored if p < t]
    priced_out = len(scored) - len(below)
    if below:
        best, bar = max(below)
        n = len(below)
        met = "product's rules are" if n == 1 else "products' rules are"
        if math.isinf(bar):
            reasons.append(
                Text(
                    zh=f"{n}个产品条件符合，但预计获批概率（最高{point_text(best, 'zh')}）"
                    "未达到可保证的推荐标准",
                    en=f"{n} {met} met, but the approval probability (at best "
                    f"{point_text(best, 'en')}) does not reach a level we can stand behind",
                )
            )
        else:
            reasons.append(
                Text(
                    zh=f"{n}个产品条件符合，但最高预计获批概率{below_text(best, bar, 'zh')}，"
                    f"低于推荐门槛{threshold_text(bar)}",
                    en=f"{n} {met} met, but the best approval probability "
                    f"{below_text(best, bar, 'en')} is below the threshold {threshold_text(bar)}",
                )
            )
    if priced_out:
        reasons.append(
            Text(
                zh=f"{priced_out}个产品获批概率达标，但报价超出产品利率上限、24%红线或您可接受的最高利率",
                en=f"{_products(priced_out)} clear the approval threshold, but the price is above "
                "the product's range, the 24% line or your highest acceptable rate",
            )
        )
    return tuple(reasons)
