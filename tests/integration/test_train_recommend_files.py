"""Train and recommend from hand-written section-9 files of a market unlike the default one.

Other feature names, other products and lenders, a derived feature: nothing in the pipeline may
depend on the default catalog. Also: the model directory is complete, self-contained, atomic,
and refuses to load when corrupt, missing or inconsistent.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from loanmatch.adapters.catalog_file import load_catalog
from loanmatch.adapters.tables import Table, write_table
from loanmatch.errors import ModelError, TableError
from loanmatch.matching.recommend import recommend_file, recommend_one
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services.train import train

FEATURES = """
- {name: turnover, type: number, min: 0, monotone: 1, label: {zh: 营业额, en: turnover}}
- {name: debt, type: number, min: 0, monotone: -1}
- {name: debt_share, type: number, source: derived, formula: "debt / max(turnover, 1)"}
- {name: trade, type: category, categories: [retail, food, repair, transport]}
- {name: licensed, type: boolean}
- {name: band, type: category, categories: [gold, silver, bronze], monotone: -1}
- {name: ethnicity, type: category, categories: [x, y], protected: true}
"""

PRODUCTS = """
- id: quick
  lender: coop_bank
  kind: microloan
  amount: {min: 10000, max: 200000}
  rate: {min: 0.06, max: 0.12}
  term_months: [6, 12]
  rules:
    - "licensed == true"
- id: trade_line
  lender: city_bank
  kind: trade
  rate: {min: 0.045, max: 0.08}
  rules:
    - rule: "band in [gold, silver]"
      dimension: user
      reason: {zh: 等级需为金或银, en: Band gold or silver}
    - "debt_share <= 0.8"
- id: haulage
  lender: city_bank
  rules:
    - "trade == transport"
- id: open
  lender: fintech
  rules: []
