"""Drift market: lender policies and the applicant population move between history and today.

The market: 40 lenders with three products each (credit, invoice, premises, micro or web-shop
loans) and a four-year decision log, 2022-01-01 to 2025-12-31; "today" is January 2026.
Applicants are small firms described by twelve features (years trading, 12-month sales, trade,
home region, the owner's personal score, missed payments, headcount, premises, the amount asked,
months of VAT invoices, loans already held, an online store). About 5% of cells are blank, a
little more often for weaker firms.

How lenders decide: each product's published rules (0-4) must hold, or the product approves
almost nobody (0-1%, a manual override). Past them, the lender's hidden score is a logistic
function of the score, sales, age, missed payments, premises, the amount asked against sales,
loans held, a trade effect and a region effect, times a ceiling below 1 (at most 0.985:
nobody is a sure thing). Unpublished knock-outs cut the approval to at most 2%: regions or
trades a lender avoids, a product's hidden score cut, a cap on the amount asked against sales.

Drift: from a date between June and December 2024 that differs by lender, 13 lenders tighten
(their score drops by 0.8-1.4 on the logit scale and they add a knock-out: a score cut or two
trades), 4 loosen (+0.7-1.1), the other 23 stay as they were. Sales grow about 8% a year,
e-commerce and software grow while catering shrinks, scores creep up. Today's behaviour is the
latest one, the same as through all of 2025, and fresh applicants come from the 2026
population. The logging policy: each firm applies to 1-3 products drawn by popularity, about
three times less often to one whose published rules it visibly fails (a broker's pre-screen;
unknown values count as passing). No propensity is logged.

What makes it hard: pooling the four years over-promises for the tightened lenders (their
approvals of 2022-2023 no longer hold), under-promises for the loosened ones, and the
population met today is richer than most of the history. Every number here (shares, shifts,
dates, effects) is an assumption of this test bed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from loanmatch.testbed import common
from loanmatch.testbed.case import MarketCase
from loanmatch.testbed.common import Bools, Floats, Ints, Rules, Values, feature, sigmoid

__all__ = ["generate"]

STREAM = 0xD21F7

START, DAYS, TODAY_T = np.datetime64("2022-01-01"), 1461, 4.04  # 1461 days to 2025-12-31
N_LENDERS, PER_LENDER, HISTORY_ROWS, FRESH = 40, 3, 150_000, 8_000
APPS_P = np.array([0.45, 0.35, 0.20])  # 1, 2 or 3 applications per firm
KNOCKOUT_P = 0.02
WEIGHTS = np.array([[0.5, 0.3, 0.2, 0.5, 0, 0.3, 0.2], [0.9, 0.7, 0.5, 0.9, 0.8, 0.8, 0.4]])
TRADES: tuple[str, ...] = ("retail", "wholesale", "catering", "construction", "logistics")
TRADES += ("manufacturing", "software", "ecommerce", "agriculture", "healthcare", "education")
TRADES += ("tourism", "textiles", "printing")
TRADE_W = np.array([14, 12, 11, 10, 8, 10, 4, 4, 6, 5, 4, 5, 4, 3], dtype=float)
TRADE_GROWTH = np.zeros(len(TRADES))
TRADE_GROWTH[[6, 7, 2]] = (0.15, 0.30, -0.12)  # software, ecommerce grow; catering shrinks
TRADE_SALES = np.array([0, 0.3, -0.3, 0.3, 0.1, 0.4, 0.1, -0.1, -0.2, 0.1, -0.2, -0.2, 0, -0.1])
REGIONS: tuple[str, ...] = ("anhui", "beijing", "chongqing", "fujian", "gansu", "guangdong")
REGIONS += ("guangxi", "guizhou", "hainan", "hebei", "henan", "hubei", "hunan", "jiangsu")
REGIONS += ("jiangxi", "jilin", "liaoning", "shaanxi", "shandong", "shanghai", "shanxi")
REGIONS += ("sichuan", "tianjin", "yunnan", "zhejiang")
REGION_W = np.array([4, 5, 4, 5, 2, 9, 3, 2, 1, 4, 5, 4, 4, 8, 3, 2, 3, 3, 6, 5, 2, 5, 2, 3, 7.0])
MISSING = {"personal_score": 0.07, "headcount": 0.12, "owns_premises": 0.08, "vat_months": 0.05}
MISSING |= {"existing_loans": 0.07, "online_store": 0.10, "missed_payments": 0.04}
MISSING |= {"firm_years": 0.02, "sales_12m": 0.03, "requested_amount": 0.02, "trade": 0.01}


FEATURES: list[dict[str, Any]] = [
    feature("firm_years", "number", "Years trading|经营年限", 60, unit="years"),
    feature("sales_12m", "number", "Sales, 12 months|近12个月销售额", 5e8, unit="yuan"),
    feature("trade", "category", "Trade|行业", categories=list(TRADES)),
    feature("home_region", "category", "Home region|所在省份", categories=list(REGIONS)),
    feature("personal_score", "number", "Owner's score|个人信用分", 900, low=300, personal=True),
    feature("missed_payments", "number", "Missed payments, 24m|近24个月逾期", 24, unit="count"),
    feature("headcount", "number", "Employees|员工人数", 5000, unit="count"),
    feature("owns_premises", "boolean", "Owns premises|自有经营场所"),
    feature("requested_amount", "number", "Amount asked|申请金额", 1e7, group="request"),
    feature("vat_months", "number", "Months invoicing|连续开票月数", 36, unit="months"),
    feature("existing_loans", "number", "Loans held|在贷机构数", 20, unit="count"),
    feature("online_store", "boolean", "Runs an online store|有网店"),
]
FEATURES[8]["unit"] = "yuan"
KINDS = {  # kind: (zh, en, amount max, rates, base logit shift, rule pool: compulsory first)
    "credit": ("信用贷", "Credit Loan", 1e6, (4.5, 9.0), 0.0, "score missed years loans"),
    "invoice": ("发票贷", "Invoice Loan", 3e6, (4.0, 7.5), 0.3, "vat sales years missed"),
    "secured": ("抵押贷", "Premises Loan", 1e7, (3.5, 6.0), 0.6, "premises years score sales"),
    "micro": ("小微贷", "Micro Loan", 5e5, (6.0, 14.0), -0.2, "ask headcount missed score"),
    "webshop": ("网店贷", "Web-shop Loan", 8e5, (5.0, 12.0), 0.0, "online sales score loans"),
}
POOL: dict[str, tuple[str, str, tuple[float, ...]]] = {
    "score": (">=", "personal_score", (560, 580, 600, 620, 640)),
    "missed": ("<=", "missed_payments", (0, 1, 2, 3)),
    "years": (">=", "firm_years", (1, 2, 3)),
    "loans": ("<=", "existing_loans", (3, 4, 5)),
    "vat": (">=", "vat_months", (6, 12, 24)),
    "sales": (">=", "sales_12m", (5e5, 1e6, 2e6)),
    "premises": ("==", "owns_premises", (1,)),
    "ask": ("<=", "requested_amount", (3e5, 5e5)),
    "headcount": ("<=", "headcount", (20, 50, 100)),
    "online": ("==", "online_store", (1,)),
}
ADJ_EN = ("Harbor", "Summit", "Swift", "Evergreen", "Bright", "Pine", "Jade", "River", "Lotus")
ADJ_ZH = ("港湾", "峰", "速", "常青", "明", "松", "玉", "江", "莲")


def _population(rng: np.random.Generator, t: Floats) -> tuple[Values, Floats]:
    """True feature values of firms applying at times ``t`` (years after 2022-01-01)."""
    n, z = len(t), rng.standard_normal(len(t))
    weights = TRADE_W * np.exp(np.outer(t, TRADE_GROWTH))
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    trade = np.minimum((cum < rng.random(n)[:, None]).sum(axis=1), len(TRADES) - 1)
    years = np.clip(rng.gamma(2.0, 3.5, n) * np.exp(0.25 * z), 0, 60).round(1)
    log_sales = np.log(2.5e6) + 0.55 * z + 0.25 * np.log1p(years) + 0.077 * t + TRADE_SALES[trade]
    sales = np.clip(np.round(np.exp(log_sales + rng.normal(0, 0.8, n)), -3), 0, 5e8)
    ask = np.round(sales * np.exp(rng.normal(np.log(0.12), 0.6, n)), -4)
    staff = np.round(6 * (sales / 2.5e6) ** 0.6 * rng.lognormal(0, 0.6, n))
    values: Values = {
        "firm_years": years,
        "sales_12m": sales,
        "trade": trade.astype(float),
        "home_region": rng.choice(len(REGIONS), size=n, p=REGION_W / REGION_W.sum()).astype(float),
        "personal_score": np.clip(np.round(640 + 3 * t + 50 * z + rng.normal(0, 40, n)), 300, 900),
        "missed_payments": np.minimum(rng.poisson(np.exp(-0.5 - 0.9 * z)), 24).astype(float),
        "headcount": np.clip(staff, 0, 5e3),
        "owns_premises": (rng.random(n) < sigmoid(-0.8 + 0.4 * z + 0.06 * years)).astype(float),
        "requested_amount": np.clip(ask, 1e4, 1e7),
        "vat_months": np.where(rng.random(n) < 0.85, np.minimum(np.floor(years * 12), 36), 0.0),
        "existing_loans": np.minimum(rng.poisson(0.9 + 0.4 * np.maximum(-z, 0)), 20).astype(float),
        "online_store": (rng.random(n) < np.where(np.isin(trade, (0, 7)), 0.7, 0.12)).astype(float),
    }
    return values, z


def _observe(rng: np.random.Generator, true: Values, z: Floats) -> Values:
    """What the lender log shows: blanks, a little more often for weaker firms."""
    seen = {k: v.copy() for k, v in true.items()}
    for name, share in MISSING.items():
        seen[name][rng.random(len(z)) < share * np.where(z < -0.8, 1.8, 0.8)] = np.nan
    return seen


def _rules(rng: np.random.Generator, kinds: list[str], lender: Ints) -> Rules:
    n = len(kinds)
    ops = Rules.no_ops(POOL.values(), n)
    allowed = {"home_region": np.ones((n, len(REGIONS)), bool)}
    allowed["trade"] = np.ones((n, len(TRADES)), bool)
    regional = rng.permutation(N_LENDERS)[:8]
    home = {int(i): np.sort(rng.choice(len(REGIONS), rng.integers(4, 9), False)) for i in regional}
    texts: list[list[str]] = []
    for j, kind in enumerate(kinds):
        lines: list[str] = []
        _, keys = common.rule_keys(rng, KINDS[kind][5].split(), [0.08, 0.22, 0.32, 0.24, 0.14])
        if int(lender[j]) in home:  # a regional lender lends at home only
            allowed["home_region"][j] = np.isin(np.arange(len(REGIONS)), home[lender[j]])
            lines.append(common.listed_rule("home_region", "in", REGIONS, home[lender[j]]))
        elif kind == "credit" and rng.random() < 0.4:
            banned = np.sort(rng.choice(len(TRADES), 2, replace=False))
            allowed["trade"][j, banned] = False
            lines.append(common.listed_rule("trade", "not in", TRADES, banned))
        lines += [Rules.draw(rng, ops, POOL[key], j) for key in keys[: 4 - len(lines)]]
        texts.append(lines)
    return Rules.of(ops, allowed, texts)


@dataclass(frozen=True)
class _LenderBehaviour:
    """The lenders' hidden behaviour, as arrays over products."""

    base: Floats
    weights: Floats  # products x terms
    trade: Floats  # products x trades
    region: Floats  # products x regions
    cap: Floats
    leak: Floats  # approval when a published rule fails
    ban_trade: Bools
    ban_region: Bools
    score_cut: Floats
    ask_cut: Floats  # most a product lends against sales (inf: no cap)

    def decide(self, rules: Rules, v: Values, prods: Ints) -> tuple[Floats, Bools, Bools]:
        """True approval probability, published rules passing, hidden knock-out; per pair."""
        sales = np.maximum(v["sales_12m"], 1e4)
        leverage = v["requested_amount"] / sales
        terms: list[Floats] = [(v["personal_score"] - 650) / 50, np.log(sales / 2.5e6)]
        terms += [np.log1p(v["firm_years"]), -v["missed_payments"], v["owns_premises"]]
        terms += [-np.log(leverage / 0.12), -np.maximum(v["existing_loans"] - 2, 0)]
        trade, region = v["trade"].astype(np.intp), v["home_region"].astype(np.intp)
        logit = self.base[prods] + self.trade[prods, trade] + self.region[prods, region]
        for k, term in enumerate(terms):
            logit = logit + self.weights[prods, k] * term
        knocked = self.ban_trade[prods, trade] | self.ban_region[prods, region]
        knocked |= (v["personal_score"] < self.score_cut[prods]) | (leverage > self.ask_cut[prods])
        ok = rules.passes(v, prods)
        p = self.cap[prods] * sigmoid(logit)
        return common.knocked_out(p, ok, knocked, KNOCKOUT_P, self.leak[prods]), ok, knocked


