"""Nine lenders whose approval probabilities never saturate.

The market: 9 lenders with 4-7 products each (46 in all) of four kinds: working-capital loans,
loans backed by the firm's own premises, loans against card-terminal takings and small quick
loans. Shops are described by 12 features of their own catalog: months since founding, monthly
sales in thousands of yuan, a 20-level trade, a city tier, the principal's credit points (0-100),
missed bills in 24 months, headcount, whether the shop owns its premises, has audited books or a
card terminal, the amount asked (thousands of yuan) and the number of open credit lines. About
one shop in three struggles, the rest are established. Three features carry ``monotone`` (points and
sales up, missed bills down), and the lenders' truth respects them.

How lenders decide: not a logistic score. Each lender has a table over five bands of credit points
and four bands of missed bills, with an interaction (missed bills hurt more at low points, and
owning the premises closes part of the gap), multiplied by a smooth affordability term in
``log(annual sales / amount asked)``, a step in the firm's age and a factor per trade and per
city tier. Each product multiplies by its own factor, a soft cut in credit points (higher for
the cheaper products) and 0.6 when the amount asked is above its maximum. A noise ceiling per
lender between 0.93 and 0.985 caps it all: even a perfect shop is declined sometimes (papers lost,
capacity, the officer's mood). Published rules failing give 0. Hidden knock-outs give 0.02: four
lenders turn away a few trades, three decline shops with many open credit lines, and some products
decline requests above a few months of sales or shops in the smallest cities.

How the history was logged: each shop sends one to four applications (lower points, more
applications) drawn without replacement in proportion to the lender's market share (the busiest
lenders are the noisiest, with the lower ceilings), times 0.09
when a published rule fails, and tilted so that shops with better points prefer the cheaper
products (a broker's routing on what it can see). The lenders' hidden behaviour plays no part.
No propensity is recorded.

What makes it hard: the calibrated probabilities are spread out, with the best near 0.95-0.98 and
none near 1, so a method that can only certify scores that saturate at 0.999 finds nothing to
certify. Every number here is an assumption of this test bed.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from loanmatch.testbed import common
from loanmatch.testbed.case import MarketCase
from loanmatch.testbed.common import Bools, Floats, Limits, catalog_feature, sigmoid

__all__ = ["FEATURES", "FRESH_APPLICANTS", "HISTORY_ROWS", "LENDERS", "generate"]

_SALT = 71_115_002
LENDERS = ("jade", "harbor", "summit", "lotus", "granite", "meadow", "beacon", "cedar", "delta")
_PRODUCTS_PER_LENDER = (7, 6, 6, 5, 5, 5, 4, 4, 4)
HISTORY_ROWS = 80_000
FRESH_APPLICANTS = 5_000
_KNOCKED, _STRAY = 0.02, 0.09
_NOISE = 0.7  # of a published threshold's level
TRADES = (
    "grocery", "restaurant", "hardware", "pharmacy", "garments", "electronics", "bakery", "salon",
    "gym", "courier", "print_shop", "furniture", "florist", "bookstore", "stationery", "tea_house",
    "laundry", "phone_repair", "optician", "pet_shop",
)  # fmt: skip
TIERS = ("t1", "t2", "t3", "t4", "t5")
KINDS = ("working_capital", "premises", "card_flow", "quick")
_KIND_CODE = ("wc", "prem", "card", "quick")
_KIND_ZH = ("经营周转贷", "房产抵押贷", "刷卡流水贷", "快捷贷")
_CATALOG: tuple[tuple[str, str | tuple[str, ...], float, float, int, str, str], ...] = (
    # name, type (or categories), min, max, monotone, label zh, label en
    ("firm_age_months", "number", 0, 480, 0, "成立月数", "Months since founding"),
    ("monthly_sales_k", "number", 0, 20_000, 1, "月销售额(千元)", "Monthly sales (k yuan)"),
    ("trade", TRADES, 0, 0, 0, "经营业态", "Trade"),
    ("city_tier", TIERS, 0, 0, 0, "城市等级", "City tier"),
    ("principal_points", "number", 0, 100, 1, "负责人信用分", "Principal's credit points"),
    ("missed_bills_24m", "number", 0, 30, -1, "近24个月欠费次数", "Missed bills, 24 months"),
    ("headcount", "number", 0, 500, 0, "员工数", "Headcount"),
    ("owns_premises", "boolean", 0, 0, 0, "自有经营场所", "Owns its premises"),
    ("books_audited", "boolean", 0, 0, 0, "账目经审计", "Audited books"),
    ("card_terminal", "boolean", 0, 0, 0, "有刷卡终端", "Card terminal"),
    ("requested_k", "number", 5, 5_000, 0, "申请金额(千元)", "Amount asked (k yuan)"),
    ("open_credit_lines", "number", 0, 12, 0, "在贷笔数", "Open credit lines"),
)


FEATURES = [catalog_feature(n, t, lo, hi, zh, en, m) for n, t, lo, hi, m, zh, en in _CATALOG]
_MISSING = {"principal_points": 0.04, "headcount": 0.08, "books_audited": 0.05,
            "monthly_sales_k": 0.03, "open_credit_lines": 0.03, "owns_premises": 0.02}  # fmt: skip
# published ">=" and "<=" rules: feature -> thresholds from lenient to strict
_LOW: dict[str, tuple[float, ...]] = {
    "firm_age_months": (6, 12, 24, 36), "principal_points": (40, 50, 60, 70),
    "monthly_sales_k": (20, 50, 100, 300),
}  # fmt: skip
_HIGH: dict[str, tuple[float, ...]] = {
    "missed_bills_24m": (6, 3, 1, 0),
    "open_credit_lines": (6, 4, 3),
}
_POINT_BANDS, _MISSED_BANDS, _AGE_STEPS = (48, 60, 70, 78), (1, 3, 6), (6, 12, 36)
_CEILINGS = np.array([0.93, 0.945, 0.955, 0.965, 0.97, 0.975, 0.98, 0.983, 0.985])


def _design(rng: np.random.Generator) -> dict[str, Any]:
    """Every hidden and published parameter of the market (lenders, products, rules)."""
    n_l, n_t = len(LENDERS), len(TRADES)
    lender = np.repeat(np.arange(n_l), _PRODUCTS_PER_LENDER)
    n = lender.size
    kind = np.where(rng.random(n) < 0.45, 0, rng.integers(1, 4, n))
    strict = rng.standard_normal(n)
    ceiling = rng.permutation(_CEILINGS)
    a = np.sort(
        np.clip(np.array([0.15, 0.4, 0.7, 0.98, 1.0]) + rng.normal(0, 0.02, (n_l, 5)), 0.05, 1), 1
    )
    a[:, -1] = 1.0
    b = -np.sort(
        -np.clip(np.array([1.0, 0.975, 0.7, 0.3]) + rng.normal(0, 0.02, (n_l, 4)), 0.05, 1), 1
    )
    b[:, 0] = 1.0
    table = a[:, :, None] * b[:, None, :] ** (1 + 1.5 * (4 - np.arange(5))[None, :, None])
    gap = rng.uniform(0.4, 0.7, n_l)[:, None, None]
    table = np.stack([table, 1 - (1 - table) * gap], axis=1)  # (lender, premises, points, bills)
    age = np.sort(np.column_stack([rng.uniform(0.3, 0.5, n_l), rng.uniform(0.7, 0.85, n_l),
                                   rng.uniform(0.97, 1.0, n_l), np.ones(n_l)]), 1)  # fmt: skip
    trade_f = np.where(rng.random((n_l, n_t)) < 0.75, 1.0, rng.uniform(0.75, 1.0, (n_l, n_t)))
    tier_f = np.column_stack(
        [np.ones((n_l, 3)), rng.uniform(0.9, 1, n_l), rng.uniform(0.6, 1, n_l)]
    )
    hidden_trade = np.zeros((n, n_t), dtype=bool)
    for i in rng.choice(n_l, 4, replace=False):
        hidden_trade[np.ix_(lender == i, rng.choice(n_t, int(rng.integers(2, 4)), False))] = True
    lines_cut = np.full(n_l, np.inf)
    lines_cut[rng.choice(n_l, 3, replace=False)] = rng.integers(4, 7, 3)
    months_cut = np.where(rng.random(n) < 0.3, rng.integers(2, 5, n), np.inf)
    tier_ok = np.ones((n, 5), dtype=bool)
    tier_ok[rng.random(n) < 0.2, 4] = False
    needs = {
        f: np.zeros(n, dtype=bool) for f in ("owns_premises", "books_audited", "card_terminal")
    }
    needs["owns_premises"], needs["card_terminal"] = kind == 1, kind == 2
    limits = Limits.none(n, _LOW, _HIGH, needs)
    trade_ok, pub_tier = np.ones((n, n_t), dtype=bool), np.ones((n, 5), dtype=bool)
    amount_max = np.round(np.array([1e6, 3e6, 5e5, 2e5])[kind] * np.exp(0.3 * strict), -4)
    rate_min = np.round(np.clip(np.array([5.5, 4.2, 6.5, 9.0])[kind] - 0.8 * strict, 3.0, 18), 2)
    terms = ((12, 24), (12, 36, 60), (6, 12), (3, 6, 12))
    products: list[dict[str, Any]] = []
    for j in range(n):
        k, s, rules = int(kind[j]), float(strict[j]), []
        rules += ["owns_premises == true"] if k == 1 else []
        rules += ["card_terminal == true"] if k == 2 else []
        optional = ["firm_age_months", "principal_points", "missed_bills_24m", "monthly_sales_k",
                    "open_credit_lines", "trade", "city_tier", "books_audited"]  # fmt: skip
        chance = np.array([0.6, 0.6, 0.5, 0.3, 0.2, 0.25, 0.15, 0.15])
        order = np.argsort(-rng.random(len(optional)) * chance)
        total = max(len(rules), int(rng.choice(5, p=[0.06, 0.2, 0.34, 0.26, 0.14])))
        for f in [optional[i] for i in order][: total - len(rules)]:
            if f == "trade":
                bad = np.sort(rng.choice(n_t, int(rng.integers(2, 5)), replace=False))
                trade_ok[j, bad] = False
                rules.append(common.listed_rule("trade", "not in", TRADES, bad))
            elif f == "city_tier":
                pub_tier[j, 3 + int(rng.integers(0, 2)) :] = False
                rules.append(common.listed_rule("city_tier", "in", TIERS, pub_tier[j].nonzero()[0]))
            elif f == "books_audited":
                needs[f][j] = True
                rules.append("books_audited == true")
            else:
                cut = common.threshold(rng, _LOW.get(f) or _HIGH[f], s, _NOISE)
                rules.append(limits.set(f, j, cut))
        slot = int(np.sum(lender[:j] == lender[j])) + 1
        products.append({
            "id": f"{LENDERS[lender[j]]}_{_KIND_CODE[k]}{slot}",
            "lender": f"{LENDERS[lender[j]]}_bank",
            "kind": KINDS[k],
            "name": {"zh": f"{_KIND_ZH[k]}{slot}号", "en": f"{KINDS[k].replace('_', ' ')} {slot}"},
            "amount": {"min": float(np.round(amount_max[j] / 20, -3)), "max": float(amount_max[j])},
            "term_months": list(terms[k]),
            "rate": {"min": float(rate_min[j]), "max": float(round(rate_min[j] + 2.5, 2))},
            "rules": rules,
        })  # fmt: skip
    return {
        "lender": lender, "ceiling": ceiling, "table": table, "age": age, "trade_f": trade_f,
        "tier_f": tier_f, "slope": rng.uniform(3.5, 5, n_l), "shift": rng.uniform(-0.2, 0.3, n_l),
        "product_f": 1 - 0.05 * rng.random(n) ** 3,
        "appetite": np.clip(61 + 12 * strict + rng.normal(0, 5, n), 35, 90),
        "amount_max": amount_max, "hidden_trade": hidden_trade, "lines_cut": lines_cut[lender],
        "months_cut": months_cut, "tier_ok": tier_ok, "limits": limits,
        "trade_ok": trade_ok, "pub_tier": pub_tier, "products": products,
        "share": (rng.dirichlet(np.full(n_l, 4.0)) * np.exp(30 * (0.985 - ceiling)))[lender]
        * rng.uniform(0.5, 1.5, n),
        "cheap": -(rate_min - rate_min.mean()) / rate_min.std(),
        "trade_share": rng.dirichlet(np.full(n_t, 2.5)),
    }  # fmt: skip


def _population(rng: np.random.Generator, n: int, d: dict[str, Any]) -> dict[str, Floats]:
    """True feature values (categories as codes, booleans as 0/1) of ``n`` shops."""
    struggling = rng.random(n) < 0.35  # two segments: established shops and struggling ones
    q = np.where(struggling, rng.normal(-1.2, 0.8, n), rng.normal(0.8, 0.6, n))
    trade = rng.choice(len(TRADES), n, p=d["trade_share"]).astype(np.float64)
    age = np.clip(np.round(np.exp(rng.normal(3.7 + 0.4 * q, 0.8))), 0, 480)
    sales = np.exp(rng.normal(4.2 + 0.5 * q + 0.2 * np.log1p(age / 12), 1.0))
    sales = np.clip(np.round(sales, 1), 0, 20_000)
    asked = np.clip(np.round(12 * sales * np.exp(rng.normal(-1.9 - 0.3 * q, 0.7))), 5, 5_000)
    return {
        "firm_age_months": age,
        "monthly_sales_k": sales,
        "trade": trade,
        "city_tier": rng.choice(5, n, p=[0.15, 0.25, 0.3, 0.2, 0.1]).astype(np.float64),
        "principal_points": np.clip(np.round(74 + 12 * q + rng.normal(0, 6, n)), 0, 100),
        "missed_bills_24m": np.minimum(rng.poisson(np.exp(-0.8 - 1.1 * q)), 30).astype(float),
        "headcount": np.clip(np.round(np.exp(rng.normal(0.4 * np.log1p(sales), 0.6))), 0, 500),
        "owns_premises": (rng.random(n) < sigmoid(-1.0 + 0.4 * q + 0.4 * np.log1p(age / 12))) * 1.0,
        "books_audited": (rng.random(n) < sigmoid(-0.3 + 0.7 * q)) * 1.0,
        "card_terminal": (rng.random(n) < 0.35 + 0.4 * (trade % 3 == 0)) * 1.0,
        "requested_k": asked,
        "open_credit_lines": np.minimum(rng.poisson(np.exp(0.4 - 0.3 * q)), 12).astype(float),
    }


def _evaluate(d: dict[str, Any], x: dict[str, Floats]) -> tuple[Bools, Bools, Floats]:
    """Published rules pass, hidden knock-out, and true p, for every (shop, product)."""
    trade, tier = x["trade"].astype(np.int64), x["city_tier"].astype(np.int64)
    ok = d["trade_ok"][:, trade].T & d["pub_tier"][:, tier].T
    ok = d["limits"].passes(x, ok)
    knock = d["hidden_trade"][:, trade].T | ~d["tier_ok"][:, tier].T
    knock |= x["open_credit_lines"][:, None] >= d["lines_cut"]
    knock |= x["requested_k"][:, None] > d["months_cut"] * x["monthly_sales_k"][:, None]
    premises = x["owns_premises"].astype(np.int64)
    points = np.digitize(x["principal_points"], _POINT_BANDS)
    missed = np.digitize(x["missed_bills_24m"], _MISSED_BANDS)
    lender_p = d["table"][:, premises, points, missed].T  # (shops, lenders)
    cover = np.log(12 * np.maximum(x["monthly_sales_k"], 0.1) / x["requested_k"])
    lender_p = lender_p * sigmoid(d["slope"] * (cover[:, None] - d["shift"]))
    lender_p *= d["age"][:, np.digitize(x["firm_age_months"], _AGE_STEPS)].T
    lender_p *= d["trade_f"][:, trade].T * d["tier_f"][:, tier].T * d["ceiling"]
    too_big = x["requested_k"][:, None] * 1e3 > d["amount_max"]
    p = lender_p[:, d["lender"]] * d["product_f"] * np.where(too_big, 0.6, 1.0)
    p *= sigmoid((x["principal_points"][:, None] - d["appetite"]) / 3)
    return ok, knock, common.knocked_out(p, ok, knock, _KNOCKED, 0.0)


def _frame(prefix: str, x: dict[str, Floats], hidden: dict[str, Bools]) -> pd.DataFrame:
    ids = [f"{prefix}{i:06d}" for i in range(len(x["trade"]))]
    return common.feature_frame(ids, FEATURES, common.blanked(x, hidden))


def generate(seed: int, scale: float = 1.0) -> MarketCase:
    """The steady market: 9 lenders, 46 products, 80,000 history rows at scale 1."""
    r_design, r_pool, r_log, r_out, r_fresh, r_hide = common.streams(seed, _SALT, 6)
    d = _design(r_design)
    n_rows = max(1, round(HISTORY_ROWS * scale))
    pool = _population(r_pool, n_rows, d)
    z_points = (pool["principal_points"] - 70) / 15
    tries = 1 + r_log.binomial(3, sigmoid(-1.0 - 3.0 * z_points))
    x, tries = common.first_applicants(pool, tries, n_rows)
    n_hist = tries.size
    ok, _, p = _evaluate(d, x)
    tilt = np.exp(1.0 * z_points[:n_hist, None] * d["cheap"])
    # an exponential race: the k smallest of E / weight are a weighted draw without replacement
    race = r_log.standard_exponential(ok.shape) / (np.where(ok, 1.0, _STRAY) * d["share"] * tilt)
    top = np.argsort(race, axis=1)[:, :4]
    row, col = common.picks(top, tries)
    approved = (r_out.random(row.size) < p[row, col]).astype(np.int64)
    day = r_log.integers(0, 730, n_hist)
    history = _frame("s", x, common.hide(r_hide, n_hist, _MISSING)).iloc[row].reset_index(drop=True)
    dates = np.datetime64("2023-07-01") + day[row].astype("timedelta64[D]")
    history = common.logged(history, d["products"], col, approved, dates, in_order=True)
    n_fresh = max(1, round(FRESH_APPLICANTS * scale))
    fresh = _population(r_fresh, n_fresh, d)
    fresh_ok, fresh_knock, true_p = _evaluate(d, fresh)
    applicants = _frame("t", fresh, common.hide(r_hide, n_fresh, _MISSING))
    best = true_p.max(axis=1)
    eligible = true_p[fresh_ok & ~fresh_knock]
    facts = common.size_facts(len(LENDERS), len(d["products"]), row.size, n_fresh, approved) | {
        "logged_ineligible_share": float(1 - ok[row, col].mean()),
        "hidden_knockout_share": float(fresh_knock[fresh_ok].mean()),
        "oracle_share_p95": float((best >= 0.95).mean()),
        "oracle_share_p90": float((best >= 0.90).mean()),
        "true_p_max": float(true_p.max()),
        "middle_share": float(((eligible > 0.2) & (eligible < 0.9)).mean()),
        "lender_ceiling_min": float(d["ceiling"].min()),
        "lender_ceiling_max": float(d["ceiling"].max()),
        "missing_share": float(applicants[[f["name"] for f in FEATURES]].isna().mean().mean()),
    }
    return MarketCase(
        name="steady",
        seed=seed,
        features=copy.deepcopy(FEATURES),
        products=d["products"],
        history=history,
        applicants=applicants,
        true_p=true_p,
        description=(
            "Nine lenders deciding by banded tables with interactions times smooth terms, under "
            "a noise ceiling of 0.93-0.985, so that no approval probability saturates."
        ),
        facts=facts,
    )