"""

EFFECT = {"quick": 0.3, "trade_line": 0.8, "haulage": 0.0, "open": -0.6}


def write_market(
    root: Path, n_applicants: int = 2500, seed: int = 0
) -> tuple[Path, Path, Path, Path]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "features.yaml").write_text(FEATURES, encoding="utf-8")
    (root / "products.yaml").write_text(PRODUCTS, encoding="utf-8")
    catalog = load_catalog(root / "features.yaml")
    rng = np.random.default_rng(seed)

    def people(n: int) -> dict[str, np.ndarray]:
        return {
            "turnover": rng.lognormal(13, 1, n).round(),
            "debt": rng.lognormal(11, 1.5, n).round(),
            "trade": rng.integers(0, 4, n).astype(float),
            "licensed": rng.integers(0, 2, n).astype(float),
            "band": rng.integers(0, 3, n).astype(float),
            "ethnicity": rng.integers(0, 2, n).astype(float),
        }

    base = people(n_applicants)
    base["turnover"][rng.random(n_applicants) < 0.1] = np.nan
    rows = np.repeat(np.arange(n_applicants), 3)
    products = np.array(list(EFFECT))[rng.integers(0, 4, rows.size)]
    values = {k: v[rows] for k, v in base.items()}
    values["debt_share"] = values["debt"] / np.maximum(values["turnover"], 1)
    z = (
        np.log(np.nan_to_num(values["turnover"], nan=3e5))
        - 13
        - 0.9 * values["band"]
        + np.where(values["trade"] == 1, -1.0, 0.4)
        + np.array([EFFECT[p] for p in products])
        + 0.8
    )
    approved = rng.random(rows.size) < 1 / (1 + np.exp(-2 * z))
    history = Table(
        ids=np.array([f"h{i}" for i in rows], dtype=object),
        values={k: values[k] for k in catalog},
        product_ids=products.astype(object),
        approved=approved.astype(np.int8),
    )
    write_table(root / "history.csv", history, catalog)
    fresh = people(300)
    fresh["band"][:30] = np.nan
    write_table(
        root / "applicants.csv",
        Table(
            ids=np.array([f"n{i}" for i in range(300)], dtype=object),
            values=fresh | {"debt_share": np.full(300, np.nan)},
        ),
        catalog,
    )
    return (
        root / "features.yaml",
        root / "products.yaml",
        root / "history.csv",
        root / "applicants.csv",
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("other-market")
    features, products, history, applicants = write_market(root / "market")
    report = train(features, products, history, root / "model", seed=1)
    assert report.rows == 7500
    assert report.rows_rule_fail > 0
    assert report.auc > 0.75
    return root / "model", applicants


def test_the_model_directory_holds_everything_needed(trained: tuple[Path, Path]) -> None:
    model_dir, _ = trained
    names = {p.name for p in model_dir.iterdir()}
    assert names == {
        "meta.json",
        "model.txt",
        "features.yaml",
        "products.yaml",
        "selection.csv",
        "reference.csv",
    }
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["format_version"] == 3
    assert meta["created_at"]
    assert set(meta["inputs"]) == {"features", "history", "products"}
    assert all(len(v["sha256"]) == 64 for v in meta["inputs"].values())
    assert {"lightgbm", "numpy", "scikit-learn"} <= set(meta["libraries"])
    assert {"auc", "ece", "brier"} <= set(meta["metrics"])
    assert "ethnicity" not in meta["columns"]


def test_a_model_loads_and_recommends_without_the_original_inputs(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_dir, _applicants = trained
    moved = tmp_path / "elsewhere"
    shutil.copytree(model_dir, moved)
    bundle = load_model(moved)
    assert bundle.market.product_ids == ("quick", "trade_line", "haulage", "open")
    result = recommend_one(
        bundle,
        {
            "turnover": 2_000_000,
            "debt": 10_000,
            "trade": "transport",
            "licensed": True,
            "band": "gold",
        },
        RecommendPolicy(threshold=0.5),
    )
    assert result.offers
    assert {o.product.id for o in result.offers} | {e.product.id for e in result.excluded} == set(
        bundle.market.product_ids
    )


def test_recommendations_file_lists_ranked_offers_above_the_threshold(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_dir, applicants = trained
    out = tmp_path / "recommendations.csv"
    report = recommend_file(
        model_dir, applicants, out, RecommendPolicy(threshold=0.6, max_offers=2)
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["applicant_id", "product_id", "p_approve", "rank"]
    assert report.offers == len(rows) > 0
    assert all(float(r["p_approve"]) >= 0.6 for r in rows)
    per_applicant: dict[str, list[int]] = {}
    for r in rows:
        per_applicant.setdefault(r["applicant_id"], []).append(int(r["rank"]))
    assert all(
        ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 2
        for ranks in per_applicant.values()
    )
    assert report.covered == len(per_applicant)
    # applicants without a band cannot be checked against trade_line's rules: never offered it
    unknown_band = {f"n{i}" for i in range(30)}
    assert not any(
        r["product_id"] == "trade_line" and r["applicant_id"] in unknown_band for r in rows
    )


def test_a_target_approval_picks_a_threshold_on_held_out_data(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_dir, applicants = trained
    report = recommend_file(
        model_dir, applicants, tmp_path / "r.csv", RecommendPolicy(target_approval=0.9)
    )
    assert report.certified
    assert 0.5 < report.threshold < 1.0
    assert report.to_dict()["target_approval"] == 0.9


def test_a_missing_model_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run `loanmatch train` first"):
        load_model(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: (d / "model.txt").write_text("tree\n", encoding="utf-8"),
            "model.txt does not match",
        ),
        (lambda d: (d / "products.yaml").unlink(), "products.yaml is missing"),
        (lambda d: (d / "meta.json").write_text("{", encoding="utf-8"), "meta.json is unreadable"),
        (lambda d: (d / "meta.json").unlink(), "not a loanmatch model directory"),
    ],
)
def test_a_damaged_model_directory_is_a_model_error(
    trained: tuple[Path, Path], tmp_path: Path, damage: object, message: str
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(trained[0], copy)
    damage(copy)  # type: ignore[operator]
    with pytest.raises(ModelError, match=message):
        load_model(copy)


def test_a_model_of_another_format_version_is_refused(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(trained[0], copy)
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = 99
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="format version 99"):
        load_model(copy)


def test_a_failed_training_leaves_the_previous_model_untouched(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    root = tmp_path / "market"
    features, products, history, _ = write_market(root, n_applicants=50)
    model_dir = tmp_path / "model"
    shutil.copytree(trained[0], model_dir)
    before = (model_dir / "meta.json").read_bytes()
    history.write_text(
        history.read_text(encoding="utf-8").replace(",quick,", ",ghost,"), encoding="utf-8"
    )
    with pytest.raises(TableError, match="ghost"):
        train(features, products, history, model_dir)
    assert (model_dir / "meta.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["market", "model"]
