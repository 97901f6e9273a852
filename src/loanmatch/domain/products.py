"""Lenders' products and the market they form (docs/design.md §4 and §9)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Catalog, Text, Values
from loanmatch.domain.rules import FAIL, PASS, UNKNOWN, Rule, RuleCase, Status, combine

__all__ = ["Eligibility", "Market", "Product"]


@dataclass(frozen=True)
class Product:
    """A loan product. Only ``id``, ``lender`` and ``rules`` are required."""

    id: str
    lender: str
    rules: tuple[Rule, ...] = ()
    kind: str = ""
    name: Text = field(default_factory=Text)
    amount_min: float | None = None
    amount_max: float | None = None
    term_months: tuple[int, ...] = ()
    rate_min: float | None = None
    rate_max: float | None = None
    capacity_per_day: int | None = None
    repayment: tuple[str, ...] = ()
    lender_name: Text = field(default_factory=Text)
    tests: tuple[RuleCase, ...] = ()
    """The product's own test cases (products.yaml ``tests:``; ``domain/rule_tests.py``)."""

    def display(self, lang: str = "zh") -> str:
        return self.name.get(lang) or self.id

    def lender_display(self, lang: str = "zh") -> str:
        return self.lender_name.get(lang) or self.lender


@dataclass(frozen=True)
class Eligibility:
    """Rule outcomes of many applicants against many products.

    ``status[i, j]`` is PASS, FAIL or UNKNOWN for applicant ``i`` and product ``j``;
    ``rule_status[j]`` holds, for product ``j``, an array (rules x applicants).
    """

    status: npt.NDArray[np.int8]
    rule_status: tuple[npt.NDArray[np.int8], ...]

    def failing_rules(self, market: Market, i: int, j: int) -> list[Rule]:
        product = market.products[j]
        return [r for k, r in enumerate(product.rules) if self.rule_status[j][k, i] == FAIL]

    def unknown_rules(self, market: Market, i: int, j: int) -> list[Rule]:
        product = market.products[j]
        return [r for k, r in enumerate(product.rules) if self.rule_status[j][k, i] == UNKNOWN]


@dataclass(frozen=True)
class Market:
    """A catalog and the products whose rules were checked against it."""

    catalog: Catalog
    products: tuple[Product, ...]

    def __post_init__(self) -> None:
        ids = [p.id for p in self.products]
        if len(set(ids)) != len(ids):
            raise ValueError("product ids are not unique")

    @property
    def product_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.products)

    @property
    def lenders(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.lender for p in self.products))

    def index_of(self, product_id: str) -> int:
        for j, product in enumerate(self.products):
            if product.id == product_id:
                return j
        raise KeyError(product_id)

    def eligibility(self, values: Values, products: Sequence[int] | None = None) -> Eligibility:
        """Evaluate every rule of every product (or of the given product indices) at once."""
        n = len(next(iter(values.values()))) if values else 0
        cache: dict[object, Status] = {}
        columns: list[Status] = []
        per_product: list[npt.NDArray[np.int8]] = []
        chosen = range(len(self.products)) if products is None else products
        for j in chosen:
            statuses: list[Status] = []
            for rule in self.products[j].rules:
                key = (rule.condition.feature, rule.condition.op, rule.condition.values)
                if key not in cache:
                    cache[key] = rule.status(values)
                statuses.append(cache[key])
            columns.append(combine(statuses, n))
            per_product.append(np.vstack(statuses) if statuses else np.empty((0, n), dtype=np.int8))
        status = np.column_stack(columns) if columns else np.empty((n, 0), dtype=np.int8)
        return Eligibility(status=status.astype(np.int8), rule_status=tuple(per_product))


def passes(status: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    return np.asarray(status == PASS)
