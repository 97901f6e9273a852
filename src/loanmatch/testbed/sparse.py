"""Sparse market: many blank cells, not at random, and a logging policy that ignores the rules.

The market: 25 lenders with three or four products each (tax-data, credit, mortgage, supply-chain
and guaranteed loans), 18 months of decisions (2024-07-01 to 2025-12-31). Firms are described by
years trading, turnover, sector (18), province (31), the owner's score, late payments, staff,
whether the site is leased, the amount asked, months of invoices, total debt, filed accounts, a
guarantor and the channel they came through; ``debt_ratio`` is derived (debt over turnover).

Missing cells: about 30% of the cells are blank, in the history and among fresh applicants
alike, and not at random. Weaker firms leave turnover, score, debt and late payments blank more
often; a firm without invoices or unfiled accounts tends to leave those blank; whole channels
never ask some questions (web and app forms have no debt question, the web form no staff
question, partner referrals carry no personal score or late-payment record). ``true_p`` is
computed from the true, complete values.

How lenders decide: published rules (0-4 per product, mostly on often-blank features: score,
turnover, debt ratio, invoices, filed accounts; regional lenders name their provinces, some
products their channels) must hold, or the approval is 0-1%. Past them a logistic score over
score, turnover, age, late payments, filed accounts, guarantor, leased site and the amount asked
against turnover, plus a sector effect and a sector x province interaction (a lender likes or
avoids some sectors in some provinces), and a soft threshold: a debt ratio above the lender's
own limit costs 2.5 on the logit scale. A ceiling (at most 0.985) keeps anyone from being sure.
Hidden knock-outs (approval at most 2%): provinces and sectors a lender avoids, a product's
unpublished score cut, a cap on the amount asked against turnover.

The logging policy: each firm was sent to 2-5 products at random, weighted by popularity alone,
without looking at the published rules, so about half the logged applications fail a published
rule and were declined. No propensity is logged. What makes it hard: unknown rules are the
common case, blanks carry information, and declines are mostly the rules' doing. Every number
here (shares, effects, weights) is an assumption of this test bed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loanmatch.testbed import common
from loanmatch.testbed.case import MarketCase
from loanmatch.testbed.common import Bools, Floats, Ints, Rules, Values, feature, sigmoid

__all__ = ["generate"]

STREAM = 0x5BA45E

START, DAYS = np.datetime64("2024-07-01"), 549  # to 2025-12-31
N_LENDERS, HISTORY_ROWS, FRESH = 25, 120_000, 6_000
SENT_P = np.array([0.35, 0.30, 0.20, 0.15])  # sent to 2, 3, 4 or 5 products
KNOCKOUT_P = 0.02
SECTORS: tuple[str, ...] = ("food", "apparel", "auto_parts", "electronics", "furniture")
SECTORS += ("building", "transport", "hotels", "restaurants", "it_services", "consulting")
SECTORS += ("clinics", "schools", "farming", "fishing", "mining", "print_shops", "cleaning")
SECTOR_TURNOVER = np.array([0, 0, 0.4, 0.5, 0.1, 0.3, 0.1, -0.2, -0.4, 0.2, 0, 0, -0.2, -0.3, -0.3])
SECTOR_TURNOVER = np.append(SECTOR_TURNOVER, [0.6, -0.1, -0.5])
PROVINCES: tuple[str, ...] = ("bj", "tj", "he", "sx", "nm", "ln", "jl", "hl", "sh", "js", "zj")
PROVINCES += ("ah", "fj", "jx", "sd", "ha", "hb", "hn", "gd", "gx", "hi", "cq", "sc", "gz")
PROVINCES += ("yn", "xz", "sn", "gs", "qh", "nx", "xj")
CHANNELS = ("branch", "broker", "web", "app", "partner")
CHANNEL_P = np.array([0.28, 0.25, 0.2, 0.17, 0.1])


FEATURES: list[dict[str, Any]] = [
    feature("years_trading", "number", "Years trading|成立年限", 80, unit="years"),
    feature("turnover", "number", "Turnover, last year|上年营业收入", 1e9, unit="yuan"),
    feature("sector", "category", "Sector|所属行业", categories=list(SECTORS)),
    feature("province", "category", "Province|省份", categories=list(PROVINCES)),
    feature("owner_score", "number", "Owner's credit score|实控人信用分", 950, low=350),
    feature("late_payments_12m", "number", "Late payments, 12m|近12个月逾期", 30, unit="count"),
    feature("staff", "number", "Staff|从业人数", 3000, unit="count"),
    feature("leases_site", "boolean", "Leases its site|经营场所为租赁"),
    feature("loan_ask", "number", "Amount asked|申请金额", 2e7, unit="yuan"),
    feature("invoice_months", "number", "Months with invoices|开票月数", 48, unit="months"),
    feature("total_debt", "number", "Total debt|负债总额", 1e9, unit="yuan"),
    feature("filed_accounts", "boolean", "Filed annual accounts|已报送年报"),
    feature("has_guarantor", "boolean", "Has a guarantor|有担保人"),
    feature("channel", "category", "Channel|申请渠道", categories=list(CHANNELS)),
]
FEATURES[4]["personal"] = True
FEATURES[8]["group"] = "request"
DERIVED = feature("debt_ratio", "number", "Debt ratio|负债率", 1e6, source="derived")
DERIVED["formula"] = "total_debt / max(turnover, 1)"
del DERIVED["max"]
KINDS = {  # kind: (zh, en, amount max, rates, base logit shift, rule pool: compulsory first)
    "tax": ("税易贷", "Tax-data Loan", 3e6, (3.8, 7.0), 0.3, "filed invoice turnover score"),
    "credit": ("信用快贷", "Quick Credit", 1e6, (5.0, 12.0), 0.0, "score late years ratio"),
    "mortgage": ("房产贷", "Property Loan", 2e7, (3.4, 5.5), 0.5, "site years ratio score"),
    "supply": ("供应链贷", "Supply-chain Loan", 5e6, (4.2, 8.0), 0.2, "turnover ratio late staff"),
    "guaranteed": ("担保贷", "Guaranteed Loan", 3e6, (4.5, 9.0), 0.4, "guarantor score late ask"),
}
POOL: dict[str, tuple[str, str, tuple[float, ...]]] = {
    "score": (">=", "owner_score", (580, 600, 620, 650)),
    "turnover": (">=", "turnover", (1e6, 2e6, 5e6)),
    "ratio": ("<=", "debt_ratio", (0.6, 0.8, 1.0)),
    "late": ("<=", "late_payments_12m", (0, 1, 2)),
    "years": (">=", "years_trading", (1, 2, 3, 5)),
    "filed": ("==", "filed_accounts", (1,)),
    "invoice": (">=", "invoice_months", (6, 12, 24)),
    "site": ("==", "leases_site", (0,)),
    "staff": ("<=", "staff", (50, 100, 300)),
    "guarantor": ("==", "has_guarantor", (1,)),
    "ask": ("<=", "loan_ask", (2e6, 3e6, 5e6)),
}
BRAND_EN = ("Golden", "Sunrise", "Lighthouse", "Silk Road", "Bamboo", "Maple", "Crane", "Delta")
BRAND_ZH = ("金", "旭日", "灯塔", "丝路", "竹", "枫", "鹤", "三角洲")
WEIGHT_LOW = np.array([0.6, 0.3, 0.2, 0.5, 0.3, 0.2, 0.0, 0.3])  # per _LenderBehaviour.decide term
WEIGHT_HIGH = np.array([1.1, 0.7, 0.5, 0.9, 0.9, 0.8, 0.5, 0.8])


def _population(rng: np.random.Generator, n: int, mix: Floats) -> tuple[Values, Floats]:
    """True, complete values of ``n`` firms (``mix``: the province weights)."""
    z = rng.standard_normal(n)
    sector = rng.choice(len(SECTORS), n)
    years = np.clip(rng.gamma(2.0, 4.0, n) * np.exp(0.2 * z), 0, 80).round(1)
    log_turnover = np.log(4e6) + 0.6 * z + 0.2 * np.log1p(years) + SECTOR_TURNOVER[sector]
    turnover = np.clip(np.round(np.exp(log_turnover + rng.normal(0, 0.9, n)), -3), 0, 1e9)
    invoicing = rng.random(n) < 0.8
    debt = turnover * np.exp(rng.normal(np.log(0.4) - 0.3 * z, 0.8, n))
    values: Values = {
        "years_trading": years,
        "turnover": turnover,
        "sector": sector.astype(float),
        "province": rng.choice(len(PROVINCES), n, p=mix).astype(float),
        "owner_score": np.clip(np.round(650 + 60 * z + rng.normal(0, 45, n)), 350, 950),
        "late_payments_12m": np.minimum(rng.poisson(np.exp(-0.6 - 0.9 * z)), 30).astype(float),
        "staff": np.clip(np.round(5 * (turnover / 4e6) ** 0.7 * rng.lognormal(0, 0.5, n)), 0, 3e3),
        "leases_site": (rng.random(n) < sigmoid(0.6 - 0.5 * z - 0.05 * years)).astype(float),
        "loan_ask": np.clip(np.round(turnover * rng.lognormal(np.log(0.15), 0.7, n), -4), 1e4, 2e7),
        "invoice_months": np.where(
            invoicing, np.round(np.minimum(years * 12, 48) * rng.uniform(0.5, 1, n)), 0.0
        ),
        "total_debt": np.clip(np.round(debt, -3), 0, 1e9),
        "filed_accounts": (rng.random(n) < sigmoid(1.0 + 0.8 * z)).astype(float),
        "has_guarantor": (rng.random(n) < 0.45).astype(float),
        "channel": rng.choice(len(CHANNELS), n, p=CHANNEL_P).astype(float),
    }
    return values, z


def _with_ratio(v: Values) -> Values:
    """The derived debt ratio, unknown where debt or turnover is (as the catalog formula)."""
    return v | {"debt_ratio": v["total_debt"] / np.maximum(v["turnover"], 1)}


def _observe(rng: np.random.Generator, true: Values, z: Floats) -> Values:
    """Blank cells, not at random: weaker firms, some values and whole channels leave them."""
    n, channel = len(z), true["channel"]
    web, app, partner = channel == 2, channel == 3, channel == 4
    blank = {
        "years_trading": np.full(n, 0.12),
        "turnover": sigmoid(-0.8 - 1.0 * z) + 0.15 * web,
        "sector": np.full(n, 0.05),
        "province": np.full(n, 0.02),
        "owner_score": np.where(partner, 1.0, sigmoid(-1.0 - 0.8 * z)),
        "late_payments_12m": np.where(partner, 1.0, sigmoid(-1.2 - 0.6 * z)),
        "staff": np.where(web, 1.0, 0.3),
        "leases_site": np.full(n, 0.4),
        "loan_ask": np.full(n, 0.12),
        "invoice_months": np.where(true["invoice_months"] == 0, 0.65, 0.3),
        "total_debt": np.where(web | app, 1.0, sigmoid(-0.8 - 0.7 * z)),
        "filed_accounts": np.where(true["filed_accounts"] == 0, 0.65, 0.3),
        "has_guarantor": np.full(n, 0.5),
    }
    seen = {k: v.copy() for k, v in true.items()}
    for name, share in blank.items():
        seen[name][rng.random(n) < share] = np.nan
    return _with_ratio(seen)


def _rules(rng: np.random.Generator, kinds: list[str], lender: Ints) -> Rules:
    n = len(kinds)
    ops = Rules.no_ops(POOL.values(), n)
    levels = {"province": PROVINCES, "sector": SECTORS, "channel": CHANNELS}
    allowed = {name: np.ones((n, len(names)), dtype=bool) for name, names in levels.items()}
    regional = rng.permutation(N_LENDERS)[:6]
    home = {
        int(i): rng.choice(len(PROVINCES), rng.integers(10, 19), replace=False) for i in regional
    }
    texts: list[list[str]] = []
    for j, kind in enumerate(kinds):
        lines: list[str] = []
        count, keys = common.rule_keys(rng, KINDS[kind][5].split(), [0.06, 0.2, 0.32, 0.26, 0.16])
        if int(lender[j]) in home and count:  # a regional lender lends in its provinces only
            allowed["province"][j] = np.isin(np.arange(len(PROVINCES)), home[lender[j]])
            lines.append(common.listed_rule("province", "in", PROVINCES, home[lender[j]]))
        if rng.random() < 0.15 and count > len(lines):  # not through web forms or partners
            allowed["channel"][j] = np.isin(np.arange(len(CHANNELS)), (0, 1, 3))
            lines.append(common.listed_rule("channel", "in", CHANNELS, np.array([0, 1, 3])))
        if kind in ("credit", "supply") and rng.random() < 0.35 and count > len(lines):
            banned = rng.choice(len(SECTORS), 2, replace=False)
            allowed["sector"][j, banned] = False
            lines.append(common.listed_rule("sector", "not in", SECTORS, banned))
        lines += [Rules.draw(rng, ops, POOL[key], j) for key in keys[: max(count - len(lines), 0)]]
        texts.append(lines)
    return Rules.of(ops, allowed, texts)


@dataclass(frozen=True)
class _LenderBehaviour:
    """The lenders' hidden behaviour, as arrays over products."""

    base: Floats
    weights: Floats  # products x terms
    sector: Floats  # products x sectors
    combo: Floats  # products x sectors x provinces: the sector x province interaction
    ratio_cut: Floats  # debt ratio above which the logit drops by 2.5
    cap: Floats
    leak: Floats  # approval when a published rule fails
    ban_sector: Bools
    ban_province: Bools
    score_cut: Floats
    ask_cut: Floats  # most a product lends against turnover (inf: no cap)

    def decide(self, rules: Rules, v: Values, prods: Ints) -> tuple[Floats, Bools, Bools]:
        """True approval probability, published rules passing, hidden knock-out; per pair."""
        turnover = np.maximum(v["turnover"], 1e4)
        ask_share = v["loan_ask"] / turnover
        terms: list[Floats] = [(v["owner_score"] - 650) / 60, np.log(turnover / 4e6)]
        terms += [np.log1p(v["years_trading"]), -v["late_payments_12m"], v["filed_accounts"]]
        terms += [v["has_guarantor"], -v["leases_site"], -np.log(ask_share / 0.15)]
        sector, province = v["sector"].astype(np.intp), v["province"].astype(np.intp)
        logit = self.base[prods] + self.sector[prods, sector] + self.combo[prods, sector, province]
        logit = logit - 2.5 * (v["debt_ratio"] > self.ratio_cut[prods])
        for k, term in enumerate(terms):
            logit = logit + self.weights[prods, k] * term
        knocked = self.ban_sector[prods, sector] | self.ban_province[prods, province]
        knocked |= (v["owner_score"] < self.score_cut[prods]) | (ask_share > self.ask_cut[prods])
        ok = rules.passes(v, prods)
        p = self.cap[prods] * sigmoid(logit)
        return common.knocked_out(p, ok, knocked, KNOCKOUT_P, self.leak[prods]), ok, knocked


