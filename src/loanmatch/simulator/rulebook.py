"""The wording of the default market's published rules: templates of rule text, dimension and
reasons (zh, en), one per kind of rule.

The rules themselves are data (``data/market/products.yaml``); these templates are how their
reasons are worded, and ``tests/unit/simulator/test_market_data.py`` checks that every rule
worded like a template carries that template's reasons for its own numbers. Each template cites
where its thresholds come from (``docs/market-reference.md``: "ref §1 #N" is row N of the
product table, "ref §3" the credit-bureau conventions).
"""

from __future__ import annotations

from typing import Any

__all__ = ["TEMPLATES", "Rule", "rule"]

Rule = dict[str, Any]

# key: (rule text, dimension, reason zh, reason en). Placeholders: {0} {1} the values,
# {w0} the first value in 万 (10k yuan), {c0} the first value with thousands separators.
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    # ref §1 #1-5, #11, #13: owner 18-60 / 18-65 / 22-65 / 22-60
    "owner_age": (
        "owner_age between [{0}, {1}]",
        "user",
        "经营者年龄须在{0}至{1}岁之间",
        "the owner must be {0} to {1} years old",
    ),
    # ref §1: filed >= 2 yrs (#1-7), trading >= 12 mo (#3), >= 18 mo (#11), licence >= 1 yr (#13)
    "firm_age": (
        "enterprise_age_years >= {0}",
        "user",
        "须成立满{0}年",
        "at least {0} year(s) in business",
    ),
    "grades": ("tax_grade in [{0}]", "user", "纳税信用等级须为{0}级", "tax credit grade {0}"),
    # ref §1 #1 (30k/yr), #2 (10k), #4 and #5 (50k)
    "min_tax": (
        "tax_paid_last_year >= {0}",
        "user",
        "上年度纳税不少于{w0}万元",
        "at least {c0} yuan of tax paid last year",
    ),
    # ref §1 #6 and §5 (>= 1M/yr), #11 (>= 600k, <= 4 months without invoices)
    "min_invoice_amount": (
        "invoice_amount_12m >= {0}",
        "user",
        "近12个月开票不少于{w0}万元",
        "at least {c0} yuan invoiced in the last 12 months",
    ),
    "min_invoice_months": (
        "vat_invoice_months_24 >= {0}",
        "user",
        "近24个月开票月数不少于{0}个月",
        "VAT invoices in at least {0} of the last 24 months",
    ),
    # ref §1 #3 (card-acquiring flow >= 10k/mo)
    "min_flow": (
        "monthly_bank_inflow >= {0}",
        "user",
        "月均经营流水不少于{0}元",
        "average monthly inflow of at least {c0} yuan",
    ),
    # ref §3: any current overdue is a near-automatic rejection
    "no_current_overdue": (
        "current_overdue == false",
        "loan",
        "当前不能有逾期",
        "no payment may be overdue now",
    ),
    # ref §3 连三累六 (6 cumulative overdues in 2 yrs); ref §1 #3 (fewer than 2), #11 (< 2)
    "overdues_below": (
        "overdue_count_24m < {0}",
        "loan",
        "近两年逾期须少于{0}次",
        "fewer than {0} overdue payments in the last 24 months",
    ),
    # ref §3: <= 6 hard inquiries in 3 mo or <= 15 in 6 mo for banks; fintechs allow more
    "inquiries_3m": (
        "hard_inquiries_3m <= {0}",
        "process",
        "近3个月征信硬查询不超过{0}次",
        "at most {0} hard credit inquiries in the last 3 months",
    ),
    "inquiries_6m": (
        "hard_inquiries_6m <= {0}",
        "process",
        "近6个月征信硬查询不超过{0}次",
        "at most {0} hard credit inquiries in the last 6 months",
    ),
    # ref §1 #1, #2 and §3: business debt of firm and controller <= 5M
    "debt_cap": (
        "outstanding_debt <= {0}",
        "loan",
        "企业及实控人经营性负债不超过{w0}万元",
        "business debt of the firm and owner at most {c0} yuan",
    ),
    # ref §1 #5 (debt ratio <= 50%), #11 (debt <= 1x income)
    "debt_to_revenue": (
        "debt_to_revenue <= {0}",
        "loan",
        "负债不超过年收入的{0}倍",
        "debt at most {0} times annual revenue",
    ),
    "amount": (
        "loan_amount between [{0}, {1}]",
        "product",
        "申请金额须在{w0}万至{w1}万元之间",
        "the amount must be between {c0} and {c1} yuan",
    ),
    "term_max": (
        "loan_term_months <= {0}",
        "product",
        "借款期限不超过{0}个月",
        "a term of at most {0} months",
    ),
    # ref §2 "Service area": local banks may not lend online outside their region
    "regions": (
        "region in [{0}]",
        "user",
        "仅服务本行所在省份的企业",
        "only for businesses registered in the bank's own province",
    ),
    # ref §1 #11 and §5 (excluded industries: real estate, finance, mining, agriculture)
    "exclude_industries": (
        "industry not in [{0}]",
        "user",
        "不支持的行业门类：{0}",
        "industries {0} are excluded",
    ),
    "enterprise_only": (
        "entity_type == enterprise",
        "user",
        "须为企业（个体工商户不适用）",
        "enterprises only, not self-employed businesses",
    ),
    # ref §1 #11: applicants with no credit history [白户] rejected
    "credit_history": (
        "has_credit_history == true",
        "user",
        "须有征信信贷记录（白户不予准入）",
        "a credit history is required",
    ),
    # ref §1 #14: property of the owner; LTV 60-70%
    "owns_property": (
        "owns_property == true",
        "product",
        "须有房产作抵押",
        "requires real estate as collateral",
    ),
    "property_value": (
        "property_value >= {0}",
        "product",
        "抵押物估值不低于{w0}万元",
        "collateral worth at least {c0} yuan",
    ),
    # ref §1 #14 (branch visit, valuation, registration); #6 (offline survey, account opening)
    "branch_visit": (
        "days_until_needed >= {0}",
        "process",
        "需到网点面签、评估并办理抵押登记，约需{0}天",
        "needs a branch visit, valuation and mortgage registration (about {0} days)",
    ),
    "site_survey": (
        "days_until_needed >= {0}",
        "process",
        "需线下尽调并开立对公账户，约需{0}天",
        "needs an on-site survey and a corporate account (about {0} days)",
    ),
    # ref §1 #12: tobacco licence, age + term <= 65, <= 4 loan inquiries in 2 mo
    "tobacco_licence": (
        "has_tobacco_licence == true",
        "user",
        "须持有烟草专卖零售许可证",
        "requires a tobacco retail licence",
    ),
    "licence_years": (
        "tobacco_licence_years >= {0}",
        "user",
        "烟草许可证持证满{0}年",
        "tobacco licence held for at least {0} years",
    ),
    "age_at_maturity": (
        "age_at_maturity <= {0}",
        "user",
        "经营者年龄加借款期限不超过{0}岁",
        "the owner's age at maturity is at most {0}",
    ),
    # ref §1 #15 and §5: bill discounting needs real trade bills
    "bills": (
        "bills_receivable >= {0}",
        "product",
        "须持有不少于{w0}万元的未到期承兑汇票",
        "requires at least {c0} yuan of unexpired acceptance bills",
    ),
    "legal_disputes": (
        "legal_disputes <= {0}",
        "user",
        "涉诉案件不超过{0}起",
        "at most {0} lawsuits",
    ),
}


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def rule(key: str, *values: object) -> Rule:
    """One rule mapping from a template, e.g. ``rule("owner_age", 18, 60)``."""
    text, dimension, zh, en = TEMPLATES[key]
    args = [_plain(v) for v in values]
    fields: dict[str, str] = {}
    for i, v in enumerate(values):
        if isinstance(v, int | float) and not isinstance(v, bool):
            fields[f"w{i}"] = _plain(v / 10_000)
            fields[f"c{i}"] = f"{v:,.0f}" if float(v).is_integer() else str(v)
    zh_args = [
        "、".join(str(x) for x in v) if isinstance(v, tuple) else a
        for v, a in zip(values, args, strict=True)
    ]
    return {
        "rule": text.format(*args),
        "dimension": dimension,
        "reason": {"zh": zh.format(*zh_args, **fields), "en": en.format(*args, **fields)},
    }
