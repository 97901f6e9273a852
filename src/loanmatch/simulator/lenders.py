"""The default market's lenders and products, with their PUBLISHED terms and rules.

Sources, all in ``docs/market-reference.md`` (cited "ref §1 #N" for row N of the
product table, "ref §2" for rates and caps, "ref §5" for the simulator table):

- tax loans (税贷): 100k-3M (BoCom 5M), 1-yr revolving, draws <= 12 mo, 3.0-4.5% for grade A
  and up to 6.8% for B/M (ref §1 #1-7, §5).
- bank invoice loans (发票贷): 50k-3M (online <= 500k), 3.1-5% (ref §1 #3, #6, §5); the fintech
  tier 50k-1M at 12-24% in 12 instalments (ref §1 #10-11, §5).
- internet banks: WeBank 10k-3M and MYbank up to 5M, <= 12 mo, about 7-18% (ref §1 #8-9, §5;
  the reference marks that rate uncertain).
- tobacco-licence loans: <= 1M, <= 36 mo, from 3.35% (ref §1 #12).
- personal business loans: 10k-3M, 1-5 yrs, 3.45-12% (ref §1 #13, §5).
- secured loans: <= 10M, 1-10 yrs in our terms, 3.3-6% (ref §1 #14, §5).
- bill discounting: face value, <= 12 mo, 0.5-2.5% (ref §1 #15, §5).
- no rate below the 1-yr LPR of 3.0% except bill discounting, none above 24% (ref §2).
- local banks serve only their own province (ref §2, "Service area").

Product names the reference does not mention are illustrative; ``quickfin`` is a fictional lender
standing for the unnamed fintech of ref §1 #11. ``capacity_per_day`` is an *assumption*: national
and internet banks take more applications a day than local banks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from loanmatch.simulator.rulebook import BUILDERS, Rule, rule

__all__ = ["LENDERS", "LENDER_BY_ID", "Lender", "LenderStyle", "default_products"]

LenderStyle = Literal["big_bank", "joint_stock", "city", "rural", "internet", "fintech"]


@dataclass(frozen=True)
class Lender:
    id: str
    zh: str
    en: str
    style: LenderStyle
    regions: tuple[str, ...] = ()
    """Service area of a local bank (pinyin province names); empty means nationwide."""


LENDERS: tuple[Lender, ...] = (
    Lender("ccb", "中国建设银行", "China Construction Bank", "big_bank"),
    Lender("icbc", "中国工商银行", "ICBC", "big_bank"),
    Lender("abc", "中国农业银行", "Agricultural Bank of China", "big_bank"),
    Lender("boc", "中国银行", "Bank of China", "big_bank"),
    Lender("bocom", "交通银行", "Bank of Communications", "big_bank"),
    Lender("psbc", "中国邮政储蓄银行", "Postal Savings Bank of China", "big_bank"),
    Lender("cmb", "招商银行", "China Merchants Bank", "joint_stock"),
    Lender("pingan", "平安银行", "Ping An Bank", "joint_stock"),
    Lender("jsbc", "江苏银行", "Bank of Jiangsu", "city", ("jiangsu",)),
    Lender("nbcb", "宁波银行", "Bank of Ningbo", "city", ("zhejiang",)),
    Lender("grcb", "广州农村商业银行", "Guangzhou Rural Commercial Bank", "rural", ("guangdong",)),
    Lender("cdrcb", "成都农村商业银行", "Chengdu Rural Commercial Bank", "rural", ("sichuan",)),
    Lender("webank", "微众银行", "WeBank", "internet"),
    Lender("mybank", "网商银行", "MYbank", "internet"),
    Lender("qfin", "360数科", "Qifu Technology (360)", "fintech"),
    Lender("dxm", "度小满", "Du Xiaoman", "fintech"),
    Lender("quickfin", "快融科技（虚构）", "QuickFin (fictional)", "fintech"),
)
LENDER_BY_ID = {lender.id: lender for lender in LENDERS}

# Per kind: default smallest amount, terms offered (months) and repayment methods (ref §5).
KIND_DEFAULTS: dict[str, tuple[int, list[int], list[str]]] = {
    "tax": (50_000, [3, 6, 12], ["revolving", "interest_first"]),
    "invoice": (50_000, [3, 6, 12], ["revolving", "interest_first"]),
    "business": (10_000, [6, 12, 24, 36], ["interest_first", "equal_instalment"]),
    "secured": (
        100_000,
        [12, 36, 60, 120],
        ["interest_first", "equal_instalment", "equal_principal"],
    ),
    "tobacco": (50_000, [6, 12, 24, 36], ["revolving", "interest_first"]),
    "bill": (10_000, [3, 6, 12], ["discount"]),
}
INSTALMENTS = ["equal_instalment", "equal_principal"]  # ref §1 #11: 12 instalments


def _p(
    pid: str,
    kind: str,
    zh: str,
    en: str,
    hi: int,
    rate: tuple[float, float],
    capacity: int,
    *,
    lo: int | None = None,
    terms: list[int] | None = None,
    extra: tuple[Rule, ...] = (),
    **options: Any,
) -> dict[str, Any]:
    """One product mapping; the lender is the id's prefix, ``options`` go to the kind's rules."""
    lender = LENDER_BY_ID[pid.split("_")[0]]
    default_lo, default_terms, repayment = KIND_DEFAULTS[kind]
    terms = terms or default_terms
    low = lo if lo is not None else default_lo
    if rate[0] >= 10.0 and kind == "invoice":
        repayment = INSTALMENTS
    rules = [rule("regions", lender.regions)] if lender.regions else []
    rules += BUILDERS[kind](**options) + list(extra)
    rules += [rule("amount", low, hi), rule("term_max", max(terms))]
    return {
        "id": pid,
        "lender": lender.id,
        "lender_name": {"zh": lender.zh, "en": lender.en},
        "kind": kind,
        "name": {"zh": zh, "en": en},
        "amount": {"min": low, "max": hi},
        "term_months": terms,
        "rate": {"min": rate[0], "max": rate[1]},
        "capacity_per_day": capacity,
        "repayment": repayment,
        "rules": rules,
    }


M = 1_000_000
ONLINE = 500_000  # ref §1 #3, #13: online lines <= 300-500k
ABM = ("A", "B", "M")
SURVEY = (rule("site_survey", 3),)  # ref §1 #6: offline survey and account opening
FINTECH = (  # ref §1 #11 criteria besides age 22-60 and >= 18 months
    rule("inquiries_3m", 17),
    rule("overdues_below", 2),
    rule("debt_to_revenue", 1),
    rule("credit_history"),
    rule("exclude_industries", ("A", "B", "J", "K")),
)
WEB = (rule("enterprise_only"),)  # ref §1 #8: 微业贷 lends to enterprises


def default_products() -> list[dict[str, Any]]:
    """The default market: 17 lenders, 64 products, as section-9 ``products.yaml`` mappings."""
    return [
        # 中国建设银行 — ref §1 #1 (云税贷 3.25-4.0%), #12 (商叶云贷), #14, #15
        _p("ccb_cloud_tax", "tax", "云税贷", "Cloud Tax Loan", 3 * M, (3.25, 4.0), 400),
        _p("ccb_quick_credit", "business", "信用快贷", "Quick Credit", ONLINE, (3.45, 5.5), 300),
        _p("ccb_mortgage", "secured", "抵押快贷", "Mortgage Quick Loan", 10 * M, (3.3, 4.5), 120),
        _p("ccb_tobacco", "tobacco", "商叶云贷", "Tobacco Cloud Loan", M, (3.35, 4.5), 60),
        _p("ccb_bill", "bill", "小微e贴", "Micro e-Discount", 10 * M, (1.2, 2.5), 200),
        # 中国工商银行 — ref §1 #3 (经营快贷 from 3.1%; 税务贷 from 3.915%)
        _p(
            "icbc_quick",
            "business",
            "经营快贷",
            "Business Quick Loan",
            ONLINE,
            (3.1, 4.5),
            300,
            overdue_limit=2,
            extra=(rule("inquiries_3m", 6), rule("legal_disputes", 2)),
        ),
        _p("icbc_tax", "tax", "税务贷", "Tax Loan", 3 * M, (3.915, 5.0), 350, age=(18, 65)),
        _p("icbc_invoice", "invoice", "发票贷", "Invoice Loan", M, (3.5, 5.0), 200),
        _p("icbc_mortgage", "secured", "e抵快贷", "e-Mortgage Loan", 10 * M, (3.2, 4.8), 120),
        _p("icbc_bill", "bill", "工银e贴", "ICBC e-Discount", 10 * M, (1.1, 2.3), 200),
        # 中国农业银行 — ref §1 #2 (纳税e贷 <= 1M online, 3.3-4.35%), #12 (烟商贷), #13
        _p(
            "abc_tax",
            "tax",
            "纳税e贷",
            "Tax e-Loan",
            M,
            (3.3, 4.35),
            350,
            tax_floor=10_000,
            age=(18, 65),
        ),
        _p("abc_tobacco", "tobacco", "烟商贷", "Tobacco Merchant Loan", M, (3.35, 5.0), 80),
        _p(
            "abc_business",
            "business",
            "助业快e贷",
            "Business Quick e-Loan",
            ONLINE,
            (3.45, 6.0),
            250,
            terms=[12, 24, 36, 60],
        ),
        _p("abc_mortgage", "secured", "抵押e贷", "Mortgage e-Loan", 10 * M, (3.3, 5.0), 100),
        _p("abc_invoice", "invoice", "发票e贷", "Invoice e-Loan", M, (3.6, 5.0), 150),
        # 中国银行 — ref §1 #4 (A 3.26-4.5%, B 4.8-6.8%, M with extra proof)
        _p(
            "boc_tax",
            "tax",
            "中银税易贷",
            "BOC Tax Easy Loan",
            3 * M,
            (3.26, 6.8),
            300,
            grades=ABM,
            tax_floor=25_000,
        ),
        _p("boc_credit", "business", "中银企E贷", "BOC e-Credit", ONLINE, (3.5, 5.5), 200),
        _p("boc_invoice", "invoice", "中银发票贷", "BOC Invoice Loan", M, (3.5, 5.0), 150),
        _p("boc_mortgage", "secured", "中银抵押贷", "BOC Mortgage Loan", 10 * M, (3.4, 5.0), 100),
        _p("boc_bill", "bill", "中银票据贴现", "BOC Bill Discount", 10 * M, (1.2, 2.4), 150),
        # 交通银行 — ref §1 #5 (税融通 <= 5M, 3.65-6%, age 22-65, tax >= 50k, debt ratio <= 50%)
        _p(
            "bocom_tax",
            "tax",
            "税融通",
            "Tax Financing",
            5 * M,
            (3.65, 6.0),
            250,
            tax_floor=50_000,
            age=(22, 65),
            extra=(rule("debt_to_revenue", 0.5),),
        ),
        _p("bocom_invoice", "invoice", "发票贷", "Invoice Loan", M, (3.6, 5.0), 120),
        _p("bocom_mortgage", "secured", "抵押贷", "Mortgage Loan", 10 * M, (3.4, 5.2), 80),
        _p("bocom_bill", "bill", "线上贴现", "Online Discount", 10 * M, (1.2, 2.5), 120),
        # 中国邮政储蓄银行 — ref §1 #6 (小微易贷 <= 3M, about 5%, invoices >= 5M preferred)
        _p(
            "psbc_tax",
            "tax",
            "小微易贷（税务）",
            "Micro Easy (tax)",
            3 * M,
            (4.5, 5.5),
            250,
            extra=SURVEY,
        ),
        _p(
            "psbc_invoice",
            "invoice",
            "小微易贷（发票）",
            "Micro Easy (invoices)",
            3 * M,
            (4.5, 5.5),
            200,
            floor=5 * M,
            years=2,
            extra=SURVEY,
        ),
        _p("psbc_quick", "business", "极速贷", "Express Loan", 300_000, (4.0, 6.0), 250),
        _p(
            "psbc_mortgage", "secured", "小微抵押贷", "Micro Mortgage Loan", 10 * M, (3.5, 5.5), 100
        ),
        _p("psbc_tobacco", "tobacco", "烟草贷", "Tobacco Loan", M, (3.6, 5.0), 60),
        # 招商银行 (joint-stock)
        _p("cmb_zhaodai", "business", "招贷", "Zhaodai Loan", M, (4.0, 8.0), 250),
        _p("cmb_tax", "tax", "招商税贷", "CMB Tax Loan", 3 * M, (3.8, 6.0), 200, age=(18, 65)),
        _p(
            "cmb_mortgage",
            "secured",
            "生意贷（抵押）",
            "Business Mortgage",
            10 * M,
            (3.5, 5.5),
            100,
        ),
        _p("cmb_bill", "bill", "秒贴", "Instant Discount", 10 * M, (1.1, 2.2), 250),
        # 平安银行 (joint-stock)
        _p(
            "pingan_tax",
            "tax",
            "税金贷",
            "Tax Money Loan",
            M,
            (5.0, 8.0),
            250,
            grades=ABM,
            age=(22, 60),
        ),
        _p("pingan_invoice", "invoice", "发票贷", "Invoice Loan", M, (6.0, 9.0), 200),
        _p("pingan_merchant", "business", "商户贷", "Merchant Loan", ONLINE, (8.0, 12.0), 250),
        _p("pingan_mortgage", "secured", "抵押经营贷", "Secured Loan", 10 * M, (3.8, 6.0), 100),
        # 江苏银行 (city commercial bank, Jiangsu only)
        _p("jsbc_tax", "tax", "税e融", "Tax e-Finance", 3 * M, (3.5, 5.0), 60),
        _p("jsbc_invoice", "invoice", "发票e融", "Invoice e-Finance", M, (3.8, 5.0), 40),
        _p("jsbc_mortgage", "secured", "抵押贷", "Mortgage Loan", 10 * M, (3.5, 5.0), 25),
        _p("jsbc_bill", "bill", "票据贴现", "Bill Discount", 10 * M, (1.3, 2.5), 30),
        # 宁波银行 (city commercial bank, Zhejiang only)
        _p("nbcb_tax", "tax", "税务贷", "Tax Loan", 3 * M, (3.6, 5.5), 50),
        _p("nbcb_invoice", "invoice", "发票贷", "Invoice Loan", M, (3.9, 5.5), 40),
        _p("nbcb_business", "business", "经营快贷", "Business Quick Loan", ONLINE, (4.5, 7.0), 40),
        _p("nbcb_mortgage", "secured", "抵押贷", "Mortgage Loan", 10 * M, (3.6, 5.5), 25),
        # 广州农村商业银行 (rural commercial bank, Guangdong only)
        _p("grcb_tax", "tax", "税银贷", "Tax-Bank Loan", 3 * M, (3.8, 6.0), 60, grades=ABM),
        _p("grcb_business", "business", "经营贷", "Business Loan", M, (4.5, 8.0), 50),
        _p("grcb_mortgage", "secured", "抵押贷", "Mortgage Loan", 10 * M, (3.6, 6.0), 30),
        _p("grcb_tobacco", "tobacco", "烟草贷", "Tobacco Loan", M, (3.8, 5.0), 20),
        # 成都农村商业银行 (rural commercial bank, Sichuan only)
        _p("cdrcb_tax", "tax", "税易贷", "Tax Easy Loan", 3 * M, (3.9, 6.5), 40, grades=ABM),
        _p("cdrcb_business", "business", "蓉易贷", "Rong Easy Loan", M, (4.5, 8.5), 40),
        _p("cdrcb_mortgage", "secured", "抵押贷", "Mortgage Loan", 10 * M, (3.7, 6.0), 20),
        # 微众银行 — ref §1 #8 (微业贷: enterprises, >= 2 yrs, >= 1M invoiced, draws <= 12 mo)
        _p(
            "webank_invoice",
            "invoice",
            "微业贷（发票）",
            "Weiyedai (invoices)",
            3 * M,
            (7.0, 18.0),
            600,
            lo=10_000,
            years=2,
            extra=WEB,
        ),
        _p(
            "webank_tax",
            "tax",
            "微业贷（税务）",
            "Weiyedai (tax)",
            3 * M,
            (7.0, 18.0),
            600,
            grades=ABM,
            tax_floor=10_000,
            age=(18, 65),
            extra=WEB,
        ),
        _p(
            "webank_flow",
            "business",
            "微业贷（流水）",
            "Weiyedai (bank flow)",
            M,
            (8.0, 18.0),
            500,
            terms=[3, 6, 12],
            extra=WEB,
        ),
        # 网商银行 — ref §1 #9 (网商贷: mostly < 200k, max 5M, merchant flows)
        _p(
            "mybank_loan",
            "business",
            "网商贷",
            "MYbank Loan",
            5 * M,
            (7.0, 18.0),
            800,
            terms=[3, 6, 12],
            flow=3_000,
        ),
        _p(
            "mybank_invoice",
            "invoice",
            "网商贷（发票）",
            "MYbank Loan (invoices)",
            3 * M,
            (6.5, 15.0),
            500,
            lo=10_000,
            floor=500_000,
            months=10,
        ),
        _p("mybank_bill", "bill", "网商贴", "MYbank Discount", 10 * M, (1.3, 2.5), 400),
        # 360数科 — ref §1 #10 (发票贷 <= 500k, pure credit); fintech tier 12-24% (ref §5)
        _p(
            "qfin_invoice",
            "invoice",
            "360发票贷",
            "360 Invoice Loan",
            ONLINE,
            (12.0, 24.0),
            400,
            terms=[12],
            floor=600_000,
            extra=(rule("credit_history"),),
        ),
        _p(
            "qfin_business",
            "business",
            "360经营贷",
            "360 Business Loan",
            300_000,
            (12.0, 24.0),
            400,
            terms=[3, 6, 12],
            flow=5_000,
        ),
        # 度小满 (fintech)
        _p(
            "dxm_business",
            "business",
            "有钱花经营贷",
            "Youqianhua Business",
            300_000,
            (10.0, 24.0),
            400,
            terms=[3, 6, 12, 24],
            flow=5_000,
        ),
        _p(
            "dxm_invoice",
            "invoice",
            "度小满发票贷",
            "Du Xiaoman Invoice Loan",
            M,
            (10.0, 20.0),
            300,
            terms=[12],
            floor=600_000,
        ),
        # 快融科技 (fictional) — ref §1 #11: 12 instalments, 12-24%, age 22-60, >= 18 months
        _p(
            "quickfin_invoice",
            "invoice",
            "快融发票贷",
            "QuickFin Invoice Loan",
            M,
            (12.0, 24.0),
            300,
            terms=[12],
            floor=600_000,
            months=20,
            years=1.5,
            age=(22, 60),
            extra=FINTECH,
        ),
        _p(
            "quickfin_business",
            "business",
            "快融经营贷",
            "QuickFin Business Loan",
            300_000,
            (14.0, 24.0),
            300,
            terms=[6, 12],
            flow=5_000,
            extra=(rule("credit_history"),),
        ),
    ]
