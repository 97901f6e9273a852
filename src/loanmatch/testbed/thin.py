"""A thousand products and a thin history: strength has to be shared across products.

The market: about 220 lenders, each with 2-8 products of one to three kinds (unsecured credit,
secured, invoice-backed, merchant loans for online sellers), about 1,000 products in all. Firms
are described by 13 features of their own catalog (years trading, turnover in 10,000 yuan, a
24-level sector, a 31-level province code, the owner's personal score, late payments, staff,
leverage, months with invoices, collateral, online sales, the amount asked and the owner's sex,
which is protected and never used by any lender).

How lenders decide: each lender scores a firm with a logistic score over nine signals whose
weights are drawn around means shared by the whole market (lenders agree on what a good firm is,
not on how much each thing matters), plus its own view of each sector; a product adds its kind's
terms and an offset of its own. The probability is ``0.01 + (cap - 0.01) * sigmoid(score)`` with a
lender cap between 0.94 and 0.985, so no one is approved for sure. Published rules failing give 0.
Hidden knock-outs, written nowhere, give 0.02: some lenders turn away a few sectors or anyone with
two late payments, regional lenders that do not publish their provinces only lend at home, and
some products decline a few more sectors or want an owner score above an unpublished cut.
Cheaper products (lower rates, larger amounts) are stricter: higher offsets buy higher rates.

How the history was logged: each applicant sends one to four applications (owners with lower
scores send more), drawn without replacement in proportion to the product's popularity, which is
higher for niche products among the few firms that pass their rules (marketed to their niche),
times 0.3 when the amount asked is outside the product's range and times 0.08 when a published
rule fails (the owner did not read it). The lenders' hidden behaviour plays no part. A product
gets about 400 rows on average at full size, about 140 at the 10th percentile and 800 at the 90th.
No propensity is recorded.

What makes it hard: per product the data are thin, so a model must share strength across the
products of a lender, a kind and the whole market; the hidden knock-outs are product-specific; no
feature is annotated monotone. Every number here (shares, cuts, weights) is an assumption of this
test bed.
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

_SALT = 71_115_001
LENDERS = 220
HISTORY_ROWS = 400_000
FRESH_APPLICANTS = 20_000
_CHUNK = 2048
_FLOOR, _KNOCKED, _STRAY = 0.01, 0.02, 0.08
_NOISE = 0.8  # of a published threshold's level
SECTORS = (
    "retail", "wholesale", "catering", "construction", "light_industry", "heavy_industry",
    "logistics", "software", "consulting", "farming", "fishery", "textiles", "chemicals",
    "property_agency", "education", "clinics", "tourism", "printing", "auto_repair", "mining",
    "energy", "media", "cleaning", "beauty",
)  # fmt: skip
PROVINCES = tuple(
    f"p{c}" for c in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                      44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)
)  # fmt: skip
KINDS = ("credit", "secured", "invoice", "merchant")
_KIND_ZH = ("信用贷", "抵押贷", "发票贷", "电商贷")
_CATALOG: tuple[tuple[str, str | tuple[str, ...], float, float, str, str], ...] = (
    # name, type (or categories), min, max, label zh, label en
    ("years_trading", "number", 0, 40, "经营年限", "Years trading"),
    ("turnover_wan", "number", 0, 50_000, "年营业额(万元)", "Annual turnover (10k yuan)"),
    ("sector", SECTORS, 0, 0, "行业", "Sector"),
    ("province_code", PROVINCES, 0, 0, "省份代码", "Province code"),
    ("owner_score", "number", 300, 900, "经营者个人评分", "Owner's personal score"),
    ("late_payments_12m", "number", 0, 24, "近12个月逾期次数", "Late payments, last 12 months"),
    ("staff", "number", 0, 2000, "员工人数", "Staff"),
    ("leverage_ratio", "number", 0, 5, "负债与营业额之比", "Debt to turnover"),
    ("invoices_12m", "number", 0, 12, "近12个月开票月数", "Months with invoices, last 12"),
    ("has_collateral", "boolean", 0, 0, "有抵押物", "Has collateral"),
    ("sells_online", "boolean", 0, 0, "有网店", "Sells online"),
    ("loan_request_wan", "number", 1, 1000, "申请金额(万元)", "Amount asked (10k yuan)"),
    ("owner_sex", ("female", "male"), 0, 0, "经营者性别", "Owner's sex"),
)


FEATURES = [catalog_feature(*spec) for spec in _CATALOG]
FEATURES[-1]["protected"] = True  # owner_sex: no lender uses it
_MISSING = {"owner_score": 0.03, "staff": 0.06, "turnover_wan": 0.02, "leverage_ratio": 0.04,
            "invoices_12m": 0.05, "has_collateral": 0.04, "province_code": 0.01,
            "owner_sex": 0.1}  # fmt: skip
_MEANS = np.array([0.35, 0.3, 0.9, 0.6, 0.15, 0.5, 0.35, 0.2, 0.35])
"""Shared means of the nine signal weights (years, turnover, score, lates, staff, collateral,
leverage, invoices, request size)."""
# published ">=" and "<=" rules: feature -> thresholds from lenient to strict
_LOW: dict[str, tuple[float, ...]] = {
    "years_trading": (0.5, 1, 2, 3, 5), "owner_score": (520, 550, 580, 600, 620, 650, 680),
    "turnover_wan": (30, 50, 100, 200, 500), "invoices_12m": (3, 6, 8, 10, 12),
}  # fmt: skip
_HIGH: dict[str, tuple[float, ...]] = {
    "late_payments_12m": (6, 3, 2, 1, 0),
    "leverage_ratio": (2, 1.5, 1, 0.8, 0.6),
}


def _design(rng: np.random.Generator) -> dict[str, Any]:
    """Every hidden and published parameter of the market (lenders, products, rules)."""
    n_per = rng.choice(np.arange(2, 9), size=LENDERS, p=[0.16, 0.2, 0.2, 0.16, 0.12, 0.09, 0.07])
    lender = np.repeat(np.arange(LENDERS), n_per)
    n, n_s, n_r = lender.size, len(SECTORS), len(PROVINCES)
    menu = rng.random((LENDERS, 4)) < np.array([0.9, 0.45, 0.35, 0.3])
    kind = np.argmax(rng.random((n, 4)) + menu[lender], axis=1)
    risk = rng.normal(0, 0.5, n_s)
    sector_effect = -risk * (1 + 0.3 * rng.standard_normal((LENDERS, 1)))
    sector_effect += rng.normal(0, 0.25, (LENDERS, n_s))
    weights = _MEANS + (0.35 * _MEANS + 0.1) * rng.standard_normal((LENDERS, _MEANS.size))
    kind_weights = np.zeros((4, _MEANS.size + 1))
    kind_weights[:, -1] = [0.0, 0.9, 0.2, -0.2]  # kind shift (secured is easier once eligible)
    kind_weights[2, 7], kind_weights[3, 1] = 0.5, 0.3
    offset = rng.normal(0, 0.8, n) + np.array([0.0, -0.3, 0.1, 0.2])[kind]
    strict = -(offset - offset.mean()) / offset.std()
    share_s, share_r = rng.dirichlet(np.full(n_s, 3.0)), rng.dirichlet(np.full(n_r, 1.5))
    regional = rng.random(LENDERS) < 0.4
    home = np.zeros((LENDERS, n_r), dtype=bool)
    for i in np.flatnonzero(regional):
        home[i, rng.choice(n_r, rng.integers(2, 7), replace=False, p=share_r)] = True
    lender_sectors = np.zeros((LENDERS, n_s), dtype=bool)
    riskiest = np.exp(risk) / np.exp(risk).sum()
    for i in np.flatnonzero(rng.random(LENDERS) < 0.3):
        lender_sectors[i, rng.choice(n_s, rng.integers(1, 4), replace=False, p=riskiest)] = True
    needs = {"has_collateral": kind == 1, "sells_online": kind == 3}
    limits = Limits.none(n, _LOW, _HIGH, needs)
    sector_ok, province_ok = np.ones((n, n_s), dtype=bool), np.ones((n, n_r), dtype=bool)
    hidden_sector, hidden_province = lender_sectors[lender].copy(), np.ones((n, n_r), dtype=bool)
    hidden_score = np.full(n, -np.inf)
    hidden_late = np.where(rng.random(LENDERS) < 0.2, 1.0, np.inf)[lender]
    cap = rng.uniform(0.94, 0.985, LENDERS)[lender]
    base_amount = np.array([1e6, 5e6, 2e6, 5e5])[kind] * np.exp(
        0.4 * strict + rng.normal(0, 0.3, n)
    )
    amount_max = np.maximum(np.round(base_amount, -4), 5e4)
    amount_min = np.maximum(np.round(amount_max * rng.uniform(0.01, 0.1, n), -4), 1e4)
    rate_min = np.clip(np.array([6.0, 3.9, 4.8, 8.5])[kind] - 0.9 * strict, 2.8, 18)
    rate_min = np.round(rate_min + rng.normal(0, 0.3, n), 2).clip(2.8, 18)
    rate_max = np.round(rate_min + rng.uniform(0.5, 3.5, n), 2)
    terms = ((12, 24, 36), (12, 36, 60), (6, 12), (3, 6, 12))
    products: list[dict[str, Any]] = []
    slot = np.zeros(LENDERS, dtype=np.int64)
    for j in range(n):
        lend, k, s = int(lender[j]), int(kind[j]), float(strict[j])
        rules = {1: ["has_collateral == true"], 3: ["sells_online == true"]}.get(k, [])
        if k == 2:
            cut = common.threshold(rng, _LOW["invoices_12m"], s - 0.5, _NOISE)
            rules.append(limits.set("invoices_12m", j, cut))
        if regional[lend]:
            if rng.random() < 0.85:
                province_ok[j] = home[lend]
                rules.append(
                    common.listed_rule("province_code", "in", PROVINCES, home[lend].nonzero()[0])
                )
            else:
                hidden_province[j] = home[lend]
        optional = ["years_trading", "owner_score", "late_payments_12m", "sector",
                    "turnover_wan", "leverage_ratio"]  # fmt: skip
        chance = np.array([0.5, 0.55, 0.45, 0.3, 0.25, 0.2]) * (1.0 + 0.25 * s)
        order = np.argsort(-rng.random(len(optional)) * chance)
        total = max(len(rules), int(rng.choice(5, p=[0.08, 0.2, 0.3, 0.27, 0.15])))
        for f in [optional[i] for i in order][: total - len(rules)]:
            if f == "sector":
                count = int(rng.integers(2, 5))
                bad_s = rng.choice(n_s, count, replace=False, p=riskiest)
                sector_ok[j, bad_s] = False
                rules.append(common.listed_rule("sector", "not in", SECTORS, bad_s))
                continue
            rules.append(
                limits.set(f, j, common.threshold(rng, _LOW.get(f) or _HIGH[f], s, _NOISE))
            )
        if rng.random() < 0.2:
            hidden_sector[j, rng.choice(n_s, int(rng.integers(1, 4)), replace=False)] = True
        if rng.random() < 0.22:
            published = limits.low["owner_score"][j]
            published = published if np.isfinite(published) else 560.0
            hidden_score[j] = published + 10 * rng.integers(2, 9)
        slot[lend] += 1
        products.append({
            "id": f"l{lend:03d}_{KINDS[k]}_{slot[lend]}", "lender": f"lender_{lend:03d}",
            "kind": KINDS[k],
            "name": {"zh": f"{_KIND_ZH[k]}{slot[lend]}号",
                     "en": f"{KINDS[k].title()} loan {slot[lend]}"},
            "amount": {"min": float(amount_min[j]), "max": float(amount_max[j])},
            "term_months": list(terms[k]),
            "rate": {"min": float(rate_min[j]), "max": float(rate_max[j])}, "rules": rules,
        })  # fmt: skip
    return {
        "lender": lender, "kind": kind, "offset": offset, "cap": cap, "weights": weights,
        "intercept": rng.normal(0.1, 0.6, LENDERS), "sector_effect": sector_effect.T.copy(),
        "kind_weights": kind_weights, "limits": limits,
        "sector_ok": sector_ok.T.copy(), "province_ok": province_ok.T.copy(),
        "hidden_sector": hidden_sector.T.copy(), "hidden_province": hidden_province.T.copy(),
        "hidden_score": hidden_score, "hidden_late": hidden_late, "products": products,
        "amount": (amount_min, amount_max),
        "popularity": np.exp(rng.normal(0, 0.45, n) + rng.normal(0, 0.3, LENDERS)[lender]),
        "sector_share": share_s, "province_share": share_r,
    }  # fmt: skip


def _population(rng: np.random.Generator, n: int, d: dict[str, Any]) -> dict[str, Floats]:
    """True feature values (categories as codes, booleans as 0/1) of ``n`` firms."""
    q = rng.standard_normal(n)
    sector = rng.choice(len(SECTORS), n, p=d["sector_share"]).astype(np.float64)
    years = np.clip(np.round(np.exp(rng.normal(1.3 + 0.3 * q, 0.8)), 1), 0, 40)
    turnover = np.exp(rng.normal(5.0 + 0.4 * q + 0.25 * np.log1p(years), 1.0))
    turnover = np.clip(np.round(turnover, 1), 1, 50_000)
    return {
        "years_trading": years,
        "turnover_wan": turnover,
        "sector": sector,
        "province_code": rng.choice(len(PROVINCES), n, p=d["province_share"]).astype(np.float64),
        "owner_score": np.clip(np.round(640 + 55 * q + rng.normal(0, 40, n)), 300, 900),
        "late_payments_12m": np.minimum(rng.poisson(np.exp(-0.4 - 0.9 * q)), 24).astype(float),
        "staff": np.clip(np.round(np.exp(rng.normal(0.5 * np.log(turnover) - 0.6, 0.6))), 0, 2000),
        "leverage_ratio": np.clip(np.round(np.exp(rng.normal(-1.1 - 0.3 * q, 0.7)), 2), 0, 5),
        "invoices_12m": np.where(
            rng.random(n) < 0.15, 0.0, rng.binomial(12, sigmoid(0.8 + 0.6 * q)).astype(float)
        ),
        "has_collateral": (rng.random(n) < sigmoid(-0.7 + 0.5 * q + 0.3 * np.log1p(years))) * 1.0,
        "sells_online": (rng.random(n) < 0.15 + 0.3 * (sector < 3)) * 1.0,
        "loan_request_wan": np.clip(
            np.round(turnover * np.exp(rng.normal(-1.6, 0.7, n)), 1), 1, 1000
        ),
        "owner_sex": (rng.random(n) < 0.64) * 1.0,
    }


def _signals(x: dict[str, Floats]) -> Floats:
    turnover = np.maximum(x["turnover_wan"], 1.0)
    columns = [
        (np.log1p(x["years_trading"]) - 1.5) / 0.7,
        (np.log(turnover) - 5.5) / 1.2,
        (x["owner_score"] - 640) / 70,
        -np.minimum(x["late_payments_12m"], 6) / 1.5,
        np.log1p(x["staff"]) - 2.0,
        x["has_collateral"] - 0.5,
        np.clip((0.5 - x["leverage_ratio"]) / 0.5, -4, 1.5),
        (x["invoices_12m"] - 8) / 4,
        -(np.log(x["loan_request_wan"] / turnover) + 1.6) / 0.7,
    ]
    return np.column_stack([*columns, np.ones_like(turnover)])


def _evaluate(d: dict[str, Any], x: dict[str, Floats]) -> tuple[Bools, Bools, Floats]:
    """Published rules pass, hidden knock-out, and true p, for every (firm, product)."""
    sector, province = x["sector"].astype(np.int64), x["province_code"].astype(np.int64)
    ok = d["sector_ok"][sector] & d["province_ok"][province]
    ok = d["limits"].passes(x, ok)
    knock = d["hidden_sector"][sector] | ~d["hidden_province"][province]
    knock |= x["owner_score"][:, None] < d["hidden_score"]
    knock |= x["late_payments_12m"][:, None] > d["hidden_late"]
    z = _signals(x)
    lender_score = z[:, :-1] @ d["weights"].T + d["intercept"] + d["sector_effect"][sector]
    eta = lender_score[:, d["lender"]] + (z @ d["kind_weights"].T)[:, d["kind"]] + d["offset"]
    p = _FLOOR + (d["cap"] - _FLOOR) / (1.0 + np.exp(-eta, out=eta))
    np.minimum(p, _KNOCKED, out=p, where=knock)
    p *= ok
    return ok, knock, p


def _frame(prefix: str, x: dict[str, Floats], hidden: dict[str, Bools]) -> pd.DataFrame:
    ids = [f"{prefix}{i:07d}" for i in range(len(x["sector"]))]
    return common.feature_frame(ids, FEATURES, common.blanked(x, hidden))


def generate(seed: int, scale: float = 1.0) -> MarketCase:
    """The thin-history market: ~220 lenders, ~1,000 products, 400,000 rows at scale 1."""
    r_design, r_pool, r_log, r_out, r_fresh, r_hide = common.streams(seed, _SALT, 6)
    d = _design(r_design)
    # niche products (few firms pass their rules) are marketed to their niche: popularity is
    # divided by the share of firms that pass, measured on a sample of the population
    sample_ok = _evaluate(d, _population(r_design, 4_000, d))[0].mean(axis=0)
    d["reach"] = np.maximum(sample_ok, 0.01) ** -0.8
    n_rows = max(1, round(HISTORY_ROWS * scale))
    pool = _population(r_pool, n_rows, d)
    tries = 1 + r_log.binomial(3, sigmoid(-0.8 - 1.2 * (pool["owner_score"] - 640) / 70))
    x, tries = common.first_applicants(pool, tries, n_rows)
    n_hist = tries.size
    picked = []
    for start in range(0, n_hist, _CHUNK):
        part = slice(start, min(start + _CHUNK, n_hist))
        ok, knock, p = _evaluate(d, {k: v[part] for k, v in x.items()})
        asked = x["loan_request_wan"][part, None] * 1e4
        fit = np.where((asked >= d["amount"][0]) & (asked <= d["amount"][1]), 1.0, 0.3)
        # an exponential race: the k smallest of E / weight are a weighted draw without replacement
        race = r_log.standard_exponential(ok.shape, dtype=np.float32)
        race /= (np.where(ok, d["reach"], _STRAY) * d["popularity"] * fit).astype(np.float32)
        top = np.argpartition(race, 3, axis=1)[:, :4]
        top = np.take_along_axis(top, np.argsort(np.take_along_axis(race, top, 1), 1), 1)
        pair = common.picks(top, tries[part])
        picked.append(np.column_stack([pair[0] + start, pair[1], p[pair], ok[pair], knock[pair]]))
    row_f, col_f, p_hist, logged_ok, logged_knock = np.concatenate(picked).T
    row, col, logged_ok = row_f.astype(np.int64), col_f.astype(np.int64), logged_ok > 0.5
    approved = (r_out.random(row.size) < p_hist).astype(np.int64)
    day = r_log.integers(0, 730, n_hist)
    history = _frame("h", x, common.hide(r_hide, n_hist, _MISSING)).iloc[row].reset_index(drop=True)
    dates = np.datetime64("2023-01-01") + day[row].astype("timedelta64[D]")
    history = common.logged(history, d["products"], col, approved, dates, in_order=True)
    n_fresh = max(1, round(FRESH_APPLICANTS * scale))
    fresh = _population(r_fresh, n_fresh, d)
    true_p = np.empty((n_fresh, len(d["products"])))
    eligible = knocked = 0
    best = np.empty(n_fresh)
    for start in range(0, n_fresh, _CHUNK):
        part = slice(start, min(start + _CHUNK, n_fresh))
        ok, knock, true_p[part] = _evaluate(d, {k: v[part] for k, v in fresh.items()})
        eligible, knocked = eligible + int(ok.sum()), knocked + int((ok & knock).sum())
        best[part] = true_p[part].max(axis=1)
    counts = np.bincount(col, minlength=len(d["products"]))
    applicants = _frame("n", fresh, common.hide(r_hide, n_fresh, _MISSING))
    facts = common.size_facts(LENDERS, len(d["products"]), row.size, n_fresh, approved) | {
        "logged_ineligible_share": float(1 - logged_ok.mean()),
        "logged_knockout_share": float(logged_knock[logged_ok].mean()),
        "hidden_knockout_share": knocked / max(eligible, 1),
        "rows_per_product_median": float(np.median(counts)),
        "rows_per_product_p10": float(np.quantile(counts, 0.1)),
        "rows_per_product_p90": float(np.quantile(counts, 0.9)),
        "oracle_share_p95": float((best >= 0.95).mean()),
        "oracle_share_p90": float((best >= 0.90).mean()),
        "true_p_max": float(true_p.max()),
        "missing_share": float(applicants[[f["name"] for f in FEATURES]].isna().mean().mean()),
    }
    return MarketCase(
        name="thin",
        seed=seed,
        features=copy.deepcopy(FEATURES),
        products=d["products"],
        history=history,
        applicants=applicants,
        true_p=true_p,
        description=(
            "About 1,000 products from 220 lenders with shared but lender-specific logistic "
            "policies, hidden product knock-outs and a thin, uneven history per product."
        ),
        facts=facts,
    )
