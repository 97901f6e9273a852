"""The demo page's words in Chinese (zh-CN, the default) and English."""

from __future__ import annotations

from collections.abc import Mapping

from loanmatch.lang import Lang

__all__ = ["group_title", "strings", "unit_label"]

_ZH: Mapping[str, str] = {
    "html_lang": "zh-CN",
    "title": "小微企业贷款匹配",
    "tagline": "回答几个问题，看看哪些银行贷款产品您很可能获批、利率多少、为什么。",
    "blank_is_unknown": "不清楚的可以留空。金额可以写“50万”。",
    "submit": "查看推荐",
    "sample": "填入示例企业",
    "reset": "清空",
    "switch": "English",
    "offers": "为您推荐",
    "offers_none": "暂时没有可以推荐的产品",
    "main_reasons": "主要原因",
    "p_approve": "获批概率",
    "rate": "年利率",
    "amount": "额度",
    "term": "期限",
    "months": "个月",
    "reasons": "推荐理由",
    "lender": "放款机构",
    "excluded": "未推荐的产品",
    "excluded_hint": "以及未推荐的原因",
    "kind_rule": "不符合准入条件",
    "kind_unknown": "还需要更多信息",
    "kind_low_probability": "获批概率不够高",
    "kind_max_offers": "超出推荐数量",
    "threshold": "只推荐获批概率不低于 {p} 的产品。",
    "errors": "有 {n} 项填写有误，请修改后再提交。",
    "yes": "是",
    "no": "否",
    "unknown": "不清楚",
    "choose": "请选择",
    "yuan": "元",
    "api": "接口文档",
    "chat": "和助手对话",
    "footer": "模拟市场数据，仅供演示。",
    "no_sample": "没有可用的示例企业数据。",
}

_EN: Mapping[str, str] = {
    "html_lang": "en",
    "title": "SME loan matching",
    "tagline": "Answer a few questions and see which bank loans you will very probably get, "
    "at what rate, and why.",
    "blank_is_unknown": "Leave blank what you do not know. Amounts accept 万, e.g. “50万”.",
    "submit": "Find offers",
    "sample": "Fill a sample enterprise",
    "reset": "Clear",
    "switch": "中文",
    "offers": "Recommended for you",
    "offers_none": "No product can be recommended yet",
    "main_reasons": "Main reasons",
    "p_approve": "Approval probability",
    "rate": "Annual rate",
    "amount": "Amount",
    "term": "Term",
    "months": "months",
    "reasons": "Why",
    "lender": "Lender",
    "excluded": "Products not recommended",
    "excluded_hint": "and why",
    "kind_rule": "Fails an eligibility rule",
    "kind_unknown": "Needs more information",
    "kind_low_probability": "Approval probability too low",
    "kind_max_offers": "Beyond the number of offers shown",
    "threshold": "Only products with an approval probability of at least {p} are recommended.",
    "errors": "{n} answer(s) need fixing before the offers can be shown.",
    "yes": "Yes",
    "no": "No",
    "unknown": "Don't know",
    "choose": "Choose",
    "yuan": "CNY",
    "api": "API docs",
    "chat": "Chat with the assistant",
    "footer": "Simulated market data, for demonstration only.",
    "no_sample": "No sample enterprise data is available.",
}

_GROUPS: Mapping[str, tuple[str, str]] = {
    "enterprise": ("企业信息", "The enterprise"),
    "business": ("经营情况", "Business"),
    "tax": ("纳税与发票", "Tax and invoices"),
    "owner": ("法定代表人", "The legal representative"),
    "credit": ("征信与负债", "Credit record and debts"),
    "assets": ("资产", "Assets"),
    "request": ("贷款需求", "The loan you need"),
    "other": ("其他", "Other"),
}


def strings(lang: Lang) -> Mapping[str, str]:
    return _EN if lang == "en" else _ZH


def group_title(group: str | None, lang: Lang) -> str:
    """A feature group's heading; a group the page does not know is shown by its name."""
    key = group or "other"
    known = _GROUPS.get(key)
    if known is None:
        return key.replace("_", " ").capitalize()
    return known[1] if lang == "en" else known[0]


_UNITS: Mapping[str, tuple[str, str]] = {
    "yuan": ("元", "CNY"),
    "years": ("年", "years"),
    "months": ("个月", "months"),
    "days": ("天", "days"),
    "percent": ("%", "%"),
    "points": ("分", "points"),
    "count": ("", ""),
    "ratio": ("", ""),
}


def unit_label(unit: str | None, lang: Lang) -> str:
    """A catalog unit as shown beside a field; an unit the page does not know is shown as is."""
    if not unit:
        return ""
    known = _UNITS.get(unit)
    if known is None:
        return unit
    return known[1] if lang == "en" else known[0]
