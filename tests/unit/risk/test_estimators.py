"""The PD estimators on a small synthetic table that names no catalog feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from loanmatch.domain.metrics import auc
from loanmatch.risk import GradientBoostedPD, LogisticBaselinePD, ScorecardPD


def _table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.2, 0.5, 0.3])
    shift = pd.Series(colour).map({"red": 1.0, "green": -0.5, "blue": 0.0}).to_numpy()
    logit = -1.5 + 1.2 * score + shift
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {"score": score, "colour": np.asarray(colour, dtype=object), "noise": rng.normal(size=n)}
    )
    return frame, y


MODELS = [ScorecardPD, GradientBoostedPD, LogisticBaselinePD]


@pytest.mark.parametrize("make", MODELS)
def test_each_pd_model_ranks_defaults_on_held_out_rows(make: type) -> None:
    X, y = _table(1500, 1)
    X_test, y_test = _table(1000, 2)
    model = make().fit(X, y)
    p = model.predict_proba(X_test)
    assert p.shape == (1000, 2)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert auc(p[:, 1], y_test) > 0.7


@pytest.mark.parametrize("make", MODELS)
def test_each_pd_model_follows_the_estimator_contract_and_is_deterministic(make: type) -> None:
    X, y = _table(800, 3)
    model = make()
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    a = model.fit(X, y).predict_proba(X)[:, 1]
    b = twin.fit(X, y).predict_proba(X)[:, 1]
    assert np.array_equal(a, b)


@pytest.mark.parametrize("make", MODELS)
def test_unknown_values_and_unseen_categories_still_get_a_pd(make: type) -> None:
    X, y = _table(800, 4)
    model = make().fit(X, y)
    odd = pd.DataFrame(
        {"score": [np.nan, 0.0], "colour": np.asarray(["purple", None], dtype=object)}
    )  # "noise" absent altogether
    p = model.predict_proba(odd)[:, 1]
    assert np.isfinite(p).all()
    assert ((p > 0) & (p < 1)).all()


def test_the_scorecard_gives_points_that_fall_as_the_pd_rises() -> None:
    X, y = _table(1500, 5)
    model = ScorecardPD().fit(X, y)
    pd_ = model.predict_proba(X)[:, 1]
    points = model.points(X)
    order = np.argsort(pd_)
    assert np.all(np.diff(points[order]) <= 1e-9)
    table = model.points_table()
    assert set(table["feature"]) <= {"score", "colour", "noise"}
    assert "score" in set(table["feature"])


def test_the_scorecard_points_table_adds_up_to_each_rows_score() -> None:
    X, y = _table(1500, 6)
    model = ScorecardPD().fit(X, y)
    table = model.points_table()
    row = X.iloc[[0]]
    total = 0.0
    # Rebuild the total from the bins a row falls in: the bin of each feature matches its WoE.
    woes = model._woe_selected(row)[0]
    for name, woe in zip(model.selected_, woes, strict=True):
        rows = table[(table["feature"] == name) & np.isclose(table["woe"], woe)]
        total += float(rows["points"].iloc[0])
    assert total == pytest.approx(float(model.points(row)[0]), abs=0.1 * len(model.selected_))


def test_a_single_outcome_cannot_be_fitted() -> None:
    X, _ = _table(100, 7)
    with pytest.raises(ValueError, match="both outcomes"):
        ScorecardPD().fit(X, np.zeros(100, dtype=int))


def test_the_models_refuse_a_bare_array() -> None:
    X, y = _table(300, 8)
    with pytest.raises(TypeError, match="DataFrame"):
        GradientBoostedPD().fit(X.to_numpy(), y)  # type: ignore[arg-type]
