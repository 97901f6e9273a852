"""A day's batch within the products' capacity: the most likely approvals keep a capped
product, the others keep their other offers moved up, and nothing else changes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from loanmatch.matching.daily_capacity import within_capacity


def test_a_capped_product_goes_to_the_likeliest_approvals_and_the_rest_move_up() -> None:
    rank = np.array([[1, 2], [1, 0], [2, 1]], dtype=np.int64)
    p = np.array([[0.90, 0.85], [0.95, 0.0], [0.80, 0.99]])
    capped, cut = within_capacity(rank, p, [2, None])
    assert cut == 1
    assert capped.tolist() == [[1, 2], [1, 0], [0, 1]]


def test_without_capacities_nothing_changes() -> None:
    rank = np.array([[1, 2], [2, 1]], dtype=np.int64)
    capped, cut = within_capacity(rank, np.full((2, 2), 0.9), [None, None])
    assert cut == 0
    assert (capped == rank).all()


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, (12, 4), elements=st.floats(0, 1)),
    st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=4, max_size=4),
    st.integers(0, 2**32 - 1),
)
def test_no_product_passes_its_capacity_and_ranks_stay_one_to_n(
    p: np.ndarray, capacities: list[int | None], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    rank = np.zeros((12, 4), dtype=np.int64)
    for i in range(12):
        chosen = rng.permutation(4)[: rng.integers(0, 4)]
        rank[i, chosen] = np.arange(1, chosen.size + 1)
    capped, cut = within_capacity(rank, p, capacities)
    for j, capacity in enumerate(capacities):
        if capacity is not None:
            assert (capped[:, j] > 0).sum() <= capacity
    assert int((rank > 0).sum() - (capped > 0).sum()) == cut
    assert ((capped > 0) <= (rank > 0)).all(), "nothing is added"
    for i in range(12):
        shown = sorted(capped[i][capped[i] > 0].tolist())
        assert shown == list(range(1, len(shown) + 1))
        kept = np.flatnonzero(capped[i] > 0)
        assert list(kept[np.argsort(capped[i, kept])]) == list(kept[np.argsort(rank[i, kept])])
