"""Train an approval model from section-9 files into a versioned model directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loanmatch.adapters.catalog_file import catalog_formulas, load_catalog
from loanmatch.adapters.pricing_file import load_pricing
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import Table, TableKind, read_table
from loanmatch.domain.formula import Expr
from loanmatch.domain.pricing import PricingBook
from loanmatch.domain.products import Market
from loanmatch.domain.progress import Progress
from loanmatch.error_list import ErrorList
from loanmatch.errors import Location, TableError
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import save_model
from loanmatch.model.training import History, fit_bundle
from loanmatch.services.risk import fit_pd_table

__all__ = ["CheckedInputs", "TrainReport", "check_inputs", "fit_table", "train"]


@dataclass(frozen=True)
class TrainReport:
    """What training did: rows used, held-out measures, where the model is."""

    model_dir: Path
    rows: int
    rows_rule_fail: int
    rows_train: int
    rows_calibration: int
    rows_selection: int
    auc: float
    ece: float
    brier: float
    calibration: str
    trees: int
    seconds: float
    warnings: tuple[str, ...] = field(default_factory=tuple)
    priced: bool = False
    pd_auc: float | None = None
    pd_ece: float | None = None
    drift: dict[str, Any] = field(default_factory=dict)
    """With dated history: the latest period's approval against what the trees learned on the
    earlier one, pooled and for each lender that changed (``model/training.period_drift``)."""

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["model_dir"] = str(self.model_dir)
        out["warnings"] = list(self.warnings)
        return out


def fit_table(
    market: Market,
    table: Table,
    seed: int = 0,
    formulas: Mapping[str, Expr] | None = None,
    progress: Progress | None = None,
    file: str = "<history>",
) -> ModelBundle:
    """Fit a model on a history table in memory; a problem with the history is a TableError."""
    if table.product_ids is None or table.approved is None:
        raise TableError("this table has no product_id / approved columns", Location(file=file))
    history = History(table.ids, table.values, table.product_ids, table.approved, table.decided_at)
    try:
        return fit_bundle(market, history, seed=seed, formulas=formulas, progress=progress)
    except ValueError as error:
        raise TableError(str(error), Location(file=file)) from None


@dataclass(frozen=True)
class CheckedInputs:
    """The inputs of :func:`train`, each loaded and checked against the others."""

    market: Market
    history: Table
    pricing: PricingBook | None = None
    loans: Table | None = None
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()


def check_inputs(
    features: Path,
    products: Path,
    history: Path,
    pricing: Path | None = None,
    loans: Path | None = None,
) -> CheckedInputs:
    """Load and check every input BEFORE any training: the catalog, the products' rules, the
    pricing, and the whole of each CSV (header, every cell, every product id). The CSVs'
    problems are reported together, in file order (history, then loans), up to the limit; a
    malformed catalog, products or pricing file stops at its first problem (the others are
    checked against it)."""
    catalog = load_catalog(Path(features))
    market = load_products(Path(products), catalog)
    priced = load_pricing(Path(pricing), market) if pricing is not None else None
    errors = ErrorList()
    tables: list[Table | None] = []
    files: tuple[tuple[Path | None, TableKind], ...] = ((history, "history"), (loans, "loans"))
    for path, kind in files:
        if path is None:
            tables.append(None)
            continue
        try:
            tables.append(read_table(Path(path), catalog, kind, products=market.product_ids))
        except TableError as error:
            for problem in error.problems or (error,):
                errors.add(problem)
            errors.dropped += error.more
            tables.append(None)
    errors.raise_if_any(TableError)
    table, loans_table = tables
    assert table is not None  # the history was read, or its problems were raised above
    read = [t for t in (table, loans_table) if t is not None]
    return CheckedInputs(
        market=market,
        history=table,
        pricing=priced,
        loans=loans_table,
        warnings=tuple(w for t in read for w in t.warnings),
        warnings_zh=tuple(w for t in read for w in t.warnings_zh),
    )


def train(
    features: Path,
    products: Path,
    history: Path,
    model_dir: Path,
    seed: int = 0,
    progress: Progress | None = None,
    pricing: Path | None = None,
    loans: Path | None = None,
    warn: Callable[[str, str], None] | None = None,
) -> TrainReport:
    """Load the catalog, products and history, train, calibrate, and write ``model_dir``.

    With ``loans`` (loans.csv: applicant features, ``product_id``, ``defaulted`` 1/0) the
    directory also holds the PD model (scorecard); with ``pricing`` (pricing.yaml) a copy of the
    lenders' pricing. Offers are priced only when both are there. Every input is checked first
    (:func:`check_inputs`): a bad file fails before any training, naming its file, line and
    column; ``warn(en, zh)`` hears each warning (a column absent or ignored) once the inputs are
    checked, before training starts.
    """
    started = time.perf_counter()
    checked = check_inputs(features, products, history, pricing, loans)
    if warn is not None:
        for pair in zip(checked.warnings, checked.warnings_zh, strict=True):
            warn(*pair)
    market, table = checked.market, checked.history
    formulas = catalog_formulas(market.catalog, str(features))
    bundle = fit_table(market, table, seed, formulas, progress, file=str(history))
    inputs = {"features": Path(features), "products": Path(products), "history": Path(history)}
    warnings = checked.warnings
    if checked.pricing is not None and pricing is not None:
        bundle = replace(bundle, pricing=checked.pricing)
        inputs["pricing"] = Path(pricing)
    if checked.loans is not None and loans is not None:
        if progress is not None:
            progress("risk", 0, 1)
        pd_model, risk, _ = fit_pd_table(checked.loans, market, seed, str(loans))
        bundle = replace(bundle, pd_model=pd_model, risk_metrics=risk)
        inputs["loans"] = Path(loans)
        if progress is not None:
            progress("risk", 1, 1)
    save_model(bundle, Path(model_dir), inputs)
    m = bundle.metrics
    return TrainReport(
        model_dir=Path(model_dir),
        rows=int(m["rows"]),
        rows_rule_fail=int(m["rows_rule_fail"]),
        rows_train=int(m["rows_train"]),
        rows_calibration=int(m["rows_calibration"]),
        rows_selection=int(m["rows_selection"]),
        auc=m["auc"],
        ece=m["ece"],
        brier=m["brier"],
        calibration=bundle.calibrator.method,
        trees=int(m["trees"]),
        seconds=time.perf_counter() - started,
        warnings=warnings,
        priced=bundle.pricing is not None and bundle.pd_model is not None,
        pd_auc=bundle.risk_metrics.get("pd_auc"),
        pd_ece=bundle.risk_metrics.get("pd_ece"),
        drift=dict(bundle.info.get("drift", {})),
    )
