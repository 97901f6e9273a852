"""Repayment schedules and the borrower's all-in annual percentage rate (综合年化成本).

Pure Python with exact decimal arithmetic (:mod:`decimal`). Money is in yuan, rounded to the fen
(0.01 yuan) by these documented rules:

- interest of a month = outstanding balance x monthly rate, rounded ROUND_HALF_UP to the fen;
- equal instalments (等额本息): the instalment A = P r / (1 - (1 + r)^-n), rounded ROUND_HALF_UP;
  each month's principal is A minus that month's interest; the LAST instalment repays whatever
  balance remains (it absorbs every rounding remainder), so the principal repaid is exactly P;
- equal principal (等额本金): principal P / n rounded ROUND_HALF_UP each month, the last month
  takes the remainder;
- interest first (先息后本): interest every month, the whole principal with the last instalment;
- discount (贴现, bill discounting): interest for the whole term, P x rate x n / 12 rounded
  ROUND_HALF_UP, is deducted from the amount paid out; the face value is repaid at maturity
  (at most ``MAX_DISCOUNT_MONTHS`` = 12: bills run at most a year, docs/market-reference.md §5);
- fees charged as an annual % of the ORIGINAL principal (guarantee, insurance, service) are due
  with every instalment: P x fee / 12 rounded ROUND_HALF_UP per fee per month; an upfront fee
  (% of principal, once) is deducted when the loan is paid out, rounded ROUND_HALF_UP.

The monthly rate is the nominal annual rate / 12. The all-in rate is the internal rate of return
(IRR) of the borrower's actual monthly cash flows x 12, the convention of the PBoC's rule that
every lender shows the annualised rate including all fees (announcement No. 3 of 2021,
``docs/market-reference.md`` §2). It is found by bisection in 40-digit decimal arithmetic and
returned in percent, rounded ROUND_HALF_UP to 0.0001 percentage point. To save time the
bisection is skipped where it cannot change the answer, never changing a digit of it: a float
Newton estimate names the rounded rate, and two exact NPV signs show the root inside that
rounding cell, 1e-18 from both its ends; failing that, the bisection runs, evaluating the NPV
exactly only within 2e-14 of the estimate (farther out its sign is the side of the root, once two
exact NPVs have shown the root within 1e-14); failing that too, the plain bisection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "FEN",
    "METHODS",
    "Instalment",
    "NothingPaidOutError",
    "Schedule",
    "UnsupportedMethodError",
    "all_in_rate",
    "build_schedule",
    "irr_monthly",
    "outstanding_total",
    "to_fen",
]

FEN = Decimal("0.01")
RATE_QUANTUM = Decimal("0.0001")
"""All-in rate precision in percentage points (one hundredth of a basis point)."""
METHODS = ("equal_instalment", "equal_principal", "interest_first", "discount")
"""Repayment methods that can be priced, by their ``products.yaml`` names."""
MAX_TERM_MONTHS = 600
MAX_DISCOUNT_MONTHS = 12
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
CELL_MARGIN = Decimal("1e-18")
"""Monthly-rate distance from a rounding boundary under which the rounded rate is not read off."""
GUIDE_WIDTH = Decimal("1e-14")
"""Half-width of the check on the float estimate before it guides the bisection."""


class UnsupportedMethodError(ValueError):
    """A repayment method no schedule can be built for (e.g. ``revolving``)."""


class NothingPaidOutError(ValueError):
    """Interest and fees deducted at pay-out would take the whole principal."""


def to_fen(amount: Decimal) -> Decimal:
    """Round yuan to the fen, half up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instalment:
    """One monthly payment of the borrower, in yuan."""

    month: int
    principal: Decimal
    interest: Decimal
    fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


@dataclass(frozen=True)
class Schedule:
    """A loan's payments. ``paid_out`` is what the borrower actually receives at month 0."""

    principal: Decimal
    annual_rate: Decimal
    method: str
    paid_out: Decimal
    upfront_fee: Decimal
    discount_interest: Decimal
    instalments: tuple[Instalment, ...]
    fee_totals: Mapping[str, Decimal]
    """Each annual fee's total over the loan (yuan), plus ``upfront``."""

    @property
    def total_interest(self) -> Decimal:
        return self.discount_interest + sum((i.interest for i in self.instalments), Decimal(0))

    @property
    def total_fees(self) -> Decimal:
        return sum(self.fee_totals.values(), Decimal(0))

    @property
    def total_repaid(self) -> Decimal:
        return sum((i.total for i in self.instalments), Decimal(0))

    @property
    def principal_repaid(self) -> Decimal:
        return sum((i.principal for i in self.instalments), Decimal(0))

    def cash_flows(self) -> list[Decimal]:
        """The borrower's view: +paid out at month 0, then -each instalment."""
        return [self.paid_out, *(-i.total for i in self.instalments)]


