"""The LightGBM approval model keeps the scikit-learn contract, its seeds and its constraints."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from loanmatch.model.approval import ApprovalModel
from loanmatch.model.features import PairSpace

from .conftest import MARKET, Small


def test_model_follows_the_scikit_learn_estimator_contract(small: Small) -> None:
    model = small.bundle.model
    params = model.get_params()
    assert params["seed"] == 0
    assert params["num_threads"] == 2
    assert clone(model).get_params() == params
    X = np.random.default_rng(0).normal(size=(5, model.n_features_in_))
    proba = model.predict_proba(X)
    assert proba.shape == (5, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X).tolist()) <= {0, 1}


def test_training_twice_with_one_seed_gives_the_same_model() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] + rng.normal(size=2000) > 0).astype(float)
    first = ApprovalModel(n_estimators=30, seed=5).fit(X, y)
    second = ApprovalModel(n_estimators=30, seed=5).fit(X, y)
    assert first.to_text() == second.to_text()


def test_a_higher_value_of_a_monotone_feature_never_lowers_the_score(small: Small) -> None:
    space = PairSpace(MARKET)
    base = space.pairs(
        space.applicant_matrix({k: v[:50] for k, v in small.history.values.items()}),
        np.arange(50),
        np.arange(50) % 4,
    )
    previous = None
    for score in np.linspace(300, 900, 25):
        X = base.copy()
        X[:, 0] = score
        p = small.bundle.model.predict_approval(X)
        if previous is not None:
            assert np.all(p >= previous - 1e-12)
        previous = p


def test_the_model_survives_its_text_form(small: Small) -> None:
    model = small.bundle.model
    again = ApprovalModel.from_text(model.to_text(), **model.get_params())
    X = np.random.default_rng(2).normal(600, 100, size=(20, model.n_features_in_))
    assert np.array_equal(again.predict_approval(X), model.predict_approval(X))


def test_training_needs_both_outcomes() -> None:
    import pytest

    with pytest.raises(ValueError, match="both approvals and declines"):
        ApprovalModel().fit(np.zeros((10, 2)), np.ones(10))


def test_an_ignored_column_is_never_split_on_even_when_it_predicts_everything() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 2] > 0).astype(float)  # column 2 alone decides
    model = ApprovalModel(n_estimators=30, ignored=(2,), categorical=(2,), seed=0).fit(X, y)
    assert 2 not in model.used_columns()
    shuffled = X.copy()
    shuffled[:, 2] = rng.permutation(shuffled[:, 2])
    assert np.array_equal(model.predict_approval(X), model.predict_approval(shuffled))
    assert X[0, 2] != 0.0  # the caller's matrix is untouched


def test_the_trained_trees_never_split_on_the_product_index(small: Small) -> None:
    space = PairSpace(MARKET)
    assert small.bundle.model.get_params()["ignored"] == (space.product_column,)
    assert space.product_column not in small.bundle.model.used_columns()


def test_probabilities_as_labels_are_fitted_with_the_cross_entropy_objective() -> None:
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(4000, 2))
    truth = 0.2 + 0.7 * X[:, 0]
    model = ApprovalModel(objective="cross_entropy", n_estimators=200).fit(X, truth)
    grid = np.column_stack([np.linspace(0.05, 0.95, 10), np.full(10, 0.5)])
    assert np.max(np.abs(model.predict_approval(grid) - (0.2 + 0.7 * grid[:, 0]))) < 0.05


def test_labels_outside_zero_to_one_and_unknown_objectives_are_refused() -> None:
    import pytest

    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        ApprovalModel(objective="cross_entropy").fit(X, np.full(10, 1.5))
    with pytest.raises(ValueError, match="objective must be one of"):
        ApprovalModel(objective="poisson").fit(X, np.linspace(0, 1, 10))