def _lender_behaviour(rng: np.random.Generator, kinds: list[str], lender: Ints) -> _LenderBehaviour:
    """Every lender's behaviour at the start of the history."""
    n, low, high = len(kinds), WEIGHTS[0], WEIGHTS[1]
    by_kind = np.array([KINDS[k][4] for k in kinds])
    return _LenderBehaviour(
        base=rng.normal(-0.8, 0.6, N_LENDERS)[lender] + by_kind + rng.normal(0, 0.7, n),
        weights=1.6 * rng.uniform(low, high, (N_LENDERS, len(low)))[lender],
        trade=rng.normal(0, 0.4, (N_LENDERS, len(TRADES)))[lender],
        region=rng.normal(0, 0.3, (N_LENDERS, len(REGIONS)))[lender],
        cap=0.985 - 0.045 * rng.beta(1, 2.5, n),
        leak=rng.uniform(0, 0.01, n),
        ban_trade=common.bans(rng, lender, N_LENDERS, len(TRADES), 0.3, 2),
        ban_region=common.bans(rng, lender, N_LENDERS, len(REGIONS), 0.35, 3),
        score_cut=np.where(rng.random(n) < 0.2, rng.uniform(600, 650, n), -np.inf),
        ask_cut=np.where(rng.random(n) < 0.2, rng.uniform(0.35, 0.6, n), np.inf),
    )


