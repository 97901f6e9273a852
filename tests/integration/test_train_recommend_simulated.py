"""Train and recommend on the small simulated market of the shared session fixture."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from loanmatch.adapters.tables import read_table
from loanmatch.domain.rules import PASS
from loanmatch.matching.recommend import recommend_file, recommend_one
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model, sha256_file
from tests.conftest import TrainedMarket


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_model_records_the_hashes_of_the_files_it_was_trained_on(
    trained_market: TrainedMarket,
) -> None:
    meta = json.loads((trained_market.model_dir / "meta.json").read_text(encoding="utf-8"))
    for name, path in (
        ("features", trained_market.features),
        ("products", trained_market.products),
        ("history", trained_market.history),
    ):
        assert meta["inputs"][name]["sha256"] == sha256_file(path)
    assert meta["metrics"]["auc"] > 0.85
    assert meta["metrics"]["ece"] < 0.05


def test_every_recommended_product_passes_all_its_rules(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    out = tmp_path / "recommendations.csv"
    report = recommend_file(
        trained_market.model_dir, trained_market.applicants, out, RecommendPolicy()
    )
    rows = read_rows(out)
    assert report.offers == len(rows) > 0
    bundle = load_model(trained_market.model_dir)
    table = read_table(trained_market.applicants, bundle.market.catalog)
    status = bundle.market.eligibility(table.values).status
    index = {applicant: i for i, applicant in enumerate(table.ids)}
    for row in rows:
        assert status[index[row["applicant_id"]], bundle.market.index_of(row["product_id"])] == PASS
        assert float(row["p_approve"]) >= 0.8
        assert 1 <= int(row["rank"]) <= 3


def test_a_target_approval_threshold_is_certified_on_held_out_pairs(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    bundle = load_model(trained_market.model_dir)
    choice = bundle.target_threshold(0.95, 0.9)
    assert choice.certified
    assert choice.approval >= 0.95
    # the certificate rests on the testing part (three quarters of the held-out applicants) of
    # the held-out pairs among their applicants' best products
    mine = bundle.certification_pairs() & (bundle.selection_p >= choice.threshold)
    assert 0.6 * mine.sum() <= choice.n_pairs < mine.sum()
    assert bundle.selection_y[mine].mean() >= 0.94
    report = recommend_file(
        trained_market.model_dir,
        trained_market.applicants,
        tmp_path / "r.csv",
        RecommendPolicy(target_approval=0.95),
    )
    # a batch of 200+ applicants is certified on its own mix: never above the pooled threshold
    batch = report.choice
    assert batch is not None
    assert batch.certified
    assert report.threshold == batch.threshold <= choice.threshold
    assert batch.approval >= 0.95
    assert all(
        float(r["p_approve"]) >= batch.threshold - 5e-5 for r in read_rows(tmp_path / "r.csv")
    )


def test_one_applicant_hears_about_every_product(trained_market: TrainedMarket) -> None:
    bundle = load_model(trained_market.model_dir)
    table = read_table(trained_market.applicants, bundle.market.catalog)
    catalog = bundle.market.catalog
    for i in range(5):
        record = {
            f.name: f.decode(float(table.values[f.name][i]))
            for f in catalog.features
            if not f.derived
        }
        result = recommend_one(bundle, record, RecommendPolicy(), applicant_id=str(table.ids[i]))
        seen = [o.product.id for o in result.offers] + [e.product.id for e in result.excluded]
        assert sorted(seen) == sorted(bundle.market.product_ids)
        assert all(e.reasons for e in result.excluded)
        assert bool(result.offers) != bool(result.no_offer_reasons)


def test_batch_and_one_by_one_recommendations_agree(
    trained_market: TrainedMarket, tmp_path: Path
) -> None:
    out = tmp_path / "recommendations.csv"
    recommend_file(trained_market.model_dir, trained_market.applicants, out, RecommendPolicy())
    batch = {(r["applicant_id"], r["product_id"]): int(r["rank"]) for r in read_rows(out)}
    bundle = load_model(trained_market.model_dir)
    table = read_table(trained_market.applicants, bundle.market.catalog)
    for i in np.arange(0, len(table.ids), 40):
        record = {
            f.name: f.decode(float(table.values[f.name][i]))
            for f in bundle.market.catalog.features
            if not f.derived
        }
        result = recommend_one(bundle, record, RecommendPolicy())
        one = {(str(table.ids[i]), o.product.id): o.rank for o in result.offers}
        assert one == {k: v for k, v in batch.items() if k[0] == table.ids[i]}
