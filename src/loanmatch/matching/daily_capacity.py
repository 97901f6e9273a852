"""A batch of recommendations within the lenders' daily capacity (``recommend
--daily-capacity``): the file is taken as one day's applicants, and each product with a
``capacity_per_day`` is recommended to at most that many of them.

Who keeps a capped product: the applicants most likely to be approved for it (highest
P(approve); ties by the order of the file), so the capacity goes where it is least wasted. An
applicant who loses a product keeps their other offers, moved up; no product outside the
original selection is added (the selection's inquiry budget and pricing are not re-run).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["within_capacity"]


def within_capacity(
    rank: npt.NDArray[np.int64],
    p_approve: npt.NDArray[np.float64],
    capacities: Sequence[int | None],
) -> tuple[npt.NDArray[np.int64], int]:
    """``rank`` (applicants x products, 0 = not offered) with every product's offers cut to its
    capacity and each applicant's remaining offers ranked 1, 2, ...; and how many offers were
    cut."""
    capped = rank.copy()
    cut = 0
    for j, capacity in enumerate(capacities):
        if capacity is None:
            continue
        rows = np.flatnonzero(capped[:, j] > 0)
        if rows.size <= capacity:
            continue
        order = rows[np.lexsort((rows, -p_approve[rows, j]))]
        dropped = order[capacity:]
        capped[dropped, j] = 0
        cut += int(dropped.size)
    if cut:
        changed = np.flatnonzero((capped != rank).any(axis=1))
        for i in changed:
            offered = np.flatnonzero(capped[i] > 0)
            by_rank = offered[np.argsort(capped[i, offered], kind="stable")]
            capped[i, by_rank] = np.arange(1, by_rank.size + 1)
    return capped, cut