def _drift(
    rng: np.random.Generator, old: _LenderBehaviour, lender: Ints
) -> tuple[_LenderBehaviour, Floats, Ints]:
    """Today's behaviour, each lender's change date (days after START) and change (-1, 0, +1)."""
    change = np.zeros(N_LENDERS, dtype=np.intp)
    order = rng.permutation(N_LENDERS)
    change[order[:13]], change[order[13:17]] = -1, 1
    when = rng.integers(882, 1096, N_LENDERS).astype(float)  # 2024-06-01 .. 2024-12-31
    moved = rng.uniform(0.8, 1.4, N_LENDERS) * (change < 0)
    moved -= rng.uniform(0.7, 1.1, N_LENDERS) * (change > 0)
    by_score = (change < 0) & (rng.random(N_LENDERS) < 0.5)
    new_ban = np.zeros((N_LENDERS, len(TRADES)), dtype=bool)
    for i in np.flatnonzero((change < 0) & ~by_score):
        new_ban[i, rng.choice([2, 3, 4, 12], 2, replace=False)] = True  # catering, construction...
    cut = np.maximum(old.score_cut, rng.uniform(640, 680, len(lender)))
    new = replace(
        old,
        base=old.base - moved[lender],
        ban_trade=old.ban_trade | new_ban[lender],
        score_cut=np.where(by_score[lender], cut, old.score_cut),
    )
    return new, when, change


