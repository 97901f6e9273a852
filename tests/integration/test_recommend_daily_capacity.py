"""``loanmatch recommend --daily-capacity``: the file as one day's applicants, no product
recommended to more of them than its ``capacity_per_day``."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.model.directory import load_model, sha256_file
from tests.conftest import TrainedMarket

CAPACITY = 3


def _with_small_capacities(trained_market: TrainedMarket, to: Path) -> Path:
    shutil.copytree(trained_market.model_dir, to)
    products = to / "products.yaml"
    text = products.read_text(encoding="utf-8")
    products.write_text(re.sub(r"capacity_per_day: \d+", f"capacity_per_day: {CAPACITY}", text),
                        encoding="utf-8")  # fmt: skip
    meta = json.loads((to / "meta.json").read_text(encoding="utf-8"))
    meta["files"]["products.yaml"] = sha256_file(products)  # the operator's edit, re-recorded
    (to / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return to


def _counts(path: Path) -> Counter[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return Counter(row["product_id"] for row in csv.DictReader(handle))


def test_no_product_is_recommended_past_its_daily_capacity(
    trained_market: TrainedMarket, tmp_path: Path, fresh_settings: None
) -> None:
    model_dir = _with_small_capacities(trained_market, tmp_path / "model")
    capacities = {p.id: p.capacity_per_day for p in load_model(model_dir).market.products}
    assert set(capacities.values()) == {CAPACITY}
    runs = {}
    for name, extra in (("all", []), ("daily", ["--daily-capacity"])):
        out = tmp_path / f"{name}.csv"
        done = CliRunner().invoke(app, ["recommend", "--model-dir", str(model_dir),
                                        "--applicants", str(trained_market.applicants),
                                        "--out", str(out), *extra])  # fmt: skip
        assert done.exit_code == 0, done.output
        runs[name] = _counts(out)
    assert max(runs["all"].values()) > CAPACITY, "the test needs a product over its capacity"
    assert all(n <= CAPACITY for n in runs["daily"].values())
    assert set(runs["daily"]) == set(runs["all"]), "every product still goes to someone"
