"""Synthetic Chinese SMEs: visible features plus hidden latents that only the simulator sees.

Every share below comes from ``docs/market-reference.md`` (cited as "ref §N")
unless it is marked *assumption*; assumptions fill the gaps the reference leaves (industry and
province mix, the shape of a distribution around a cited mean) and are kept plain.

Hidden latents (never written to a file):

- ``quality``: the firm's true credit quality, N(0, 1). It drives the observable credit signals
  (bureau score, overdues, inquiries, tax grade, lawsuits) so that they are correlated with each
  other the way they are in a real file.
- ``soft``: unobserved soft information, N(0, 1), independent of every visible feature. Lenders'
  true behaviour adds it to their score (``simulator/lender_behaviour.py``); no model can see it.
- ``keys``: one 64-bit key per applicant, which makes the per-(applicant, product) noise of the
  lenders' true behaviour deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.domain.catalog import Catalog, Values
from loanmatch.domain.formula import fill_derived

__all__ = ["INDUSTRIES", "PROVINCES", "Population", "generate_population", "mask_missing"]

Array = npt.NDArray[np.float64]

INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")
"""GB/T 4754-2017 sections, in catalog order."""

PROVINCES: tuple[tuple[str, float], ...] = (
    # (pinyin name as in features.yaml, weight in %). *Assumption*: weights roughly follow the
    # provinces' shares of market entities (large coastal provinces first); not in the reference.
    ("beijing", 3.0),
    ("tianjin", 1.0),
    ("hebei", 5.0),
    ("shanxi", 2.0),
    ("neimenggu", 1.5),
    ("liaoning", 3.0),
    ("jilin", 1.5),
    ("heilongjiang", 1.5),
    ("shanghai", 3.0),
    ("jiangsu", 9.0),
    ("zhejiang", 7.5),
    ("anhui", 4.0),
    ("fujian", 4.0),
    ("jiangxi", 3.0),
    ("shandong", 8.0),
    ("henan", 6.0),
    ("hubei", 4.0),
    ("hunan", 4.0),
    ("guangdong", 12.0),
    ("guangxi", 3.0),
    ("hainan", 0.8),
    ("chongqing", 2.5),
    ("sichuan", 5.0),
    ("guizhou", 2.0),
    ("yunnan", 3.0),
    ("xizang", 0.2),
    ("shaanxi", 2.5),
    ("gansu", 1.2),
    ("qinghai", 0.3),
    ("ningxia", 0.4),
    ("xinjiang", 1.5),
)
HIGH_PRICE_PROVINCES = ("beijing", "shanghai")
MID_PRICE_PROVINCES = ("guangdong", "zhejiang", "jiangsu", "tianjin", "fujian")

# Industry mix, in % per section A..T. *Assumption*, shaped by ref §4: "about 90% of
# self-employed businesses are in services" (A-E below sum to 11% for them).
INDUSTRY_SELF_EMPLOYED = (5, 0, 4, 0, 2, 45, 6, 15, 1, 0, 0, 3, 1, 0, 14, 1, 1, 2, 0, 0)
INDUSTRY_ENTERPRISE = (3, 0.3, 20, 0.3, 8, 28, 5, 4, 8, 0.3, 3, 9, 6, 0.5, 2, 1, 1, 1.5, 0.1, 0)

SELF_EMPLOYED_SHARE = 0.674  # ref §4: 67.4% of market entities are self-employed (end-2023)
UNTAXED_SELF_EMPLOYED = 0.80  # ref §4: about 80% of self-employed businesses pay no tax
UNTAXED_ENTERPRISE = 0.03  # *assumption*: dormant or newly registered enterprises
FIRM_AGE_BUCKETS = (0.494, 0.329, 0.177)  # ref §4 (SAIC 2013): <5 y, 5-10 y, >10 y
# ref §4 (STA 2021): A 8.28%, B+M 82.58%, C+D 9.14%; the B/M and C/D splits are *assumptions*.
GRADE_SHARES = {"A": 0.0828, "B": 0.7298, "M": 0.096, "C": 0.06, "D": 0.0314}
NO_CREDIT_HISTORY = {"self_employed": 0.55, "enterprise": 0.40}  # ref §1 #8-9 and §5.5: 50-74%
TERMS = (3, 6, 12, 24, 36, 60)
TERM_SHARES = (0.08, 0.17, 0.55, 0.10, 0.07, 0.03)  # *assumption*: most draws <= 12 mo (ref §5)
PURPOSES = ("working_capital", "equipment", "expansion", "refinance", "other")
PURPOSE_SHARES = (0.60, 0.12, 0.15, 0.08, 0.05)  # *assumption*
# Highest acceptable annual rate: anchors of ref §2/§5 (LPR 3.0%, 普惠 3.5-4.4%, fintech 12-24%).
RATE_TOLERANCE = (4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 18.0, 24.0)
RATE_TOLERANCE_SHARES = (0.10, 0.12, 0.18, 0.15, 0.12, 0.12, 0.08, 0.08, 0.05)
DAYS_NEEDED = (3, 7, 14, 30, 60, 90)
DAYS_NEEDED_SHARES = (0.15, 0.2, 0.25, 0.25, 0.1, 0.05)  # *assumption*

# Fields of the request group: never masked as unknown (the owner always states the request).
REQUEST = (
    "loan_amount",
    "loan_term_months",
    "loan_purpose",
    "max_acceptable_rate",
    "days_until_needed",
)


@dataclass(frozen=True)
class Population:
    """Simulated applicants. ``values`` is what the world sees (maybe with unknown cells);
    ``complete`` holds every true value and, with the latents, stays inside the simulator."""

    ids: npt.NDArray[np.object_]
    values: Values
    complete: Values
    quality: Array
    soft: Array
    keys: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def concat(parts: list[Population]) -> Population:
        """Applicants of several populations, in order."""

        def join(pick: str) -> Values:
            first: Values = getattr(parts[0], pick)
            return {k: np.concatenate([getattr(p, pick)[k] for p in parts]) for k in first}

        return Population(
            ids=np.concatenate([p.ids for p in parts]),
            values=join("values"),
            complete=join("complete"),
            quality=np.concatenate([p.quality for p in parts]),
            soft=np.concatenate([p.soft for p in parts]),
            keys=np.concatenate([p.keys for p in parts]),
        )

    def take(self, rows: npt.NDArray[np.intp]) -> Population:
        return Population(
            ids=self.ids[rows],
            values={k: v[rows] for k, v in self.values.items()},
            complete={k: v[rows] for k, v in self.complete.items()},
            quality=self.quality[rows],
            soft=self.soft[rows],
            keys=self.keys[rows],
        )


def _shares(weights: tuple[float, ...]) -> Array:
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _firm_age(rng: np.random.Generator, n: int) -> Array:
    """Years in business: the SAIC age buckets, uniform inside the first two, an exponential
    tail (mean 6 y, *assumption*) above 10 years."""
    bucket = rng.choice(3, size=n, p=np.asarray(FIRM_AGE_BUCKETS) / sum(FIRM_AGE_BUCKETS))
    age = np.where(bucket == 0, rng.uniform(0.1, 5.0, n), rng.uniform(5.0, 10.0, n))
    tail = np.minimum(10.0 + rng.exponential(6.0, n), 60.0)
    age = np.where(bucket == 2, tail, age)
    return np.asarray(np.round(age, 1), dtype=np.float64)


def _tax_grades(
    rng: np.random.Generator, taxed: npt.NDArray[np.bool_], age: Array, quality: Array
) -> npt.NDArray[np.intp]:
    """Grade index into (A, B, M, C, D). Taxed firms follow ``GRADE_SHARES`` exactly (in
    expectation): M goes mostly to first-year firms (ref §5.1), A/C/D by a quality-driven score;
    firms that file no tax get M (the grade for no business income in the year)."""
    n = len(age)
    grade = np.full(n, 2, dtype=np.intp)
    idx = np.flatnonzero(taxed)
    if len(idx) == 0:
        return grade
    m = len(idx)
    score = 0.9 * quality[idx] + 0.25 * np.log1p(age[idx]) + rng.normal(0.0, 0.45, m)
    new = (age[idx] < 1.0) & (rng.random(m) < 0.8)
    m_needed = max(0, round(GRADE_SHARES["M"] * m) - int(new.sum()))
    rest = np.flatnonzero(~new)
    extra_m = rng.choice(rest, size=min(m_needed, len(rest)), replace=False)
    is_m = new.copy()
    is_m[extra_m] = True
    ranked = np.flatnonzero(~is_m)[np.argsort(-score[~is_m], kind="stable")]
    n_a, n_d, n_c = (round(GRADE_SHARES[g] * m) for g in ("A", "D", "C"))
    local = np.full(m, 1, dtype=np.intp)
    local[is_m] = 2
    local[ranked[:n_a]] = 0
    if n_d + n_c:
        local[ranked[len(ranked) - n_d - n_c : len(ranked) - n_d]] = 3
        local[ranked[len(ranked) - n_d :]] = 4
    grade[idx] = local
    return grade


def _credit(
    rng: np.random.Generator, n: int, quality: Array, white: npt.NDArray[np.bool_]
) -> dict[str, Array]:
    """The owner's credit report (征信). Conventions of ref §3: 连三累六, current overdue,
    hard inquiries in 3 and 6 months. Rates of the Poisson draws are *assumptions* chosen so
    that a clean file is the norm and a few percent are currently overdue."""
    seen = ~white
    overdue = np.where(seen, rng.poisson(0.35 * np.exp(-0.9 * quality)), 0).astype(np.float64)
    current = seen & (rng.random(n) < _sigmoid(-4.2 - 1.0 * quality + 0.5 * overdue))
    score = (
        650.0
        + 55.0 * quality
        - 18.0 * np.minimum(overdue, 6.0)
        - 60.0 * current
        + rng.normal(0.0, 25.0, n)
    )
    score = np.where(seen, score, 600.0 + rng.normal(0.0, 30.0, n))  # thin file: uninformative
    shopping = rng.gamma(1.5, 1.0 / 1.5, n)  # over-dispersion of inquiry counts
    rate6 = np.where(seen, 2.0 * np.exp(-0.35 * quality), 0.8) * shopping
    inq6 = rng.poisson(rate6).astype(np.float64)
    inq3 = rng.binomial(inq6.astype(np.int64), 0.55).astype(np.float64)
    lenders = np.where(seen, rng.poisson(0.9 * np.exp(-0.3 * quality) + 0.05 * inq6), 0)
    return {
        "has_credit_history": seen.astype(np.float64),
        "owner_bureau_score": np.clip(np.round(score), 300, 900),
        "overdue_count_24m": overdue,
        "current_overdue": current.astype(np.float64),
        "hard_inquiries_3m": inq3,
        "hard_inquiries_6m": inq6,
        "lenders_outstanding": lenders.astype(np.float64),
    }


def _encode_choice(catalog: Catalog, name: str, labels: tuple[str, ...], picks: Array) -> Array:
    """Map indices into ``labels`` to indices into the catalog's categories of ``name``."""
    categories = catalog[name].categories
    missing = [label for label in labels if label not in categories]
    if missing:
        raise ValueError(f"catalog feature {name} lacks the categories {missing}")
    lookup = np.asarray([categories.index(label) for label in labels], dtype=np.float64)
    return lookup[picks.astype(np.intp)]


