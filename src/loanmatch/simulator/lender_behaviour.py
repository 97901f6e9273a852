"""Lenders' HIDDEN true behaviour: what really decides an application in the simulated market.

A lender approves iff (1) every published rule of the product passes, (2) its unpublished hard
gates pass (a stricter bureau score, a cap on the number of lenders already owed), and (3) its
score beats the product's cutoff::

    score_ij = observed_ij / scale_j + SIGMA_SOFT * soft_i + SIGMA_PAIR * noise_ij
    observed_ij = factors_i . weights_j + industry_j[industry_i] + region_j[region_i]
                  - AFFORD_SLOPE * max(0, log(loan_amount_i / capacity_ij))

``scale_j`` makes the observed part unit-variance among the applicants who pass the product's
rules, so the unobserved part has std sqrt(0.35^2 + 0.2^2) = 0.40 of the observed part (the
brief asks for 0.3-0.5): a model can be confident for most applicants but never for all.
``soft_i`` is the applicant's hidden latent (shared by all lenders, like a site visit's soft
information); ``noise_ij`` is a deterministic hash of (applicant key, product, seed), so the
oracle and the history agree exactly. The cutoff approves the share ``APPETITE`` of the
applicants who pass the published rules and hidden gates (in a calibration population).

Weights, gates and appetites are *assumptions* in the spirit of ref §3 (ref =
``docs/market-reference.md``: bureau score, overdues, inquiries, 多头 and debt are what lenders
weigh) and ref §5 (a tax loan line ≈ yearly tax x 5-9, an LTV of 60-70%); each lender's are
jittered by the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Catalog, Values
from loanmatch.domain.products import Market
from loanmatch.domain.rules import PASS
from loanmatch.simulator.lenders import LENDER_BY_ID, LenderStyle
from loanmatch.simulator.population import Population

__all__ = ["SIGMA_PAIR", "SIGMA_SOFT", "LenderBehaviour", "build_lender_behaviour", "pair_noise"]

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

SIGMA_SOFT = 0.28
"""Std of the applicant's hidden latent in the score (observed part has std 1)."""
SIGMA_PAIR = 0.15
"""Std of the per-(applicant, product) noise in the score."""
AFFORD_SLOPE = 2.5
"""Score lost per unit of log(amount / what the lender would lend on this evidence)."""

FACTORS = (
    "bureau", "thin_file", "overdue", "inquiries", "multi", "leverage", "size",
    "maturity", "tax", "invoicing", "property", "legal", "growth", "social",
)  # fmt: skip
# Weight of each factor by lender style (assumption): banks lean on the bureau, tax record and
# collateral; internet banks and fintechs on behaviour (overdues, inquiries, 多头) and flows.
STYLE_WEIGHTS: dict[LenderStyle, tuple[float, ...]] = {
    "big_bank": (1.0, -0.4, 0.6, 0.4, 0.4, 0.5, 0.5, 0.4, 0.6, 0.3, 0.4, 0.5, 0.2, 0.3),
    "joint_stock": (0.9, -0.3, 0.6, 0.4, 0.5, 0.5, 0.5, 0.3, 0.4, 0.3, 0.3, 0.5, 0.3, 0.2),
    "city": (0.8, -0.3, 0.6, 0.3, 0.4, 0.5, 0.4, 0.5, 0.5, 0.3, 0.5, 0.4, 0.2, 0.3),
    "rural": (0.7, -0.2, 0.6, 0.3, 0.4, 0.4, 0.3, 0.5, 0.3, 0.2, 0.6, 0.4, 0.1, 0.3),
    "internet": (0.7, 0.0, 0.7, 0.5, 0.6, 0.4, 0.6, 0.3, 0.3, 0.5, 0.1, 0.3, 0.4, 0.1),
    "fintech": (0.6, -0.5, 0.8, 0.6, 0.7, 0.5, 0.4, 0.2, 0.2, 0.4, 0.1, 0.3, 0.3, 0.1),
}
# Kinds lean harder on their own evidence (factor -> multiplier).
KIND_EMPHASIS: dict[str, dict[str, float]] = {
    "tax": {"tax": 1.6},
    "invoice": {"invoicing": 1.6},
    "secured": {"property": 2.0},
    "business": {"size": 1.3},
}
# Unpublished gates (assumption): minimum bureau score for owners with a file, most lenders owed.
MIN_BUREAU: dict[LenderStyle, float] = {
    "big_bank": 600, "joint_stock": 590, "city": 580, "rural": 575, "internet": 560, "fintech": 540,
}  # fmt: skip
MAX_LENDERS: dict[LenderStyle, float] = {
    "big_bank": 4, "joint_stock": 4, "city": 4, "rural": 4, "internet": 5, "fintech": 6,
}  # fmt: skip
# Share approved among applicants passing rules and gates (assumption; with the naive policy
# of history.py it yields the 20-30% blind approval of docs/design.md §1).
APPETITE: dict[LenderStyle, float] = {
    "big_bank": 0.72, "joint_stock": 0.73, "city": 0.74, "rural": 0.75, "internet": 0.78,
    "fintech": 0.80,
}  # fmt: skip
GRADE_VALUE = {"A": 1.0, "B": 0.4, "M": -0.2, "C": -1.0, "D": -2.0}
COMMON_INDUSTRIES = ("A", "C", "E", "F", "G", "H", "I", "L", "O")
CALIBRATION_MIN = 100


