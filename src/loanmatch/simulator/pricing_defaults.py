"""The default market's ``pricing.yaml``: each simulated lender's cost of lending.

Every lender prices by its OWN configuration (``LENDER_TERMS``): the style's typical terms
(``STYLE_TERMS``) only fill a setting a lender does not set. Sources (ref =
``docs/market-reference.md``, §7 "Lender pricing" tabulates every lender) and *assumptions*:

- base rate: 1-yr LPR 3.00% (ref §2, May 2025, unchanged in Jan 2026).
- funding spread: new inclusive small-business loans averaged 3.48% in Jun 2025 (ref §2), only
  0.48 points above the LPR, so banks fund them well below the LPR (deposits, PBoC relending).
  Big state banks have the cheapest deposits (-0.90 to -0.75; PSBC's post-office savings base
  -0.85, BoCom with fewer retail deposits -0.60), joint-stock banks next (CMB's retail base
  -0.60, Ping An -0.40), city and rural banks pay more (-0.35 to -0.20); internet banks, with no
  branches, buy deposits and interbank money (+0.40, +0.60); fintechs fund through partner
  banks and ABS (+3.5 to +4.5, i.e. 6.5-7.5%). The ordering follows ref §7; the numbers are
  *assumptions*.
- bill discounting: funded near the interbank rediscount rate, 1.48-1.95% (ref §1 #15), so the
  ``bill`` kind's funding is 1.5%, and its LGD small because the acceptor bank pays (*assumption*).
- LGD: 45% for unsecured bank loans (Basel foundation-IRB senior unsecured, ref §7); 25% for
  secured loans lent at 60-70% LTV (ref §1 #14, *assumption*); 60-65% for internet banks and
  70-75% for fintech credit loans (*assumptions*: thinner files, no collateral, online recovery).
- operating cost: PSBC's cost-to-income ratio is about twice the other big banks' (it pays
  China Post agency fees for deposits its post offices gather, ref §7), so its operating line is
  0.70 against 0.35-0.45; joint-stock and local banks 0.50-0.75; internet banks 1.2-1.4 and
  fintechs 1.8-2.0 (*assumptions*).
- acquisition cost: banks 100-300 yuan per loan (online channel, existing depositors; Ping An's
  merchant sales force the most), internet banks 200-250 (their platform's traffic), fintechs
  1,200-1,500 (paid traffic) — *assumptions*. Credit-data cost: bureau, tax and invoice
  queries, 30-80 yuan per loan (*assumption*).
- management fee, target profit: annual % of the balance, *assumptions* sized so that a bank
  tax loan to a PD-2% owner prices inside the 3.0-4.5% band of ref §5 and a fintech invoice
  loan inside the 12-24% band.
- repayment: a product's first method that can be priced (banks' credit loans 先息后本), except
  where a lender's configuration names one: PSBC's and the rural banks' secured loans and the
  internet banks' business loans amortise in equal instalments (等额本息), the fintechs' loans
  too (ref §1 #10-11: 12 instalments).
- borrower fees: fintechs add a financing-guarantee fee and a service fee (the "6.8% quoted,
  23.88% all-in" pattern of issue 4); QuickFin (fictional) also takes a 1% upfront fee. Banks
  charge none.
- ``costs_published`` is false for every lender: none publishes its cost build-up, so every
  offer shows it as an estimate (估算). ``simulated: true`` marks the file as the simulator's.
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
_COSTS = (
    "funding_spread", "acquisition_cost", "credit_data_cost", "lgd", "operating_cost",
    "management_fee", "target_profit",
)  # fmt: skip


def _terms(*values: float, **more: Any) -> dict[str, Any]:
    return dict(zip(_COSTS, values, strict=True)) | more


# fmt: off
LENDER_TERMS: dict[str, dict[str, Any]] = {
    #             spread  acquisition data  lgd  opex  fee  profit
    "icbc": _terms(-0.90, 100, 30, 0.45, 0.35, 0.0, 0.30),
    "ccb": _terms(-0.85, 120, 30, 0.45, 0.38, 0.0, 0.30),
    "abc": _terms(-0.80, 150, 30, 0.45, 0.45, 0.0, 0.25),
    "boc": _terms(-0.75, 120, 30, 0.45, 0.40, 0.0, 0.30),
    "bocom": _terms(-0.60, 150, 35, 0.45, 0.40, 0.0, 0.35),
    "psbc": _terms(-0.85, 150, 30, 0.45, 0.70, 0.0, 0.25),
    "cmb": _terms(-0.60, 200, 40, 0.45, 0.55, 0.1, 0.50),
    "pingan": _terms(-0.40, 300, 50, 0.45, 0.70, 0.1, 0.60),
    "jsbc": _terms(-0.30, 200, 40, 0.45, 0.55, 0.1, 0.30),
    "nbcb": _terms(-0.35, 250, 40, 0.45, 0.50, 0.1, 0.45),
    "grcb": _terms(-0.20, 150, 40, 0.45, 0.70, 0.1, 0.25),
    "cdrcb": _terms(-0.25, 150, 40, 0.45, 0.75, 0.1, 0.25),
    "webank": _terms(0.40, 250, 50, 0.60, 1.20, 0.5, 1.60),
    "mybank": _terms(0.60, 200, 50, 0.65, 1.40, 0.5, 1.40),
    "qfin": _terms(4.00, 1500, 80, 0.75, 2.00, 0.5, 2.00, guarantee_fee=2.0, service_fee=0.5),
    "dxm": _terms(3.50, 1200, 80, 0.70, 1.80, 0.5, 2.00, guarantee_fee=1.5, service_fee=0.5),
    "quickfin": _terms(
        4.20, 1500, 80, 0.75, 1.90, 0.5, 2.00, guarantee_fee=2.0, service_fee=0.5, upfront_fee=1.0
    ),
}
# fmt: on
"""Each default lender's own costs and margin (module docstring; ref §7 "Lender pricing")."""
LENDER_KIND_TERMS: dict[tuple[str, str], dict[str, Any]] = {
    ("psbc", "secured"): {"repayment": "equal_instalment"},
    ("grcb", "secured"): {"repayment": "equal_instalment"},
    ("cdrcb", "secured"): {"repayment": "equal_instalment"},
    ("webank", "business"): {"repayment": "equal_instalment"},
    ("mybank", "business"): {"repayment": "equal_instalment"},
}
"""A lender's own settings for one kind of its products, over ``KIND_TERMS``."""


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
        terms["costs_published"] = False
        kinds: dict[str, dict[str, Any]] = {}
        for kind in sorted(offered[lender.id]):
            own = KIND_TERMS.get(kind, {}) | LENDER_KIND_TERMS.get((lender.id, kind), {})
            if own:
                kinds[kind] = own
        if kinds:
            terms["kinds"] = kinds
        lenders[lender.id] = terms
    return {
        "base_rate": float(LPR_1Y),
        "legal_cap": float(LEGAL_ALL_IN_CAP),
        "simulated": True,
        "lenders": lenders,
    }