def _instalment_amount(principal: Decimal, r: Decimal, n: int) -> Decimal:
    if r == 0:
        return to_fen(principal / n)
    with localcontext() as ctx:
        ctx.prec = 40
        return to_fen(principal * r / (1 - (1 + r) ** -n))


def _principal_parts(principal: Decimal, r: Decimal, n: int, method: str) -> list[Decimal]:
    """Principal repaid in each month (interest-independent methods) or [] (annuity)."""
    if method in ("interest_first", "discount"):
        return [Decimal(0)] * (n - 1) + [principal]
    if method == "equal_principal":
        part = to_fen(principal / n)
        return [part] * (n - 1) + [principal - part * (n - 1)]
    return []


def _checked(
    principal: Decimal, annual_rate: Decimal, months: int, method: str, upfront_fee: Decimal
) -> Decimal:
    """The principal rounded to the fen, once the loan is one a schedule can be built for."""
    if method not in METHODS:
        raise UnsupportedMethodError(
            f"repayment method {method!r} cannot be priced; supported: {', '.join(METHODS)}"
        )
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise ValueError(f"term must be 1..{MAX_TERM_MONTHS} months (received {months})")
    if method == "discount" and months > MAX_DISCOUNT_MONTHS:
        raise ValueError(f"a discounted bill runs at most {MAX_DISCOUNT_MONTHS} months")
    principal = to_fen(principal)
    if principal < months:
        raise ValueError(f"principal {principal} yuan is below 1 yuan a month over {months}")
    if annual_rate < 0 or upfront_fee < 0 or upfront_fee >= HUNDRED:
        raise ValueError("rate must be >= 0 and the upfront fee in [0, 100) percent")
    return principal


def build_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: str,
    annual_fees: Mapping[str, Decimal] | None = None,
    upfront_fee: Decimal = Decimal(0),
) -> Schedule:
    """The monthly schedule of a loan of ``principal`` yuan at ``annual_rate`` percent.

    ``annual_fees`` maps a fee name to its annual % of the original principal; ``upfront_fee``
    is a % of principal deducted at pay-out. Raises :class:`UnsupportedMethodError` for a method
    not in :data:`METHODS` and ``ValueError`` for a non-positive amount or a bad term or rate.
    """
    principal = _checked(principal, annual_rate, months, method, upfront_fee)
    fees = dict(annual_fees or {})
    if any(f < 0 for f in fees.values()):
        raise ValueError("annual fees must be >= 0")
    r = annual_rate / HUNDRED / TWELVE
    monthly_fee = {name: to_fen(principal * f / HUNDRED / TWELVE) for name, f in fees.items()}
    fee_per_month = sum(monthly_fee.values(), Decimal(0))
    upfront = to_fen(principal * upfront_fee / HUNDRED)
    discount = to_fen(principal * r * months) if method == "discount" else Decimal(0)
    parts = _principal_parts(principal, r, months, method)
    payment = _instalment_amount(principal, r, months) if not parts else Decimal(0)
    balance = principal
    rows: list[Instalment] = []
    owed, interest = None, Decimal(0)
    for k in range(1, months + 1):
        if method != "discount" and balance != owed:  # the same balance owes the same interest
            owed, interest = balance, to_fen(balance * r)
        if k == months:
            paid = balance
        elif parts:
            paid = parts[k - 1]
        else:
            paid = min(payment - interest, balance)
        rows.append(Instalment(k, paid, interest, fee_per_month))
        balance -= paid
    if principal - upfront - discount <= 0:
        raise NothingPaidOutError("the interest and fees deducted leave nothing to pay out")
    totals = {name: amount * months for name, amount in monthly_fee.items()}
    totals["upfront"] = upfront
    return Schedule(
        principal=principal,
        annual_rate=annual_rate,
        method=method,
        paid_out=principal - upfront - discount,
        upfront_fee=upfront,
        discount_interest=discount,
        instalments=tuple(rows),
        fee_totals=totals,
    )


