"""`services.simulate` writes the four section-9 files, and they reload through the adapters."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from loanmatch.adapters.catalog_file import load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import read_table
from loanmatch.services.simulate import SimulateReport, simulate
from loanmatch.simulator import simulate_market

ROWS, APPLICANTS = 5_000, 300
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulateReport, Path]:
    out = tmp_path_factory.mktemp("simulated")
    report = simulate(11, out, n_applicants=APPLICANTS, history_rows=ROWS, missing_rate=0.05)
    return report, out


def test_simulate_writes_the_section_9_files_pricing_loans_and_the_hidden_truth(
    written: tuple[SimulateReport, Path],
) -> None:
    report, out = written
    names = [
        "features.yaml",
        "products.yaml",
        "history.csv",
        "applicants.csv",
        "pricing.yaml",
        "loans.csv",
        "lenders_hidden.npz",
    ]
    assert [p.name for p in report.paths] == names
    assert all((out / name).stat().st_size > 0 for name in names)
    assert report.rows == ROWS
    assert report.applicants == APPLICANTS
    assert report.products >= 60
    assert report.lenders >= 12
    assert 0.0 < report.approval_rate < 1.0
    assert report.seconds > 0


def test_written_files_reload_through_the_adapters_unchanged(
    written: tuple[SimulateReport, Path],
) -> None:
    _, out = written
    catalog = load_catalog(out / "features.yaml")
    market = load_products(out / "products.yaml", catalog)
    history = read_table(out / "history.csv", catalog, "history")
    applicants = read_table(out / "applicants.csv", catalog, "applicants")
    same = simulate_market(11, history_rows=ROWS, n_applicants=APPLICANTS, missing_rate=0.05)
    assert market.product_ids == same.market.product_ids
    assert [p.rules for p in market.products] == [p.rules for p in same.market.products]
    assert history.warnings == ()
    assert applicants.warnings == ()
    np.testing.assert_array_equal(history.ids, same.history.ids)
    np.testing.assert_array_equal(history.product_ids, same.history.product_ids)
    np.testing.assert_array_equal(history.approved, same.history.approved)
    assert history.propensity is not None
    assert same.history.propensity is not None
    np.testing.assert_allclose(history.propensity, same.history.propensity, rtol=1e-9)
    np.testing.assert_array_equal(history.decided_at, same.history.decided_at)
    for name in catalog:
        np.testing.assert_allclose(
            history.values[name], same.history.values[name], rtol=1e-9, err_msg=name
        )
        np.testing.assert_allclose(
            applicants.values[name], same.applicants.values[name], rtol=1e-9, err_msg=name
        )


def test_csv_cells_are_plain_decimals_booleans_and_listed_categories(
    written: tuple[SimulateReport, Path],
) -> None:
    _, out = written
    catalog = load_catalog(out / "features.yaml")
    with (out / "history.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:500]
    for row in rows:
        assert row["approved"] in {"0", "1"}
        for feature in catalog.features:
            cell = row[feature.name]
            if cell == "":
                continue
            if feature.type == "number":
                assert PLAIN_NUMBER.match(cell), (feature.name, cell)
            elif feature.type == "boolean":
                assert cell in {"true", "false"}, (feature.name, cell)
            else:
                assert cell in feature.categories, (feature.name, cell)


def test_the_same_seed_writes_identical_files(
    written: tuple[SimulateReport, Path], tmp_path: Path
) -> None:
    _, out = written
    simulate(11, tmp_path, n_applicants=APPLICANTS, history_rows=ROWS, missing_rate=0.05)
    for name in ("products.yaml", "history.csv", "applicants.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_the_loans_file_holds_approved_history_loans_with_a_default_outcome(
    written: tuple[SimulateReport, Path],
) -> None:
    from loanmatch.adapters.catalog_file import load_catalog
    from loanmatch.adapters.tables import read_table

    _, out = written
    loans = read_table(out / "loans.csv", load_catalog(out / "features.yaml"), kind="loans")
    history = read_table(out / "history.csv", load_catalog(out / "features.yaml"), kind="history")
    assert loans.approved is not None
    assert history.approved is not None
    assert len(loans) == int(history.approved.sum())
    assert 0.0 < float(loans.approved.mean()) < 0.2