def _lender_behaviour(rng: np.random.Generator, kinds: list[str], lender: Ints) -> _LenderBehaviour:
    n, shape = len(kinds), (N_LENDERS, len(SECTORS), len(PROVINCES))
    by_kind = np.array([KINDS[k][4] for k in kinds])
    combo = rng.normal(0, 1.5, shape) * (rng.random(shape) < 0.08)
    return _LenderBehaviour(
        base=rng.normal(-0.5, 0.6, N_LENDERS)[lender] + by_kind + rng.normal(0, 0.7, n),
        weights=1.5 * rng.uniform(WEIGHT_LOW, WEIGHT_HIGH, (N_LENDERS, len(WEIGHT_LOW)))[lender],
        sector=rng.normal(0, 0.4, (N_LENDERS, len(SECTORS)))[lender],
        combo=combo[lender],
        ratio_cut=rng.uniform(0.8, 1.5, N_LENDERS)[lender],
        cap=0.985 - 0.045 * rng.beta(1, 2.5, n),
        leak=rng.uniform(0, 0.01, n),
        ban_sector=common.bans(rng, lender, N_LENDERS, len(SECTORS), 0.35, 2),
        ban_province=common.bans(rng, lender, N_LENDERS, len(PROVINCES), 0.5, 3),
        score_cut=np.where(rng.random(n) < 0.3, rng.uniform(600, 660, n), -np.inf),
        ask_cut=np.where(rng.random(n) < 0.2, rng.uniform(0.3, 0.6, n), np.inf),
    )