def outstanding_total(
    principal: Decimal, annual_rate: Decimal, months: int, method: str
) -> Decimal:
    """The principal outstanding at the start of each month, summed (yuan-months): what the
    fee-free ``build_schedule(principal, annual_rate, months, method)`` gives, with its errors,
    without building it (closed forms but for equal instalments)."""
    principal = _checked(principal, annual_rate, months, method, Decimal(0))
    r = annual_rate / HUNDRED / TWELVE
    if method == "discount" and principal - to_fen(principal * r * months) <= 0:
        raise NothingPaidOutError("the interest and fees deducted leave nothing to pay out")
    if method in ("interest_first", "discount"):
        return principal * months
    if method == "equal_principal":
        return principal * months - to_fen(principal / months) * (months * (months - 1) // 2)
    payment = _instalment_amount(principal, r, months)
    balance, total = principal, Decimal(0)
    for _ in range(months - 1):  # the last month repays the balance: only its start counts
        total += balance
        balance -= min(payment - to_fen(balance * r), balance)
    return total + balance


def _npv(flows: Sequence[Decimal], r: Decimal) -> Decimal:
    """Net present value at monthly rate ``r`` (Horner's scheme from the last month)."""
    v = 1 / (1 + r)
    total = Decimal(0)
    for flow in reversed(flows[1:]):
        total = (total + flow) * v
    return flows[0] + total


def irr_monthly(flows: Sequence[Decimal]) -> Decimal:
    """The monthly rate r with NPV(r) = 0 for flows (+received first, -payments after).

    The borrower's NPV rises with r (the payments are later than the money received), so the
    root is unique; bisection on (-0.99, hi) doubles ``hi`` until it brackets the root.
    Raises ``ValueError`` when the flows have no sign change.
    """
    return _bisect(flows, lambda r: _npv(flows, r) < 0)


def _bisect(flows: Sequence[Decimal], below: Callable[[Decimal], bool]) -> Decimal:
    """The bisection of :func:`irr_monthly`; ``below(r)`` says whether NPV(r) < 0."""
    if not flows or flows[0] <= 0 or all(f >= 0 for f in flows[1:]):
        raise ValueError("cash flows must start with money received and then payments")
    with localcontext() as ctx:
        ctx.prec = 40
        lo, hi = Decimal("-0.99"), Decimal("0.1")
        while below(hi):
            hi *= 2
            if hi > 1000:
                raise ValueError("no internal rate of return below 100000% a month")
        if _npv(flows, lo) > 0:
            raise ValueError("the payments are smaller than the money received")
        for _ in range(200):
            mid = (lo + hi) / 2
            if below(mid):
                lo = mid
            else:
                hi = mid
            if hi - lo < Decimal("1e-20"):
                break
        return (lo + hi) / 2


def _estimate(flows: Sequence[Decimal]) -> float | None:
    """Monthly IRR by Newton's method in float (from 0, where the NPV is not positive; the NPV
    is concave, so the iterates rise to the root); None unless the flows are a borrower's
    (received, then payments) and the root is in [0, 100)."""
    f = [float(x) for x in flows]
    if len(f) < 2 or f[0] <= 0 or any(x > 0 for x in f[1:]) or sum(f) > 0:
        return None
    r = 0.0
    for _ in range(100):
        v = 1.0 / (1.0 + r)
        npv, slope = 0.0, 0.0
        for k in range(len(f) - 1, 0, -1):
            npv = (npv + f[k]) * v
            slope = (slope - k * f[k]) * v
        step = (f[0] + npv) / (slope * v)
        r -= step
        if abs(step) <= 1e-13:
            return r if 0.0 <= r < 100.0 else None
    return None


def _settled(flows: Sequence[Decimal], guess: float) -> Decimal | None:
    """The all-in rate when exact NPV signs put the root well inside the rounding cell of
    ``guess`` (the bisection then lands inside it too); else None (also for a rate that rounds
    to zero, whose sign is the bisection's)."""
    cell = math.floor(guess * 12_000_000 + 0.5)
    if cell <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        low = (Decimal(cell) - Decimal("0.5")) / 12_000_000 + CELL_MARGIN
        high = (Decimal(cell) + Decimal("0.5")) / 12_000_000 - CELL_MARGIN
        inside = _npv(flows, low) < 0 < _npv(flows, high)
    return Decimal(cell).scaleb(-4) if inside else None


def _guided(flows: Sequence[Decimal], guess: float) -> Decimal | None:
    """Exactly :func:`irr_monthly`, evaluating the NPV only near ``guess``; None when two exact
    NPVs do not show the root within GUIDE_WIDTH of it."""
    with localcontext() as ctx:
        ctx.prec = 40
        g = Decimal(guess)
        low, high = g - GUIDE_WIDTH, g + GUIDE_WIDTH
        if not _npv(flows, low) < 0 < _npv(flows, high):
            return None
        far_below, far_above = low - GUIDE_WIDTH, high + GUIDE_WIDTH

    def below(r: Decimal) -> bool:
        if r <= far_below or r >= far_above:
            return r <= far_below
        return _npv(flows, r) < 0

    return _bisect(flows, below)


def all_in_rate(schedule: Schedule) -> Decimal:
    """综合年化成本: IRR of the borrower's monthly cash flows x 12, in percent (see module doc)."""
    flows = schedule.cash_flows()
    guess = _estimate(flows)
    if guess is not None:
        settled = _settled(flows, guess)
        if settled is not None:
            return settled
    monthly = _guided(flows, guess) if guess is not None else None
    if monthly is None:
        monthly = irr_monthly(flows)
    return (monthly * TWELVE * HUNDRED).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
