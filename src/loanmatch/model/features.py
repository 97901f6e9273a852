"""The columns the approval model sees for one (applicant, product) pair.

Applicant columns come from the catalog's model features (never protected ones), in catalog
order; product columns describe the product and its lender. Nothing is named here: the same code
serves any catalog and any products (docs/design.md §9).

- number and boolean features: their encoded value (NaN unknown);
- category features: a LightGBM categorical (the category index), except a category feature the
  catalog marks ``monotone`` (its categories listed best-first or worst-first, like tax grades):
  that one is an ordinal number so the monotone constraint can apply;
- product: product index, lender index and kind index (categoricals), minimum and maximum
  amount, minimum and maximum rate, longest term (NaN where the product does not say).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Feature, Values
from loanmatch.domain.products import Market

__all__ = ["PRODUCT_COLUMNS", "Column", "PairSpace"]

FloatMatrix = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

PRODUCT_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("product", True),
    ("lender", True),
    ("kind", True),
    ("amount_min", False),
    ("amount_max", False),
    ("rate_min", False),
    ("rate_max", False),
    ("term_max", False),
)
"""Product-side columns: (name, categorical)."""


@dataclass(frozen=True)
class Column:
    name: str
    categorical: bool
    monotone: int
    feature: Feature | None
    """The catalog feature behind an applicant column; None for product columns."""


def _applicant_column(feature: Feature) -> Column:
    categorical = feature.type == "category" and feature.monotone == 0
    return Column(feature.name, categorical, feature.monotone, feature)


def _number(value: float | None) -> float:
    return np.nan if value is None else float(value)


class PairSpace:
    """Builds model inputs for pairs: applicant columns then product columns."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.applicant_features = market.catalog.model_features
        applicant = [_applicant_column(f) for f in self.applicant_features]
        product = [Column(f"@{name}", cat, 0, None) for name, cat in PRODUCT_COLUMNS]
        self.columns: tuple[Column, ...] = (*applicant, *product)
        lenders = {lender: k for k, lender in enumerate(market.lenders)}
        kinds = {kind: k for k, kind in enumerate(sorted({p.kind for p in market.products}))}
        rows = [
            (
                float(j),
                float(lenders[p.lender]),
                float(kinds[p.kind]),
                _number(p.amount_min),
                _number(p.amount_max),
                _number(p.rate_min),
                _number(p.rate_max),
                float(max(p.term_months)) if p.term_months else np.nan,
            )
            for j, p in enumerate(market.products)
        ]
        self.lender_of_product: npt.NDArray[np.int64] = np.array(
            [lenders[p.lender] for p in market.products], dtype=np.int64
        )
        self.product_matrix: FloatMatrix = np.asarray(rows, dtype=np.float64).reshape(
            len(market.products), len(PRODUCT_COLUMNS)
        )

    @property
    def n_applicant_columns(self) -> int:
        return len(self.applicant_features)

    @property
    def product_column(self) -> int:
        """The product index column: it names the pair's product (for groups and shifts), but the
        trees never split on it (training passes it as ``ignored``, docs/method.md section 3)."""
        return self.n_applicant_columns

    @property
    def names(self) -> list[str]:
        """Column names safe for LightGBM (the catalog's names are identifiers already)."""
        return [c.name.replace("@", "product_") for c in self.columns]

    @property
    def categorical(self) -> list[int]:
        return [k for k, c in enumerate(self.columns) if c.categorical]

    @property
    def monotone(self) -> list[int]:
        return [c.monotone for c in self.columns]

    def applicant_matrix(self, values: Values) -> FloatMatrix:
        """One row per applicant, one column per model feature (features absent: unknown)."""
        n = len(next(iter(values.values()))) if values else 0
        out = np.full((n, self.n_applicant_columns), np.nan)
        for k, feature in enumerate(self.applicant_features):
            column = values.get(feature.name)
            if column is not None:
                out[:, k] = column
        return out

    def groups_of(self, X: FloatMatrix) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The lender and product index of each row of a pair matrix."""
        j = self.product_column
        return X[:, j + 1].astype(np.int64), X[:, j].astype(np.int64)

    def pairs(self, applicants: FloatMatrix, rows: IndexArray, products: IndexArray) -> FloatMatrix:
        """The model input for pairs ``(rows[k], products[k])`` of an applicant matrix."""
        a = self.n_applicant_columns
        out = np.empty((len(rows), a + len(PRODUCT_COLUMNS)), dtype=np.float64)
        out[:, :a] = applicants[rows]
        out[:, a:] = self.product_matrix[products]
        return out