def _category_values(catalog: Catalog, name: str, mapping: dict[str, float]) -> Array:
    return np.asarray([mapping.get(c, 0.0) for c in catalog[name].categories])


def factors(catalog: Catalog, v: Values) -> Array:
    """The applicant-side score inputs, each roughly on a unit scale (n x len(FACTORS))."""
    seen = v["has_credit_history"] > 0.5
    grade = _category_values(catalog, "tax_grade", GRADE_VALUE)[v["tax_grade"].astype(np.intp)]
    revenue = np.maximum(v["annual_revenue"], 1.0)
    columns = [
        np.where(seen, (v["owner_bureau_score"] - 650.0) / 60.0, 0.0),
        (~seen).astype(np.float64),
        -np.minimum(v["overdue_count_24m"], 6.0) / 2.0,
        -np.minimum(v["hard_inquiries_6m"], 20.0) / 5.0,
        -np.minimum(v["lenders_outstanding"], 8.0) / 2.0,
        -np.minimum(v["outstanding_debt"] / revenue, 3.0),
        (np.log(revenue) - 13.8) / 1.3,
        np.log1p(v["enterprise_age_years"]) - 1.5,
        grade,
        v["vat_invoice_months_24"] / 24.0 - 0.5,
        v["owns_property"] + 0.3 * np.log1p(v["property_value"] / 1e6),
        -np.minimum(v["legal_disputes"] + v["admin_penalties"], 5.0),
        np.clip(v["revenue_growth"], -50.0, 100.0) / 30.0,
        np.minimum(v["social_security_months"], 120.0) / 60.0 - 1.0,
    ]
    return np.column_stack(columns)


