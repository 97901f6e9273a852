"""Train the PD model (scorecard champion) from a loans file for the model directory."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.products import Market
from loanmatch.errors import Location, TableError
from loanmatch.risk.metrics import risk_metrics
from loanmatch.risk.pd_model import PDModel, train_pd_model

__all__ = ["HOLDOUT", "fit_pd_file", "fit_pd_table"]

HOLDOUT = 0.3
"""Share of the loans (by applicant) kept out of fitting to measure the PD model."""


def fit_pd_file(
    loans: Path, market: Market, seed: int = 0
) -> tuple[PDModel, dict[str, float], tuple[str, ...]]:
    """Fit the scorecard on 70% of the loans (split by applicant), measure it on the rest.

    Returns the model, its held-out measures (``pd_auc``, ``pd_ks``, ``pd_brier``, ``pd_ece``,
    ``pd_loans``, ``pd_default_rate``) and the file's warnings. Loans of a product not in the
    market are an error naming the file and row.
    """
    table = read_table(Path(loans), market.catalog, kind="loans", products=market.product_ids)
    return fit_pd_table(table, market, seed, str(loans))


def fit_pd_table(
    table: Table, market: Market, seed: int = 0, loans: str = "<loans>"
) -> tuple[PDModel, dict[str, float], tuple[str, ...]]:
    """:func:`fit_pd_file` on a loans table already read and checked."""
    if table.product_ids is None or table.approved is None:
        raise TableError("no product_id / defaulted columns", Location(file=str(loans)))
    index = {p.id: p.kind for p in market.products}
    unknown = [i for i, p in enumerate(table.product_ids) if p not in index]
    if unknown:
        row = unknown[0]
        raise TableError(
            f"product {table.product_ids[row]!r} is not in products.yaml",
            Location(file=str(loans), line=row + 2, column="product_id"),
        )
    kinds = np.asarray([index[p] for p in table.product_ids], dtype=object)
    default = table.approved.astype(np.int64)
    if default.sum() < 10 or (len(default) - default.sum()) < 10:
        raise TableError(
            "the loans file needs at least 10 defaults and 10 repaid loans",
            Location(file=str(loans)),
        )
    applicants = np.unique(table.ids)
    rng = np.random.default_rng(seed)
    held = set(rng.choice(applicants, size=int(len(applicants) * HOLDOUT), replace=False))
    test = np.fromiter((a in held for a in table.ids), dtype=bool, count=len(table.ids))
    train_values = {k: v[~test] for k, v in table.values.items()}
    model = train_pd_model(market.catalog, train_values, default[~test], kinds[~test], seed=seed)
    test_values = {k: v[test] for k, v in table.values.items()}
    measured = asdict(risk_metrics(model.predict_pd(test_values, kinds[test]), default[test]))
    metrics = {f"pd_{k}": float(v) for k, v in measured.items() if k != "n"}
    metrics["pd_loans"] = float(len(default))
    metrics["pd_holdout"] = float(test.sum())
    return model, metrics, table.warnings
