"""Words of the results section for pricing, tiers, reason codes and the plan (zh / en)."""

from __future__ import annotations

from collections.abc import Mapping

from loanmatch.lang import Lang

__all__ = ["result_words"]

_ZH: Mapping[str, str] = {
    "nominal_rate": "名义年利率",
    "all_in": "综合年化成本",
    "all_in_hint": "含担保、保险、服务等费用，按实际现金流计算的年化成本（IRR）",
    "tier": "风险等级",
    "tier_hint": "按预计12个月违约概率分为A（最低）至E",
    "waterfall": "利率构成",
    "rate_range": "产品利率区间",
    "unpriced": "未做风险定价，显示产品利率区间",
    "kind_price": "价格超出可接受范围",
    "plan": "还差一点：这样做可以获得贷款",
    "plan_none": "暂时没有找到可以验证的改进办法。",
    "plan_hint": "每条建议都已重新匹配验证；不会建议改变无法改变的事实（如年龄、过去的逾期）。",
    "plan_cheaper": "以上报价的综合年化成本都高于{rate}%：这样做可以拿到更便宜的贷款",
    "inquiries": "每次申请都会在征信报告上留下一次硬查询，查询过多会影响后续审批，"
    "所以最多只推荐 {n} 个产品，建议按顺序申请。",
    "code": "原因代码",
}

_EN: Mapping[str, str] = {
    "nominal_rate": "Nominal annual rate",
    "all_in": "All-in annual cost (APR)",
    "all_in_hint": "Including guarantee, insurance and service fees: the IRR of the actual "
    "cash flows",
    "tier": "Risk tier",
    "tier_hint": "From the estimated 12-month default probability, A (lowest) to E",
    "waterfall": "What the rate is made of",
    "rate_range": "Product rate range",
    "unpriced": "Not risk-priced: the product's rate range is shown",
    "kind_price": "Price above what is acceptable",
    "plan": "Not yet — what would get you a loan",
    "plan_none": "No verified change was found yet.",
    "plan_hint": "Each suggestion was checked by re-running the match; facts that cannot change "
    "(age, past overdue payments) are never suggested.",
    "plan_cheaper": "Every offer above costs more than {rate}% a year all-in — what would get you "
    "a cheaper loan",
    "inquiries": "Each application is a hard inquiry on your credit report, and too many hurt "
    "later applications, so at most {n} products are recommended; apply in order.",
    "code": "Reason code",
}


def result_words(lang: Lang) -> Mapping[str, str]:
    return _EN if lang == "en" else _ZH