def lending_base(kind: str, v: Values) -> Array:
    """What a lender of this kind would lend on the evidence (ref §1 #1, #6, #12, #14, §5)."""
    if kind == "tax":
        return 7.0 * v["tax_paid_last_year"]  # ref §1 #1: line ≈ yearly tax x 5-9
    if kind == "invoice":
        return 0.2 * v["invoice_amount_12m"]  # ref §1 #6: <= 10% of sales; assumption 20%
    if kind == "secured":
        return 0.7 * v["property_value"]  # ref §1 #14: LTV 70% for housing
    if kind == "tobacco":
        return 2.0 * v["monthly_bank_inflow"]  # ref §1 #12: quarterly orders x 2/3 + flow x 1.5
    if kind == "bill":
        return v["bills_receivable"]  # ref §5: face value
    return 3.0 * v["monthly_bank_inflow"]  # business: assumption, three months of inflow


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64 finaliser (wrapping uint64 arithmetic)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def pair_noise(keys: npt.NDArray[np.uint64], n_products: int, salt: int) -> Array:
    """Standard normal noise per (applicant, product), a pure function of keys, index and salt."""
    base = _mix(keys ^ _mix(np.asarray([salt & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)))
    cols = _mix(np.arange(1, n_products + 1, dtype=np.uint64) * np.uint64(0xD1B54A32D192ED03))
    h1 = _mix(base[:, None] ^ cols[None, :])
    h2 = _mix(h1 ^ np.uint64(0x5851F42D4C957F2D))
    u1 = 1.0 - (h1 >> np.uint64(11)).astype(np.float64) * 2.0**-53
    u2 = (h2 >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@dataclass(frozen=True)
class LenderBehaviour:
    """Every product's hidden decision function (arrays indexed by product, in market order)."""

    market: Market
    weights: Array  # products x factors
    industry_offset: Array  # products x industry categories
    region_offset: Array  # products x region categories
    min_bureau: Array
    max_lenders: Array
    scale: Array
    cutoff: Array
    salt: int

    def observed(self, v: Values) -> Array:
        """The observed part of every score (unscaled); -inf where a hidden gate fails."""
        catalog = self.market.catalog
        out = factors(catalog, v) @ self.weights.T
        out += self.industry_offset[:, v["industry"].astype(np.intp)].T
        out += self.region_offset[:, v["region"].astype(np.intp)].T
        amount = v["loan_amount"]
        for kind in {p.kind for p in self.market.products}:
            cols = [j for j, p in enumerate(self.market.products) if p.kind == kind]
            base = lending_base(kind, v)
            with np.errstate(divide="ignore", invalid="ignore"):
                excess = np.where(base > 0, np.log(amount / np.maximum(base, 1.0)), 3.0)
            out[:, cols] -= AFFORD_SLOPE * np.maximum(excess, 0.0)[:, None]
        seen = v["has_credit_history"] > 0.5
        low_score = seen[:, None] & (v["owner_bureau_score"][:, None] < self.min_bureau[None, :])
        too_many = v["lenders_outstanding"][:, None] > self.max_lenders[None, :]
        out[low_score | too_many] = -np.inf
        return out

    def published(self, v: Values) -> Mask:
        """Whether every published rule passes, on complete (true) values."""
        return np.asarray(self.market.eligibility(v).status == PASS)

    def scores(self, population: Population) -> Array:
        noise = pair_noise(population.keys, len(self.market.products), self.salt)
        observed = self.observed(population.complete) / self.scale[None, :]
        return observed + SIGMA_SOFT * population.soft[:, None] + SIGMA_PAIR * noise

    def decide(self, population: Population, passes: Mask | None = None) -> Mask:
        """The true decision of every product on every applicant (n x products); ``passes``:
        :meth:`published` of ``population.complete`` when the caller has it already."""
        if passes is None:
            passes = self.published(population.complete)
        return passes & (self.scores(population) > self.cutoff[None, :])

    def probability(self, population: Population, passes: Mask | None = None) -> Array:
        """P(approve | every visible feature known): what a perfect model would predict."""
        from scipy.special import ndtr

        sigma = float(np.hypot(SIGMA_SOFT, SIGMA_PAIR))
        margin = self.observed(population.complete) / self.scale[None, :] - self.cutoff[None, :]
        p = np.asarray(ndtr(margin / sigma), dtype=np.float64)
        if passes is None:
            passes = self.published(population.complete)
        return np.where(passes, p, 0.0)


def build_lender_behaviour(
    market: Market, calibration: Population, rng: np.random.Generator, salt: int
) -> LenderBehaviour:
    """Draw each lender's hidden preferences, then fix scales and cutoffs on ``calibration``."""
    catalog = market.catalog
    n_ind = len(catalog["industry"].categories)
    n_reg = len(catalog["region"].categories)
    lender_draws: dict[str, tuple[Array, Array, Array, float]] = {}
    for lender_id in market.lenders:
        style = LENDER_BY_ID[lender_id].style
        weights = np.asarray(STYLE_WEIGHTS[style]) * rng.uniform(0.8, 1.2, len(FACTORS))
        industry = np.zeros(n_ind)
        picks = rng.choice(len(COMMON_INDUSTRIES), size=3, replace=False)
        codes = [catalog["industry"].categories.index(COMMON_INDUSTRIES[k]) for k in picks]
        industry[codes[:2]] = -0.6  # disfavoured, unpublished appetite
        industry[codes[2]] = 0.3  # favoured
        region = (
            rng.normal(0.0, 0.1, n_reg) if style in ("big_bank", "joint_stock") else np.zeros(n_reg)
        )
        lender_draws[lender_id] = (weights, industry, region, float(rng.uniform(0.0, 20.0)))
    rows_w, rows_i, rows_r, min_bureau, max_lenders = [], [], [], [], []
    for product in market.products:
        weights, industry, region, bureau_jitter = lender_draws[product.lender]
        style = LENDER_BY_ID[product.lender].style
        emphasis = KIND_EMPHASIS.get(product.kind, {})
        rows_w.append(weights * np.asarray([emphasis.get(f, 1.0) for f in FACTORS]))
        rows_i.append(industry)
        rows_r.append(region)
        min_bureau.append(MIN_BUREAU[style] + bureau_jitter)
        max_lenders.append(MAX_LENDERS[style])
    P = len(market.products)
    behaviour = LenderBehaviour(
        market=market,
        weights=np.vstack(rows_w),
        industry_offset=np.vstack(rows_i),
        region_offset=np.vstack(rows_r),
        min_bureau=np.asarray(min_bureau),
        max_lenders=np.asarray(max_lenders, dtype=np.float64),
        scale=np.ones(P),
        cutoff=np.zeros(P),
        salt=salt,
    )
    return _calibrated(behaviour, calibration)


def _calibrated(behaviour: LenderBehaviour, calibration: Population) -> LenderBehaviour:
    observed = behaviour.observed(calibration.complete)
    passes = behaviour.published(calibration.complete) & np.isfinite(observed)
    noise = pair_noise(calibration.keys, observed.shape[1], behaviour.salt)
    scale = np.ones(observed.shape[1])
    cutoff = np.zeros(observed.shape[1])
    for j, product in enumerate(behaviour.market.products):
        rows = (
            passes[:, j] if passes[:, j].sum() >= CALIBRATION_MIN else np.isfinite(observed[:, j])
        )
        scale[j] = max(float(np.std(observed[rows, j])), 1e-6)
        score = (
            observed[rows, j] / scale[j]
            + SIGMA_SOFT * calibration.soft[rows]
            + SIGMA_PAIR * noise[rows, j]
        )
        appetite = APPETITE[LENDER_BY_ID[product.lender].style]
        cutoff[j] = float(np.quantile(score, 1.0 - appetite))
    return LenderBehaviour(
        market=behaviour.market,
        weights=behaviour.weights,
        industry_offset=behaviour.industry_offset,
        region_offset=behaviour.region_offset,
        min_bureau=behaviour.min_bureau,
        max_lenders=behaviour.max_lenders,
        scale=scale,
        cutoff=cutoff,
        salt=behaviour.salt,
    )
