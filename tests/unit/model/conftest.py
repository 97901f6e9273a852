"""A small hand-made market and its history, built in Python (no files, no simulator)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rules import Condition, Rule
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.training import History, fit_bundle

CATALOG = Catalog(
    [
        Feature("score", "number", min=300, max=900, monotone=1, label=Text("信用分", "score")),
        Feature("years", "number", min=0, max=50, label=Text("成立年限", "years in business")),
        Feature("sector", "category", categories=("farm", "shop", "plant")),
        Feature(
            "grade",
            "category",
            categories=("A", "B", "C"),
            monotone=-1,
            label=Text("纳税等级", "tax grade"),
        ),
        Feature("house", "boolean", label=Text("有房产", "owns property")),
        Feature("gender", "category", categories=("f", "m"), protected=True),
    ]
)


def rule(text: str, feature: str, op: str, *values: float) -> Rule:
    return Rule(text, Condition(feature, op, tuple(values)))  # type: ignore[arg-type]


PRODUCTS = (
    Product(
        "p1",
        "bank_a",
        (rule("grade in [A, B]", "grade", "in", 0, 1),),
        kind="tax",
        amount_max=1e6,
        rate_min=0.04,
        name=Text("税贷一号", "Tax loan 1"),
    ),
    Product(
        "p2",
        "bank_a",
        (rule("years >= 2", "years", ">=", 2),),
        kind="business",
        amount_max=5e5,
        rate_min=0.05,
    ),
    Product("p3", "bank_b", (), kind="business", amount_max=3e5, rate_min=0.06),
    Product(
        "p4",
        "bank_b",
        (rule("house == true", "house", "==", 1),),
        kind="secured",
        amount_max=3e6,
        rate_min=0.035,
    ),
)
MARKET = Market(CATALOG, PRODUCTS)
EFFECT = np.array([0.5, 0.0, -0.5, 1.0])


def draw_applicants(n: int, seed: int) -> dict[str, npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    values = {
        "score": rng.normal(620, 80, n).clip(300, 900),
        "years": rng.exponential(5, n).clip(0, 50),
        "sector": rng.integers(0, 3, n).astype(np.float64),
        "grade": rng.integers(0, 3, n).astype(np.float64),
        "house": rng.integers(0, 2, n).astype(np.float64),
        "gender": rng.integers(0, 2, n).astype(np.float64),
    }
    return values


def true_probability(
    values: dict[str, npt.NDArray[np.float64]], product: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    z = (
        (values["score"] - 620) / 40
        - 0.8 * np.nan_to_num(values["grade"], nan=1.0)
        + np.where(values["sector"] == 1, -1.0, 0.3)
        + EFFECT[product]
        + 0.5
    )
    return np.asarray(1 / (1 + np.exp(-z)), dtype=np.float64)


@dataclass(frozen=True)
class Small:
    market: Market
    history: History
    bundle: ModelBundle


def make_history(n_applicants: int, per_applicant: int, seed: int) -> History:
    rng = np.random.default_rng(seed + 1)
    applicants = draw_applicants(n_applicants, seed)
    rows = np.repeat(np.arange(n_applicants), per_applicant)
    product = rng.integers(0, len(PRODUCTS), rows.size)
    values = {k: v[rows] for k, v in applicants.items()}
    eligible = MARKET.eligibility(values).status[np.arange(rows.size), product] == 1
    approved = (rng.random(rows.size) < true_probability(values, product)) & eligible
    return History(
        ids=np.array([f"a{i}" for i in rows], dtype=object),
        values=values,
        product_ids=np.array([PRODUCTS[j].id for j in product], dtype=object),
        approved=approved.astype(np.int8),
    )


@pytest.fixture(scope="session")
def small() -> Small:
    history = make_history(3000, 3, seed=1)
    return Small(MARKET, history, fit_bundle(MARKET, history, seed=0))
