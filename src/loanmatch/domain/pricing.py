"""Risk-based pricing (风险定价, docs/design.md §5 step 5): the nominal rate, its build-up and the
borrower's all-in annual percentage rate (综合年化成本).

The nominal annual rate (percent) is the sum of seven lines, each rounded ROUND_HALF_UP to one
basis point (0.01 percentage point), so the lines sum EXACTLY to the rate::

    funding        base rate (1-yr LPR, 3.00% since May 2025, ref §2) + the lender's spread
    acquisition    one-off acquisition cost (yuan per loan) spread over the loan's balance-years
    data           one-off credit-data cost (yuan per loan: bureau, tax, invoice queries), likewise
    expected_loss  PD x LGD x 100 (PD: 12-month default probability, read as an annual rate)
    opex           operating cost, annual % of the balance
    fee            management fee, annual % of the balance
    profit         target profit, annual % of the balance
    clamp          the product's minimum rate minus the build-up when the build-up is below it

"Balance-years" is the sum over months of the scheduled principal outstanding / 12, computed at
the funding rate (a fixed number of the configuration, so the PD never moves it): an
interest-first loan of 100,000 yuan for 12 months has 100,000 balance-years; an equal-principal
one about 54,000.

A quote is NOT offered, with its reason code, when the build-up is above the product's maximum
rate (``above_rate_range``), when the all-in rate is above the legal line (``above_legal_cap``:
24% all-in, the reading of NFRA 金规〔2025〕9号 in ref §2), or when it is above the owner's
highest acceptable annual rate (``above_owner_max_rate``; the owner's tolerance is compared with
the all-in rate, which is what the owner really pays). Checks run in that order.

References: ref = ``docs/market-reference.md``. LGD defaults (45% unsecured) follow the Basel
foundation-IRB supervisory LGD for senior unsecured claims (ref §7); the default configuration
lives in ``simulator/pricing_defaults.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from loanmatch.domain.cashflows import (
    METHODS,
    NothingPaidOutError,
    Schedule,
    all_in_rate,
    build_schedule,
    outstanding_total,
    to_fen,
)
from loanmatch.domain.catalog import Text
from loanmatch.domain.products import Product

__all__ = [
    "BP",
    "LINE_KEYS",
    "LINE_TEXTS",
    "METHOD_TEXTS",
    "REASON_TEXTS",
    "Line",
    "PricingBook",
    "PricingTerms",
    "Quote",
    "ReasonCode",
    "balance_years",
    "price",
    "price_floor",
]

BP = Decimal("0.01")
"""Quantum of every rate line: one basis point, in percentage points."""
HUNDRED = Decimal(100)
LPR_1Y = Decimal("3.00")
"""1-year LPR in percent since the May 2025 cut (ref §2, unchanged at the Jan 2026 fixing)."""
LEGAL_ALL_IN_CAP = Decimal("24")
"""All-in cost line in percent (ref §2, "24% line")."""

ReasonCode = Literal["above_rate_range", "above_legal_cap", "above_owner_max_rate"]
LINE_KEYS = (
    "funding",
    "acquisition",
    "data",
    "expected_loss",
    "opex",
    "fee",
    "profit",
    "clamp",
)
LINE_TEXTS: dict[str, Text] = {
    "funding": Text("资金成本", "Funding cost"),
    "acquisition": Text("获客成本", "Acquisition cost"),
    "data": Text("数据成本", "Credit-data cost"),
    "expected_loss": Text("预期损失", "Expected loss (PD x LGD)"),
    "opex": Text("运营成本", "Operating cost"),
    "fee": Text("管理费", "Management fee"),
    "profit": Text("目标利润", "Target profit"),
    "clamp": Text("利率区间调整", "Adjustment to the product's rate range"),
}
METHOD_TEXTS: dict[str, Text] = {
    "equal_instalment": Text("等额本息", "Equal instalments"),
    "equal_principal": Text("等额本金", "Equal principal"),
    "interest_first": Text("先息后本", "Interest only, principal at the end"),
    "discount": Text("贴现（放款时扣息）", "Discount (interest deducted at pay-out)"),
}
"""The repayment methods that can be priced, as the offer shows them."""
REASON_TEXTS: dict[str, Text] = {
    "above_rate_range": Text(
        "风险定价高于产品利率上限", "Risk price above the product's rate range"
    ),
    "above_legal_cap": Text("综合年化成本超过24%", "All-in annual cost above the 24% line"),
    "above_owner_max_rate": Text(
        "综合年化成本高于您可接受的最高利率",
        "All-in annual cost above your highest acceptable rate",
    ),
}


def _pct(value: Decimal) -> Decimal:
    return value.quantize(BP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PricingTerms:
    """One lender's (or one lender-and-kind's) pricing configuration.

    Rates are annual percent; ``acquisition_cost`` and ``credit_data_cost`` are yuan per loan;
    ``lgd`` is a fraction; borrower fees are annual % of the original principal except
    ``upfront_fee`` (% of principal, once). ``repayment`` names the method to quote (empty:
    the first of the product's methods that can be priced). ``costs_published``: the lender
    publishes this cost build-up; otherwise the offer shows it as an estimate (估算).
    """

    base_rate: Decimal = LPR_1Y
    funding_spread: Decimal = Decimal(0)
    acquisition_cost: Decimal = Decimal(0)
    credit_data_cost: Decimal = Decimal(0)
    lgd: Decimal = Decimal("0.45")
    operating_cost: Decimal = Decimal(0)
    management_fee: Decimal = Decimal(0)
    target_profit: Decimal = Decimal(0)
    guarantee_fee: Decimal = Decimal(0)
    insurance_fee: Decimal = Decimal(0)
    service_fee: Decimal = Decimal(0)
    upfront_fee: Decimal = Decimal(0)
    repayment: str = ""
    legal_cap: Decimal = LEGAL_ALL_IN_CAP
    costs_published: bool = False

    @property
    def funding_rate(self) -> Decimal:
        return self.base_rate + self.funding_spread

    @property
    def annual_fees(self) -> dict[str, Decimal]:
        fees = {
            "guarantee": self.guarantee_fee,
            "insurance": self.insurance_fee,
            "service": self.service_fee,
        }
        return {name: rate for name, rate in fees.items() if rate > 0}

    @property
    def has_borrower_fees(self) -> bool:
        return bool(self.annual_fees) or self.upfront_fee > 0

    def method_for(self, product: Product) -> str:
        """The repayment method to quote ``product`` with; ``ValueError`` if there is none."""
        if self.repayment:
            if product.repayment and self.repayment not in product.repayment:
                raise ValueError(
                    f"repayment {self.repayment!r} is not offered by product {product.id!r} "
                    f"(it offers {', '.join(product.repayment)})"
                )
            return self.repayment
        offered = product.repayment or ("equal_instalment",)
        for method in offered:
            if method in METHODS:
                return method
        raise ValueError(
            f"product {product.id!r} offers no repayment method that can be priced "
            f"({', '.join(offered)}; supported: {', '.join(METHODS)})"
        )


@dataclass(frozen=True)
class Line:
    """One step of the rate build-up (percentage points)."""

    key: str
    rate: Decimal

    @property
    def text(self) -> Text:
        return LINE_TEXTS[self.key]


@dataclass(frozen=True)
class Quote:
    """The price of one loan. ``rate == sum(line.rate for line in waterfall)`` always holds.

    ``schedule`` and ``all_in_rate`` are None when no loan exists at this price: the rate is
    above the product's range, or the interest and fees deducted at pay-out would take the whole
    principal (a discounted bill at an absurd rate; reason ``above_legal_cap``).

    ``costs_published``: the lender publishes the build-up (else it is an estimate);
    ``simulated``: the pricing is the built-in simulator's (a simulated market)."""

    product_id: str
    pd: Decimal
    amount: Decimal
    term_months: int
    method: str
    rate: Decimal
    waterfall: tuple[Line, ...]
    all_in_rate: Decimal | None
    schedule: Schedule | None
    offered: bool
    reason: ReasonCode | None = None
    limits: dict[str, Decimal] = field(default_factory=dict)
    costs_published: bool = False
    simulated: bool = False

    @property
    def reason_text(self) -> Text | None:
        return REASON_TEXTS[self.reason] if self.reason else None

    @property
    def method_text(self) -> Text:
        return METHOD_TEXTS.get(self.method, Text(self.method, self.method))

    @property
    def monthly_payment(self) -> Decimal | None:
        """The first month's payment (principal, interest and fees, yuan to the fen): the
        instalment of 等额本息, the largest of 等额本金, the interest of 先息后本; None without a
        schedule or for a discounted bill (nothing is paid before maturity)."""
        if self.schedule is None or self.method == "discount":
            return None
        return self.schedule.instalments[0].total

    @property
    def last_payment(self) -> Decimal | None:
        """The last month's payment (yuan): 先息后本's principal with its interest, 等额本息's
        instalment with the rounding remainder, a bill's face value."""
        return self.schedule.instalments[-1].total if self.schedule is not None else None

    @property
    def total_interest(self) -> Decimal | None:
        """Interest over the whole term in yuan (a bill's discount included)."""
        return self.schedule.total_interest if self.schedule is not None else None

    @property
    def total_fees(self) -> Decimal | None:
        """The borrower's fees over the term in yuan (guarantee, insurance, service, upfront)."""
        return self.schedule.total_fees if self.schedule is not None else None

    def line(self, key: str) -> Decimal:
        return next(line.rate for line in self.waterfall if line.key == key)


def balance_years(amount: Decimal, term_months: int, method: str, funding_rate: Decimal) -> Decimal:
    """Sum of scheduled principal outstanding over the months, / 12 (yuan-years)."""
    return outstanding_total(amount, max(funding_rate, Decimal(0)), term_months, method) / 12


def _build_up(
    pd: Decimal, amount: Decimal, term_months: int, method: str, terms: PricingTerms
) -> list[Line]:
    years = balance_years(amount, term_months, method, terms.funding_rate)
    return [
        Line("funding", _pct(terms.funding_rate)),
        Line("acquisition", _pct(terms.acquisition_cost / years * HUNDRED)),
        Line("data", _pct(terms.credit_data_cost / years * HUNDRED)),
        Line("expected_loss", _pct(pd * terms.lgd * HUNDRED)),
        Line("opex", _pct(terms.operating_cost)),
        Line("fee", _pct(terms.management_fee)),
        Line("profit", _pct(terms.target_profit)),
    ]


def _decimal(value: float | Decimal | int) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def price(
    pd: float | Decimal,
    product: Product,
    amount: float | Decimal,
    term_months: int,
    terms: PricingTerms,
    method: str | None = None,
    max_acceptable_rate: float | Decimal | None = None,
) -> Quote:
    """Price a loan of ``amount`` yuan over ``term_months`` for an applicant with 12-month
    default probability ``pd`` (see the module docstring for the lines and the reasons).

    ``method`` defaults to :meth:`PricingTerms.method_for`; an unsupported method raises
    :class:`~loanmatch.domain.cashflows.UnsupportedMethodError`, a PD outside [0, 1] or a
    non-positive amount ``ValueError``.
    """
    p = _decimal(pd)
    if not Decimal(0) <= p <= Decimal(1):
        raise ValueError(f"PD must be in [0, 1] (received {pd})")
    principal = _decimal(amount)
    if principal <= 0:
        raise ValueError(f"amount must be positive (received {amount})")
    chosen = method or terms.method_for(product)
    lines = _build_up(p, principal, term_months, chosen, terms)
    build_up = sum((line.rate for line in lines), Decimal(0))
    low = _decimal(product.rate_min) if product.rate_min is not None else None
    high = _decimal(product.rate_max) if product.rate_max is not None else None
    clamp = max(low - build_up, Decimal(0)) if low is not None else Decimal(0)
    lines.append(Line("clamp", clamp))
    rate = build_up + clamp
    plan: Schedule | None = None
    apr: Decimal | None = None
    if high is None or rate <= high:
        try:
            plan = build_schedule(
                principal, rate, term_months, chosen, terms.annual_fees, terms.upfront_fee
            )
            apr = all_in_rate(plan)
        except NothingPaidOutError:
            plan = None
    limits: dict[str, Decimal] = {"legal_cap": terms.legal_cap}
    if high is not None:
        limits["rate_max"] = high
    owner = _decimal(max_acceptable_rate) if max_acceptable_rate is not None else None
    if owner is not None:
        limits["owner_max_rate"] = owner
    reason: ReasonCode | None = None
    if high is not None and rate > high:
        reason = "above_rate_range"
    elif apr is None or apr > terms.legal_cap:
        reason = "above_legal_cap"
    elif owner is not None and apr > owner:
        reason = "above_owner_max_rate"
    return Quote(
        product_id=product.id,
        pd=p,
        amount=to_fen(principal),
        term_months=term_months,
        method=chosen,
        rate=rate,
        waterfall=tuple(lines),
        all_in_rate=apr,
        schedule=plan,
        offered=reason is None,
        reason=reason,
        limits=limits,
        costs_published=terms.costs_published,
    )


def price_floor(product: Product, terms: PricingTerms) -> tuple[Decimal, Decimal, int, str]:
    """The lowest build-up the product can ever get: PD = 0, its largest amount and longest
    term (fixed costs spread thinnest). Returns (rate, amount, term, method)."""
    amount = _decimal(product.amount_max) if product.amount_max else Decimal(1_000_000)
    term = max(product.term_months) if product.term_months else 12
    method = terms.method_for(product)
    lines = _build_up(Decimal(0), amount, term, method, terms)
    return sum((line.rate for line in lines), Decimal(0)), amount, term, method


@dataclass(frozen=True)
class PricingBook:
    """Every lender's pricing terms, optionally refined per product kind (``pricing.yaml``).
    ``simulated``: the built-in simulator wrote it; its quotes say so."""

    lenders: dict[str, PricingTerms]
    kinds: dict[tuple[str, str], PricingTerms] = field(default_factory=dict)
    defaults: PricingTerms | None = None
    simulated: bool = False

    def terms_for(self, product: Product) -> PricingTerms | None:
        """The terms that price ``product`` (kind override, then lender, then defaults)."""
        return (
            self.kinds.get((product.lender, product.kind))
            or self.lenders.get(product.lender)
            or self.defaults
        )

    def quote(
        self,
        pd: float | Decimal,
        product: Product,
        amount: float | Decimal,
        term_months: int,
        max_acceptable_rate: float | Decimal | None = None,
        method: str | None = None,
    ) -> Quote | None:
        """:func:`price` with this book's terms; ``None`` when the lender has no pricing."""
        terms = self.terms_for(product)
        if terms is None:
            return None
        quote = price(pd, product, amount, term_months, terms, method, max_acceptable_rate)
        return replace(quote, simulated=True) if self.simulated else quote