def _products(rng: np.random.Generator) -> tuple[list[dict[str, Any]], list[str], Ints, Rules]:
    counts = rng.permutation([4] * 5 + [3] * (N_LENDERS - 5))
    lender = np.repeat(np.arange(N_LENDERS), counts)
    kinds = [str(k) for c in counts for k in rng.choice(list(KINDS), c, replace=False)]
    rules = _rules(rng, kinds, lender)
    products: list[dict[str, Any]] = []
    for j, kind in enumerate(kinds):
        zh, en, top, (r_lo, r_hi), _, _ = KINDS[kind]
        name = f"bank{lender[j] + 1:02d}"
        product: dict[str, Any] = {"id": f"{name}_{kind}", "lender": name, "kind": kind}
        rate = {"min": r_lo, "max": round(r_lo + rng.uniform(0.5, 1) * (r_hi - r_lo), 2)}
        terms = [12, 24, 36, 60][: int(rng.integers(1, 5))]
        brand = int(rng.integers(len(BRAND_EN)))
        names = {"zh": BRAND_ZH[brand] + zh, "en": f"{BRAND_EN[brand]} {en}"}
        product |= {"name": names, "amount": {"min": 50_000, "max": int(top)}}
        products.append(product | {"term_months": terms, "rate": rate, "rules": rules.texts[j]})
    return products, kinds, lender, rules


