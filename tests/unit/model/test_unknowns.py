"""An applicant with unknown model features is scored by a pessimistic bound."""

from __future__ import annotations

import numpy as np

from loanmatch.model.features import Column, PairSpace
from loanmatch.model.unknowns import LEARNED_ROWS, WorstCase, over_confident

from .conftest import MARKET, Small


def pairs_of(values: dict[str, np.ndarray], product: int) -> np.ndarray:
    space = PairSpace(MARKET)
    n = len(next(iter(values.values())))
    return space.pairs(
        space.applicant_matrix(values), np.arange(n), np.full(n, product, dtype=np.intp)
    )


def test_an_unknown_monotone_feature_takes_its_worst_training_value(small: Small) -> None:
    worst = small.bundle.worst_case
    assert 300 <= worst.worst[0] < 450
    known = pairs_of(
        {
            "score": np.array([worst.worst[0]]),
            "years": np.array([4.0]),
            "sector": np.array([0.0]),
            "grade": np.array([1.0]),
            "house": np.array([1.0]),
        },
        2,
    )
    unknown = known.copy()
    unknown[0, 0] = np.nan
    model = small.bundle.model
    assert worst.bound(unknown, model.predict_approval)[0] == model.predict_approval(known)[0]


def unknown_applicants(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "score": rng.normal(650, 60, n),
        "years": rng.exponential(5, n),
        "sector": np.full(n, np.nan),
        "grade": rng.integers(0, 3, n).astype(float),
        "house": rng.integers(0, 2, n).astype(float),
    }


def test_one_unknown_feature_is_scored_at_its_worst_grid_value(small: Small) -> None:
    X = pairs_of(unknown_applicants(40), 2)
    model, worst = small.bundle.model, small.bundle.worst_case
    bound = worst.bound(X, model.predict_approval)
    completions = []
    for sector in worst.grid[2]:
        filled = X.copy()
        filled[:, 2] = sector
        completions.append(model.predict_approval(filled))
    expected = np.minimum(np.min(completions, axis=0), model.predict_approval(X))
    assert np.array_equal(bound, expected)


def test_the_bound_is_never_above_the_models_own_unknown_score(small: Small) -> None:
    values = unknown_applicants(40)
    values["years"][:] = np.nan
    values["house"][::2] = np.nan
    X = pairs_of(values, 0)
    model = small.bundle.model
    bound = small.bundle.worst_case.bound(X, model.predict_approval)
    assert np.all(bound <= model.predict_approval(X))
    assert np.any(bound < model.predict_approval(X))


def test_rows_without_unknowns_are_scored_as_they_are(small: Small) -> None:
    values = {k: v[:30] for k, v in small.history.values.items()}
    X = pairs_of(values, 1)
    model = small.bundle.model
    assert np.array_equal(
        small.bundle.worst_case.bound(X, model.predict_approval), model.predict_approval(X)
    )


def test_the_bound_round_trips_through_plain_numbers(small: Small) -> None:
    from loanmatch.model.unknowns import WorstCase

    worst = small.bundle.worst_case
    assert WorstCase.from_dict(worst.to_dict()) == worst


def test_a_column_often_unknown_in_training_keeps_its_learned_unknown_branch() -> None:
    space = PairSpace(MARKET)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4 * LEARNED_ROWS, len(space.columns)))
    X[:LEARNED_ROWS, 1] = np.nan  # a quarter of the rows: learned
    X[:3, 2] = np.nan  # three rows: never really learned
    columns: list[Column] = list(space.columns)
    bound = WorstCase.from_training(X, columns, frozenset(range(len(columns))))
    assert 1 not in bound.columns
    assert 2 in bound.columns


def test_a_learned_unknown_branch_over_confident_at_the_top_is_distrusted() -> None:
    rng = np.random.default_rng(4)
    q = rng.uniform(0.8, 1.0, 400)
    unknown = np.ones(q.size, dtype=bool)
    honest = (rng.random(q.size) < q).astype(float)
    boastful = (rng.random(q.size) < q - 0.2).astype(float)
    assert not over_confident(q, honest, unknown)
    assert over_confident(q, boastful, unknown)
    assert not over_confident(q[:20], boastful[:20], unknown[:20])  # too few to say
