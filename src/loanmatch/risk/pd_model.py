"""A trained PD model bound to a catalog: what pricing and ranking call.

The model's inputs are the catalog's features (protected attributes left out, docs/design.md §3)
plus the product's ``kind`` from products.yaml as one category column (``product_kind``), so
one model prices every product. Nothing here names a catalog feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from loanmatch.domain.catalog import Catalog, Values
from loanmatch.risk.frame import frame_from_values
from loanmatch.risk.gbdt import GradientBoostedPD
from loanmatch.risk.scorecard import ScorecardPD
from loanmatch.risk.tiers import DEFAULT_CUTS, assign_tiers

__all__ = ["PRODUCT_KIND", "PDModel", "pd_frame", "train_pd_model"]

PRODUCT_KIND = "product_kind"
ModelKind = Literal["scorecard", "gbdt"]


def pd_frame(
    catalog: Catalog, values: Values, kinds: npt.ArrayLike | str | None = None
) -> pd.DataFrame:
    """The PD models' input: catalog features, and the product kind when given (one kind for
    every row, or one per row)."""
    frame = frame_from_values(catalog, values)
    if kinds is not None:
        n = len(frame)
        column = np.full(n, kinds, dtype=object) if isinstance(kinds, str) else np.asarray(kinds)
        frame[PRODUCT_KIND] = np.asarray(column, dtype=object)
    return frame


@dataclass(frozen=True)
class PDModel:
    """A fitted PD estimator with the catalog it reads and the tier cut-offs it reports."""

    estimator: ScorecardPD | GradientBoostedPD
    catalog: Catalog
    uses_kind: bool
    cuts: Sequence[float] = DEFAULT_CUTS

    def predict_pd(
        self, values: Values, kinds: npt.ArrayLike | str | None = None
    ) -> npt.NDArray[np.float64]:
        """12-month PD of each applicant (for the product kind(s) given)."""
        frame = pd_frame(self.catalog, values, kinds if self.uses_kind else None)
        return np.asarray(self.estimator.predict_proba(frame)[:, 1], dtype=np.float64)

    def tiers(
        self, values: Values, kinds: npt.ArrayLike | str | None = None
    ) -> npt.NDArray[np.object_]:
        """Tier A-E of each applicant."""
        return assign_tiers(self.predict_pd(values, kinds), self.cuts)


def train_pd_model(
    catalog: Catalog,
    values: Values,
    default: npt.ArrayLike,
    kinds: npt.ArrayLike | None = None,
    model: ModelKind = "scorecard",
    seed: int = 0,
) -> PDModel:
    """Fit the scorecard (champion) or the GBDT (challenger) on loans and their outcomes."""
    frame = pd_frame(catalog, values, kinds)
    categorical = [f.name for f in catalog.features if f.type == "category" and f.name in frame]
    if kinds is not None:
        categorical.append(PRODUCT_KIND)
    estimator: ScorecardPD | GradientBoostedPD = (
        ScorecardPD(categorical=categorical, seed=seed)
        if model == "scorecard"
        else GradientBoostedPD(categorical=categorical, seed=seed)
    )
    estimator.fit(frame, np.asarray(default))
    return PDModel(estimator=estimator, catalog=catalog, uses_kind=kinds is not None)
