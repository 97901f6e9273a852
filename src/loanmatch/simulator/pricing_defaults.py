"""The default market's ``pricing.yaml``: each simulated lender's cost of lending.

Sources (ref = ``docs/market-reference.md``) and *assumptions*:

- base rate: 1-yr LPR 3.00% (ref §2, May 2025, unchanged in Jan 2026).
- funding spread: new inclusive small-business loans averaged 3.48% in Jun 2025 (ref §2), only
  0.48 points above the LPR, so banks fund them well below the LPR (deposits, PBoC relending):
  *assumption* -0.8 big banks, -0.5 joint-stock, -0.3 city and rural banks; internet banks pay
  more for deposits (+0.5); fintechs fund through partner banks and ABS (+4.0, i.e. 7%).
- bill discounting: funded near the interbank rediscount rate, 1.48-1.95% (ref §1 #15), so the
  ``bill`` kind's funding is 1.5%, and its LGD small because the acceptor bank pays (*assumption*).
- LGD: 45% for unsecured loans (Basel foundation-IRB senior unsecured, ref §7); 25% for secured
  loans lent at 60-70% LTV (ref §1 #14, *assumption*); 75% for fintech credit loans
  (*assumption*).
- acquisition cost: banks 100-300 yuan per loan (online channel, existing depositors); fintechs
  1,500 yuan (paid traffic) — *assumptions*. Credit-data cost: bureau, tax and invoice queries,
  30-80 yuan per loan (*assumption*).
- operating cost, management fee, target profit: annual % of the balance, *assumptions* sized so
  that a bank tax loan to a PD-2% owner prices inside the 3.0-4.5% band of ref §5 and a fintech
  invoice loan inside the 12-24% band.
- borrower fees: fintechs add a financing-guarantee fee and a service fee (the "6.8% quoted,
  23.88% all-in" pattern of issue 4); QuickFin (fictional) also takes a 1% upfront fee. Banks
  charge none.
"""

from __future__ import annotations

from typing import Any

from loanmatch.domain.pricing import LEGAL_ALL_IN_CAP, LPR_1Y
from loanmatch.simulator.lenders import LENDERS, LenderStyle

__all__ = ["PRICING_HEADER", "default_pricing"]

PRICING_HEADER = (
    "# Simulated market (loanmatch simulate): each lender's pricing configuration.\n"
    "# Rates and fees in annual percent (upfront_fee: percent once); costs in yuan per loan.\n"
    "# Sources: docs/market-reference.md §1-§2; see loanmatch/simulator/pricing_defaults.py.\n"
)

STYLE_TERMS: dict[LenderStyle, dict[str, Any]] = {
    "big_bank": {
        "funding_spread": -0.8, "acquisition_cost": 100, "credit_data_cost": 30, "lgd": 0.45,
        "operating_cost": 0.4, "management_fee": 0.0, "target_profit": 0.3,
    },
    "joint_stock": {
        "funding_spread": -0.5, "acquisition_cost": 200, "credit_data_cost": 40, "lgd": 0.45,
        "operating_cost": 0.6, "management_fee": 0.1, "target_profit": 0.5,
    },
    "city": {
        "funding_spread": -0.3, "acquisition_cost": 200, "credit_data_cost": 40, "lgd": 0.45,
        "operating_cost": 0.6, "management_fee": 0.1, "target_profit": 0.3,
    },
    "rural": {
        "funding_spread": -0.3, "acquisition_cost": 150, "credit_data_cost": 40, "lgd": 0.45,
        "operating_cost": 0.7, "management_fee": 0.1, "target_profit": 0.3,
    },
    "internet": {
        "funding_spread": 0.5, "acquisition_cost": 300, "credit_data_cost": 50, "lgd": 0.6,
        "operating_cost": 1.5, "management_fee": 0.5, "target_profit": 1.5,
    },
    "fintech": {
        "funding_spread": 4.0, "acquisition_cost": 1500, "credit_data_cost": 80, "lgd": 0.75,
        "operating_cost": 2.0, "management_fee": 0.5, "target_profit": 2.0,
        "guarantee_fee": 2.0, "service_fee": 0.5, "repayment": "equal_instalment",
    },
}  # fmt: skip
KIND_TERMS: dict[str, dict[str, Any]] = {
    "secured": {"lgd": 0.25},
    "bill": {
        "funding_spread": -1.5, "lgd": 0.05, "operating_cost": 0.2, "management_fee": 0.0,
        "target_profit": 0.2,
    },
}  # fmt: skip
LENDER_TERMS: dict[str, dict[str, Any]] = {"quickfin": {"upfront_fee": 1.0}}


def default_pricing(products: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``pricing.yaml`` mapping for the default lenders that have ``products``."""
    offered: dict[str, set[str]] = {}
    for product in products:
        offered.setdefault(str(product["lender"]), set()).add(str(product.get("kind", "")))
    lenders: dict[str, Any] = {}
    for lender in LENDERS:
        if lender.id not in offered:
            continue
        terms = dict(STYLE_TERMS[lender.style]) | LENDER_TERMS.get(lender.id, {})
        kinds = {k: dict(v) for k, v in KIND_TERMS.items() if k in offered[lender.id]}
        if kinds:
            terms["kinds"] = kinds
        lenders[lender.id] = terms
    return {
        "base_rate": float(LPR_1Y),
        "legal_cap": float(LEGAL_ALL_IN_CAP),
        "lenders": lenders,
    }