def generate_population(
    catalog: Catalog,
    n: int,
    rng: np.random.Generator,
    prefix: str = "A",
    missing_rate: float = 0.0,
    start: int = 1,
) -> Population:
    """``n`` applicants with realistic joint distributions (see the module docstring)."""
    quality = rng.standard_normal(n)
    soft = rng.standard_normal(n)
    keys = rng.integers(0, np.iinfo(np.int64).max, size=n, dtype=np.int64).astype(np.uint64)
    v: dict[str, Array] = {}
    selfemp = rng.random(n) < SELF_EMPLOYED_SHARE
    v["entity_type"] = _encode_choice(
        catalog, "entity_type", ("self_employed", "enterprise"), (~selfemp).astype(np.float64)
    )
    age = _firm_age(rng, n)
    v["enterprise_age_years"] = age
    industry = np.where(
        selfemp,
        rng.choice(20, size=n, p=_shares(INDUSTRY_SELF_EMPLOYED)),
        rng.choice(20, size=n, p=_shares(INDUSTRY_ENTERPRISE)),
    )
    v["industry"] = _encode_choice(catalog, "industry", INDUSTRIES, industry.astype(np.float64))
    names = tuple(p for p, _ in PROVINCES)
    province = rng.choice(len(PROVINCES), size=n, p=_shares(tuple(w for _, w in PROVINCES)))
    v["region"] = _encode_choice(catalog, "region", names, province.astype(np.float64))

    # Size: self-employed average 2.68 workers (ref §4); enterprises *assumed* lognormal, median 8.
    employees = np.where(
        selfemp,
        1 + rng.poisson(1.68, n),
        np.maximum(1, np.round(np.exp(np.log(8.0) + 0.12 * np.log1p(age) + rng.normal(0, 1.0, n)))),
    ).astype(np.float64)
    v["employees"] = employees
    capital = np.where(
        selfemp,
        np.exp(np.log(5e4) + rng.normal(0, 1.0, n)),
        np.exp(np.log(1e6) + rng.normal(0, 1.2, n)),
    )
    v["registered_capital"] = np.round(capital, -3)
    # Revenue: lognormal, rising with staff, age and quality. Medians (*assumption*) about 0.4M
    # for self-employed and 3M for enterprises, so that >70% are under 10M (ref §1 #8).
    log_rev = (
        np.where(selfemp, np.log(3.2e5), np.log(1.0e6))
        + 0.45 * np.log(employees)
        + 0.20 * np.log1p(age)
        + 0.20 * quality
        + rng.normal(0.0, 0.65, n)
    )
    revenue = np.asarray(np.round(np.clip(np.exp(log_rev), 2e4, 5e9), -2), dtype=np.float64)
    v["annual_revenue"] = revenue
    growth = np.clip(rng.normal(4.0 + 4.0 * quality, 18.0), -80.0, 300.0)
    v["revenue_growth"] = np.asarray(np.round(growth, 1), dtype=np.float64)

    taxed = np.where(
        selfemp, rng.random(n) >= UNTAXED_SELF_EMPLOYED, rng.random(n) >= UNTAXED_ENTERPRISE
    )
    grade = _tax_grades(rng, taxed, age, quality)
    v["tax_grade"] = _encode_choice(
        catalog, "tax_grade", ("A", "B", "M", "C", "D"), grade.astype(np.float64)
    )
    active_months = np.minimum(24.0, np.floor(age * 12.0))
    months = np.round(active_months * rng.beta(8.0, 1.2, n))
    v["vat_invoice_months_24"] = np.where(taxed, months, 0.0)
    year_share = np.minimum(1.0, age)  # a firm younger than a year invoiced for part of it
    v["invoice_amount_12m"] = np.where(
        taxed, np.round(revenue * year_share * rng.beta(4.0, 1.5, n), -2), 0.0
    )
    # Effective tax burden *assumed* lognormal around 2.5% of revenue (small-scale VAT plus surtaxes
    # and income tax), so the median taxed enterprise clears the 30k/yr of tax loans (ref §1 #1).
    burden = np.exp(np.log(0.025) + rng.normal(0.0, 0.5, n) + 0.1 * quality)
    v["tax_paid_last_year"] = np.where(taxed, np.round(revenue * year_share * burden, -1), 0.0)
    v["monthly_bank_inflow"] = np.round(
        revenue / 12.0 * rng.beta(5.0, 2.0, n) * np.exp(rng.normal(0, 0.2, n)), -2
    )

    # Tobacco retail licences sit mainly in retail (F); shares are *assumptions*.
    licence_p = np.select([industry == 5, industry == 7, industry == 14], [0.15, 0.04, 0.02], 0.003)
    licence = rng.random(n) < licence_p
    v["has_tobacco_licence"] = licence.astype(np.float64)
    v["tobacco_licence_years"] = np.where(
        licence, np.round(np.minimum(age, 50.0) * rng.uniform(0.5, 1.0, n), 1), 0.0
    )
    trade = np.isin(industry, (2, 4, 5, 6))  # C, E, F, G settle with acceptance bills
    bills_p = np.where(selfemp, 0.02, np.where(trade, 0.25, 0.08))  # *assumption*
    v["bills_receivable"] = np.where(
        rng.random(n) < bills_p, np.round(revenue * rng.uniform(0.03, 0.2, n), -3), 0.0
    )
    v["legal_disputes"] = rng.poisson(np.where(selfemp, 0.08, 0.2) * np.exp(-0.6 * quality)).astype(
        np.float64
    )
    v["admin_penalties"] = rng.poisson(0.1 * np.exp(-0.5 * quality)).astype(np.float64)

    owner_age = np.clip(np.round(rng.normal(41.0, 9.0, n) + 0.3 * (age - 6.0)), 20, 70)
    owner_age = np.maximum(owner_age, np.minimum(70, np.ceil(18 + age)))
    v["owner_age"] = owner_age
    # Gender: *assumption* about 1/3 of owners are women; independent of everything (audit only).
    v["owner_gender"] = _encode_choice(
        catalog, "owner_gender", ("male", "female"), (rng.random(n) < 0.35).astype(np.float64)
    )
    pays_ss = rng.random(n) < np.where(selfemp, 0.5, 0.9)
    ss = np.round(12.0 * (owner_age - 20.0) * rng.beta(2.0 + np.clip(quality + 1, 0, 3), 2.0, n))
    v["social_security_months"] = np.where(pays_ss, ss, 0.0)
    owns = rng.random(n) < _sigmoid(
        -0.2 + 0.04 * (owner_age - 40) + 0.35 * (log_rev - 13.5) + 0.3 * quality
    )
    price = np.where(
        np.isin(province, [names.index(p) for p in HIGH_PRICE_PROVINCES]),
        3.0,
        np.where(np.isin(province, [names.index(p) for p in MID_PRICE_PROVINCES]), 1.5, 1.0),
    )
    value = np.round(np.exp(np.log(1.2e6) + rng.normal(0.0, 0.6, n)) * price, -4)
    v["owns_property"] = owns.astype(np.float64)
    v["property_value"] = np.where(owns, value, 0.0)

    white = rng.random(n) < np.where(
        selfemp, NO_CREDIT_HISTORY["self_employed"], NO_CREDIT_HISTORY["enterprise"]
    )
    v.update(_credit(rng, n, quality, white))
    lenders = v["lenders_outstanding"]
    debt = revenue * 0.15 * lenders**0.8 * np.exp(rng.normal(0.0, 0.6, n) - 0.2 * quality)
    v["outstanding_debt"] = np.where(lenders > 0, np.round(debt, -3), 0.0)

    # The request. Mean size about 100-300k yuan (ref §5.4: averages 72k MYbank .. 250k WeBank).
    # Elasticity 0.7 to revenue (*assumption*): larger firms ask more, but less than in proportion.
    log_amount = 1.85 + 0.7 * np.log(revenue) + rng.normal(0.0, 0.6, n)
    amount = np.asarray(np.clip(np.round(np.exp(log_amount), -4), 1e4, 1e7), dtype=np.float64)
    v["loan_amount"] = amount
    v["loan_term_months"] = rng.choice(
        np.asarray(TERMS, dtype=np.float64), size=n, p=_shares(TERM_SHARES)
    )
    v["loan_purpose"] = _encode_choice(
        catalog,
        "loan_purpose",
        PURPOSES,
        rng.choice(5, size=n, p=_shares(PURPOSE_SHARES)).astype(np.float64),
    )
    v["max_acceptable_rate"] = rng.choice(
        np.asarray(RATE_TOLERANCE), size=n, p=_shares(RATE_TOLERANCE_SHARES)
    )
    v["days_until_needed"] = rng.choice(
        np.asarray(DAYS_NEEDED, dtype=np.float64), size=n, p=_shares(DAYS_NEEDED_SHARES)
    )

    complete = catalog.empty_values(n)
    unexpected = set(v) - set(complete)
    if unexpected:
        raise ValueError(f"the catalog lacks simulated features {sorted(unexpected)}")
    complete.update(v)
    formulas = catalog_formulas(catalog)
    fill_derived(formulas, complete)
    ids = np.asarray([f"{prefix}{i:06d}" for i in range(start, start + n)], dtype=object)
    visible = mask_missing(catalog, complete, missing_rate, rng)
    return Population(
        ids=ids, values=visible, complete=complete, quality=quality, soft=soft, keys=keys
    )


def mask_missing(
    catalog: Catalog, complete: Values, missing_rate: float, rng: np.random.Generator
) -> Values:
    """A copy of ``complete`` where each non-request, non-derived cell is unknown with
    probability ``missing_rate``; derived features are recomputed from what remains."""
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate must be in [0, 1), received {missing_rate}")
    derived = [f.name for f in catalog.features if f.derived]
    visible = {
        k: (np.full_like(c, np.nan) if k in derived else c.copy()) for k, c in complete.items()
    }
    if missing_rate > 0.0:
        for feature in catalog.features:
            if feature.derived or feature.name in REQUEST:
                continue
            column = visible[feature.name]
            column[rng.random(len(column)) < missing_rate] = np.nan
    fill_derived(catalog_formulas(catalog), visible)
    return visible