def _blank_share(frame: pd.DataFrame) -> float:
    return float(frame[[f["name"] for f in FEATURES]].isna().to_numpy().mean())


def generate(seed: int, scale: float = 1.0) -> MarketCase:
    """The sparse market for ``seed``; ``scale`` multiplies history rows and fresh applicants."""
    market_rng, history_rng, fresh_rng = common.streams(seed, STREAM, 3)
    products, kinds, lender, rules = _products(market_rng)
    behaviour = _lender_behaviour(market_rng, kinds, lender)
    popularity = market_rng.lognormal(0, 0.8, len(products))
    mix = market_rng.dirichlet(np.full(len(PROVINCES), 1.5))
    every = np.arange(len(products))[None, :]

    # History: each firm sent to 2-5 products by popularity alone (the rules are not looked at).
    n_firms = max(round(HISTORY_ROWS * scale / float(SENT_P @ [2, 3, 4, 5])), 10)
    true, z = _population(history_rng, n_firms, mix)
    seen = _observe(history_rng, true, z)
    keys = np.log(popularity) + history_rng.gumbel(size=(n_firms, len(products)))
    top = np.argsort(-keys, axis=1)[:, :5]
    firm, prod = common.picks(top, history_rng.choice(4, n_firms, p=SENT_P) + 2)
    row_true = _with_ratio({k: v[firm] for k, v in true.items()})
    p_row, ok, knocked_row = behaviour.decide(rules, row_true, prod)
    approved = (history_rng.random(len(prod)) < p_row).astype(np.int64)
    row_seen = {k: v[firm] for k, v in seen.items()}
    history = common.feature_frame([f"h{i:06d}" for i in firm], [*FEATURES, DERIVED], row_seen)
    day = np.sort(history_rng.integers(0, DAYS, n_firms))[firm]
    history = common.logged(history, products, prod, approved, START + day.astype("timedelta64[D]"))
    history["decided_at"] = history["decided_at"].astype(object)  # object, not str, dtype

    # Today: fresh firms from the same population, with the same blanks.
    n_fresh = max(round(FRESH * scale), 20)
    fresh_true, fresh_z = _population(fresh_rng, n_fresh, mix)
    columns = _with_ratio({k: v[:, None] for k, v in fresh_true.items()})
    true_p, fresh_ok, knocked = behaviour.decide(rules, columns, every)
    fresh_seen = _observe(fresh_rng, fresh_true, fresh_z)
    ids = [f"f{i:06d}" for i in range(n_fresh)]
    applicants = common.feature_frame(ids, [*FEATURES, DERIVED], fresh_seen)

    passing, failing = rules.passes(row_seen, prod), ~rules.passes(row_seen, prod, unknown_ok=True)
    sizes = common.size_facts(N_LENDERS, len(products), len(history), n_fresh, approved)
    facts: dict[str, Any] = sizes | {
        "approval_rate_rules_pass": float(approved[ok].mean()),
        "rule_fail_share": float(1 - ok.mean()),
        "rule_fail_share_seen": float(failing.mean()),
        "rule_unknown_share_seen": float((~passing & ~failing).mean()),
        "hidden_knockout_share": float(knocked[fresh_ok].mean()),
        "hidden_knockout_share_history": float(knocked_row[ok].mean()),
        "missing_share": _blank_share(history),
        "missing_share_applicants": _blank_share(applicants),
        "oracle_share_p95": float((true_p.max(axis=1) >= 0.95).mean()),
    }
    description = (
        "Twenty-five lenders seen through a history with 30% blank cells, not at random, logged "
        "by a policy that sent firms to products without looking at the published rules."
    )
    features = copy.deepcopy([*FEATURES, DERIVED])
    return MarketCase(
        "sparse", seed, features, products, history, applicants, true_p, description, facts
    )