def _products(rng: np.random.Generator) -> tuple[list[dict[str, Any]], list[str], Ints, Rules]:
    lender = np.repeat(np.arange(N_LENDERS), PER_LENDER)
    kinds = [str(k) for _ in range(N_LENDERS) for k in rng.choice(list(KINDS), 3, replace=False)]
    rules = _rules(rng, kinds, lender)
    products: list[dict[str, Any]] = []
    for j, kind in enumerate(kinds):
        zh, en, top, (r_lo, r_hi), _, _ = KINDS[kind]
        adj = int(rng.integers(len(ADJ_EN)))
        name = f"lender{lender[j] + 1:02d}"
        product: dict[str, Any] = {"id": f"{name}_{kind}", "lender": name}
        product |= {"kind": kind, "name": {"zh": ADJ_ZH[adj] + zh, "en": f"{ADJ_EN[adj]} {en}"}}
        rate = {"min": r_lo, "max": round(r_lo + rng.uniform(0.5, 1) * (r_hi - r_lo), 2)}
        terms = [6, 12, 24, 36][: int(rng.integers(1, 5))]
        product |= {"amount": {"min": 10_000, "max": int(top)}, "term_months": terms, "rate": rate}
        products.append(product | {"rules": rules.texts[j]})
    return products, kinds, lender, rules


