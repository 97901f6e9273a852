"""The words around numbers in owners' answers (loanmatch's own vocabulary, for
:mod:`loanmatch.intake.amounts`): bounds (以内, 不超过, under; 以上, at least), lead-in words
(想借, 去年做了, about), units after a number (块钱, 个人, 家银行, people), rate and growth words
(月息, 涨了, 下降了, 持平, 翻倍), and whole-answer phrases (就我一个, 越快越好, 每个月都开)."""

from __future__ import annotations

__all__ = [
    "ALL_MONTHS",
    "ASAP",
    "DOUBLED",
    "FALL",
    "FLAT",
    "LEAD",
    "LOWER",
    "MONTHLY_RATE",
    "NUMBER_UNITS",
    "ONLY_ME",
    "PERIOD_MONTH",
    "PERIOD_YEAR",
    "RISE",
    "SOON",
    "SUFFIX_ONLY",
    "TRAILERS",
    "UPPER",
]

UPPER = (
    "不超过", "不高于", "不大于", "最多", "最长", "最晚", "顶多", "最高", "至多", "不到", "少于",
    "低于", "小于",
    "以内", "之内", "以下", "内", "under", "below", "less than", "at most", "up to", "within",
    "no more than", "not more than", "max", "maximum", "tops", "or less", "or below", "<",
)  # fmt: skip
LOWER = (
    "超过", "至少", "起码", "最少", "不少于", "不低于", "多于", "高于", "大于", "以上", "往上",
    "over", "above", "more than", "at least", "min", "minimum", "or more", "plus", "+", ">",
)  # fmt: skip
SUFFIX_ONLY = frozenset({"以内", "之内", "以下", "内", "以上", "往上", "or less", "or below",
                          "or more", "plus", "+", "tops"})  # fmt: skip
LEAD = (
    "大概是", "大概有", "一共", "总共", "合计", "大约", "想借", "想贷", "想要", "需要", "打算借",
    "借", "贷", "要", "有", "就", "只有", "只", "才", "差不多有", "也就", "今年", "现在", "目前",
    "已经", "已", "年收入", "年营收", "营收", "营业额", "流水", "年化", "年利率", "利率", "利息",
    "大概", "交了", "缴了", "持证", "开了", "干了", "做了",
    "成立", "经营了", "成立了", "逾期过", "逾期了", "逾期", "查过", "查了", "被查了", "被告过",
    "罚过", "处罚过", "员工", "有员工", "招了", "雇了", "在", "欠", "还欠", "负债", "贷款",
    "去年做了", "去年", "做了", "贷个", "借个", "注册资本", "认缴", "实缴", "欠银行", "欠了",
    "贷款余额", "余额", "房子值", "值", "承兑有", "承兑", "开了", "交了", "刚成立", "刚", "成立于",
    "about", "around", "roughly", "approximately", "approx", "nearly", "almost", "maybe",
    "we have", "i have", "we had", "i had", "we owe", "i owe", "it's", "its", "it is", "i'm",
    "i am", "we are", "we need", "i need", "need", "we made", "made", "roughly", "just",
    "only", "since", "for", "~", "约",
)  # fmt: skip
NUMBER_UNITS = (
    "块钱", "人民币", "元钱", "个人", "个员工", "名员工", "个工人", "家银行", "家机构", "家",
    "个月", "块", "元", "人", "名", "个", "次", "岁", "套", "笔", "起", "张", "户", "位", "期",
    "项", "周岁", "分",
    "yuan", "rmb", "cny", "people", "persons", "staff", "employees", "workers", "lenders",
    "banks", "bank", "lender", "loans", "loan", "person", "employee", "staff members", "times",
    "points", "years old", "yrs old", "y/o",
)  # fmt: skip
TRAILERS = (
    "就行了",
    "就行",
    "就够了",
    "就够",
    "就可以了",
    "就可以",
    "够了",
    "即可",
    "就好",
    "了",
    "的",
    "吧",
    "左右",
    "上下",
    "前后",
    "的样子",
    "样子",
    "这样子",
    "这样",
    "过",
)
MONTHLY_RATE = ("月息", "月利率", "月利", "每月", "per month", "a month", "monthly")
RISE = ("增长了", "增长", "涨了", "上涨", "多了", "增加了", "增加", "提高了", "上升了", "升了",
         "涨", "up", "grew", "grown", "increased", "rose")  # fmt: skip
FALL = ("下降了", "下降", "降了", "下滑了", "下滑", "减少了", "减少", "少了", "跌了", "亏了",
         "降低了", "down", "fell", "dropped", "decreased", "declined", "shrank")  # fmt: skip
FLAT = frozenset({"持平", "差不多", "没变", "没变化", "没什么变化", "一样", "跟去年一样",
                   "和去年差不多", "flat", "same", "no change", "unchanged",
                   "about the same"})  # fmt: skip
ONLY_ME = frozenset({"就我一个", "就我自己", "只有我", "只有我一个", "我一个人", "我自己", "就我",
                      "只有我自己", "一个人", "just me", "only me", "me alone",
                      "myself"})  # fmt: skip
ASAP = frozenset({"越快越好", "马上", "马上要", "急用", "急需", "现在就要", "尽快", "今天",
                   "立刻", "asap", "now", "right away", "immediately", "today", "urgent",
                   "as soon as possible"})  # fmt: skip
DOUBLED = ("翻了一倍", "翻一倍", "翻倍", "翻了一番", "翻一番", "翻番", "doubled")
SOON: tuple[tuple[tuple[str, ...], float], ...] = (
    (("马上", "越快越好", "急", "立刻", "尽快", "今天"), 0.0),
    (("明天",), 1.0),
    (("下周", "下个星期", "下星期", "next week"), 7.0),
    (("下个月", "下月", "next month"), 30.0),
)
ALL_MONTHS = ("每个月都", "每月都", "都开", "一直都开", "一直开", "every month", "all of them")
PERIOD_MONTH = ("每个月", "每月", "一个月", "月均", "月流水", "a month", "per month", "monthly")
PERIOD_YEAR = ("一年", "每年", "全年", "年均", "a year", "per year", "annually", "yearly")
