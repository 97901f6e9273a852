"""Tabular input of the PD models: a pandas DataFrame, one column per feature.

The PD estimators take any DataFrame: numeric columns are numbers (NaN = unknown); columns of
an object, string or category dtype are categories (missing = unknown). Nothing here names a
feature: :func:`frame_from_values` turns the catalog's encoded ``Values`` into such a frame for
any catalog, leaving out protected attributes (docs/design.md §3: models must never use them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from loanmatch.domain.catalog import Catalog, Values

__all__ = ["as_target", "categorical_columns", "frame_from_values"]


def frame_from_values(
    catalog: Catalog, values: Values, exclude: Iterable[str] = (), include_protected: bool = False
) -> pd.DataFrame:
    """A DataFrame of every catalog feature in ``values`` (categories as their labels)."""
    skip = set(exclude)
    columns: dict[str, object] = {}
    for feature in catalog.features:
        if feature.name in skip or feature.name not in values:
            continue
        if feature.protected and not include_protected:
            continue
        column = np.asarray(values[feature.name], dtype=np.float64)
        if feature.type == "category":
            labels = np.asarray(feature.categories, dtype=object)
            known = ~np.isnan(column)
            out = np.full(column.shape, None, dtype=object)
            out[known] = labels[column[known].astype(np.intp)]
            columns[feature.name] = out
        else:
            columns[feature.name] = column
    return pd.DataFrame(columns)


def categorical_columns(frame: pd.DataFrame, given: Sequence[str] | None = None) -> list[str]:
    """The columns treated as categories: ``given``, else every non-numeric column."""
    if given is not None:
        missing = [c for c in given if c not in frame.columns]
        if missing:
            raise ValueError(f"categorical columns {missing} are not in the data")
        return list(given)
    return [
        str(c)
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]


def as_target(y: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """0/1 labels (1 = default); ``ValueError`` for anything else or a single class."""
    labels = np.asarray(y).ravel()
    if labels.size == 0:
        raise ValueError("no labels")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (repaid) or 1 (default)")
    out = labels.astype(np.int64)
    if out.min() == out.max():
        raise ValueError("both outcomes (repaid and default) are needed to fit a PD model")
    return out