def generate(seed: int, scale: float = 1.0) -> MarketCase:
    """The drift market for ``seed``; ``scale`` multiplies history rows and fresh applicants."""
    market_rng, history_rng, fresh_rng = common.streams(seed, STREAM, 3)
    products, kinds, lender, rules = _products(market_rng)
    old = _lender_behaviour(market_rng, kinds, lender)
    new, when, change = _drift(market_rng, old, lender)
    popularity = market_rng.lognormal(0, 0.7, len(products))
    every = np.arange(len(products))[None, :]

    # History: firms arrive over four years (volume grows), apply to 1-3 products each.
    n_firms = max(round(HISTORY_ROWS * scale / float(APPS_P @ [1, 2, 3])), 20)
    day_w = 1 + 0.12 * np.arange(DAYS) / 365.25
    day = np.sort(history_rng.choice(DAYS, n_firms, p=day_w / day_w.sum()))
    true, z = _population(history_rng, day / 365.25)
    seen = _observe(history_rng, true, z)
    fits = rules.passes({k: v[:, None] for k, v in seen.items()}, every, unknown_ok=True)
    keys = np.log(popularity) + np.where(fits, 0.0, np.log(0.35))
    top = np.argsort(-(keys + history_rng.gumbel(size=keys.shape)), axis=1)[:, :3]
    firm, prod = common.picks(top, history_rng.choice(3, n_firms, p=APPS_P) + 1)
    row_true = {k: v[firm] for k, v in true.items()}
    p_old, ok, _ = old.decide(rules, row_true, prod)
    p_row = np.where(day[firm] >= when[lender[prod]], new.decide(rules, row_true, prod)[0], p_old)
    approved = (history_rng.random(len(prod)) < p_row).astype(np.int64)
    row_seen = {k: v[firm] for k, v in seen.items()}
    history = common.feature_frame([f"h{i:06d}" for i in firm], FEATURES, row_seen)
    dates = START + day[firm].astype("timedelta64[D]")
    history = common.logged(history, products, prod, approved, dates)

    # Today: fresh firms from the 2026 population, judged by today's (the latest) behaviour.
    n_fresh = max(round(FRESH * scale), 20)
    fresh_true, fresh_z = _population(fresh_rng, TODAY_T + fresh_rng.uniform(0, 0.02, n_fresh))
    columns = {k: v[:, None] for k, v in fresh_true.items()}
    true_p, fresh_ok, knocked = new.decide(rules, columns, every)
    fresh_seen = _observe(fresh_rng, fresh_true, fresh_z)
    applicants = common.feature_frame([f"f{i:06d}" for i in range(n_fresh)], FEATURES, fresh_seen)

    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    names = np.asarray([f"lender{i + 1:02d}" for i in range(N_LENDERS)])
    tight = change[lender[prod]] < 0
    sizes = common.size_facts(N_LENDERS, len(products), len(history), n_fresh, approved)
    facts: dict[str, Any] = sizes | {
        "approval_rate_by_year": {
            int(y): float(approved[year == y].mean()) for y in sorted(set(year))
        },
        "tightened_approval_by_year": {
            int(y): float(approved[(year == y) & tight].mean()) for y in sorted(set(year))
        },
        "rule_fail_share": float(1 - ok.mean()),
        "hidden_knockout_share": float(knocked[fresh_ok].mean()),
        "missing_share": float(history[[f["name"] for f in FEATURES]].isna().to_numpy().mean()),
        "oracle_share_p95": float((true_p.max(axis=1) >= 0.95).mean()),
        "tightened_lenders": names[change < 0].tolist(),
        "loosened_lenders": names[change > 0].tolist(),
        "change_dates": {
            str(names[i]): str(START + np.timedelta64(int(when[i]), "D"))
            for i in np.flatnonzero(change)
        },
    }
    description = (
        "Forty lenders whose policies tighten or loosen during 2024 while the applicant "
        "population grows richer, so four years of pooled history mislead about today."
    )
    return MarketCase(
        "drift",
        seed,
        copy.deepcopy(FEATURES),
        products,
        history,
        applicants,
        true_p,
        description,
        facts,
    )
