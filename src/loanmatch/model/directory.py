"""The versioned model directory: everything needed to recommend, without the original inputs.

::

    model_dir/
      meta.json       format version, created_at, library versions, sha256 of the inputs and of
                      every file here, training metrics, calibration, unknown-value bound,
                      column names, rule failure rates
      model.txt       the LightGBM booster (its own text format)
      features.yaml   copy of the catalog trained with
      products.yaml   copy of the products trained with
      selection.csv   held-out selection split: p (decision probability), approved, applicant
                      (a number), product (an index into products.yaml), rank (among the
                      applicant's products by p; -1 not scored)
      reference.csv   held-out applicants' best pairs over every product: p, lender (an index
                      into the lenders in order of appearance)
      pd_model.pkl    optional: the default-risk (PD) model, pickled (loaded only after its
                      sha256 matches meta.json)
      pricing.yaml    optional: copy of the lenders' pricing configuration

A directory without the two optional files loads as before: offers are then unpriced.

Written through ``atomic_directory``: a reader sees the old directory or the new one, never half.
``load_model`` checks the format version and every file's hash, reloads the market from the
copies, and checks the model's columns against it; any problem is a ``ModelError``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import pickle
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from loanmatch.adapters.atomic import atomic_directory
from loanmatch.adapters.catalog_file import catalog_formulas, load_catalog
from loanmatch.adapters.pricing_file import load_pricing
from loanmatch.adapters.products_file import load_products
from loanmatch.domain.pricing import PricingBook
from loanmatch.domain.products import Market
from loanmatch.errors import LoanMatchError, Location, ModelError
from loanmatch.model.approval import ApprovalModel
from loanmatch.model.bundle import FORMAT_VERSION, ModelBundle
from loanmatch.model.calibration import Calibrator, GroupShift
from loanmatch.model.features import PairSpace
from loanmatch.model.selection_bias import RankShift
from loanmatch.model.unknowns import WorstCase
from loanmatch.risk.pd_model import PDModel

__all__ = ["FILES", "OPTIONAL_FILES", "load_model", "model_id", "save_model", "sha256_file"]

FILES = ("model.txt", "features.yaml", "products.yaml", "selection.csv", "reference.csv")
OPTIONAL_FILES = ("pd_model.pkl", "pricing.yaml")
SELECTION_HEADER = "p,approved,applicant,product,rank"
LIBRARIES = ("loanmatch", "lightgbm", "numpy", "scikit-learn", "scipy", "pandas")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def save_model(
    bundle: ModelBundle,
    model_dir: Path,
    inputs: dict[str, Path],
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """Write ``bundle`` to ``model_dir`` atomically; ``inputs`` maps ``features``, ``products``
    and ``history`` to the files trained on (the first two are copied in), and optionally
    ``pricing`` (copied in) and ``loans`` (the PD model's training file). Returns the meta."""
    when = created_at or datetime.now(UTC)
    with atomic_directory(Path(model_dir)) as tmp:
        (tmp / "model.txt").write_text(bundle.model.to_text(), encoding="utf-8")
        (tmp / "features.yaml").write_bytes(Path(inputs["features"]).read_bytes())
        (tmp / "products.yaml").write_bytes(Path(inputs["products"]).read_bytes())
        selection = io.StringIO()
        selection.write(SELECTION_HEADER + "\n")
        n = bundle.selection_p.size
        group = bundle.selection_group if bundle.selection_group.size else np.arange(n)
        product = bundle.selection_product if bundle.selection_product.size else np.full(n, -1)
        rank = bundle.selection_rank if bundle.selection_rank.size else np.full(n, -1)
        for row in zip(
            bundle.selection_p.tolist(),
            bundle.selection_y.tolist(),
            group.tolist(),
            product.tolist(),
            rank.tolist(),
            strict=True,
        ):
            p, y, g, j, k = row
            selection.write(f"{p!r},{int(y)},{int(g)},{int(j)},{int(k)}\n")
        (tmp / "selection.csv").write_text(selection.getvalue(), encoding="utf-8")
        reference = io.StringIO()
        reference.write("p,lender\n")
        for p, g in zip(bundle.reference_p.tolist(), bundle.reference_lender.tolist(), strict=True):
            reference.write(f"{p!r},{int(g)}\n")
        (tmp / "reference.csv").write_text(reference.getvalue(), encoding="utf-8")
        written = list(FILES)
        if bundle.pd_model is not None:
            (tmp / "pd_model.pkl").write_bytes(pickle.dumps(bundle.pd_model, protocol=5))
            written.append("pd_model.pkl")
        if bundle.pricing is not None and "pricing" in inputs:
            (tmp / "pricing.yaml").write_bytes(Path(inputs["pricing"]).read_bytes())
            written.append("pricing.yaml")
        meta: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "created_at": when.isoformat(),
            "libraries": _versions(),
            "inputs": {
                name: {"file": str(path), "sha256": sha256_file(Path(path))}
                for name, path in sorted(inputs.items())
            },
            "files": {name: sha256_file(tmp / name) for name in written},
            "metrics": {k: _finite(float(v)) for k, v in bundle.metrics.items()},
            "columns": bundle.space.names,
            "products": list(bundle.market.product_ids),
            "model_params": {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in bundle.model.get_params().items()
            },
            "drift": bundle.info.get("drift", {}),
            "calibration": bundle.calibrator.to_dict(),
            "group_shift": bundle.shift.to_dict(),
            "rank_shift": bundle.rank_shift.to_dict(),
            "worst_case": bundle.worst_case.to_dict(),
            "rule_fail_rate": [list(r) for r in bundle.rule_fail_rate],
            "risk": {k: _finite(float(v)) for k, v in bundle.risk_metrics.items()},
        }
        text = json.dumps(meta, ensure_ascii=False, indent=2, allow_nan=False)
        (tmp / "meta.json").write_text(text + "\n", encoding="utf-8")
    return meta


def _fail(model_dir: Path, message: str) -> ModelError:
    return ModelError(message, Location(file=str(model_dir)))


def _read_meta(model_dir: Path) -> dict[str, Any]:
    if not model_dir.is_dir():
        raise _fail(model_dir, "no model directory here; run `loanmatch train` first")
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        raise _fail(model_dir, "meta.json is missing: this is not a loanmatch model directory")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _fail(model_dir, f"meta.json is unreadable or corrupt ({error})") from None
    if not isinstance(meta, dict):
        raise _fail(model_dir, "meta.json is corrupt (not an object)")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise _fail(
            model_dir,
            f"model format version {version!r} is not the supported {FORMAT_VERSION}; "
            "retrain with this version of loanmatch",
        )
    hashes = meta.get("files")
    if not isinstance(hashes, dict):
        raise _fail(model_dir, "meta.json lists no file hashes")
    optional = [name for name in OPTIONAL_FILES if name in hashes]
    for name in (*FILES, *optional):
        path = model_dir / name
        if not path.is_file():
            raise _fail(model_dir, f"{name} is missing")
        if sha256_file(path) != hashes.get(name):
            message = f"{name} does not match its recorded sha256 (changed or corrupt)"
            raise _fail(model_dir, message)
    return meta


def _read_selection(path: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != SELECTION_HEADER:
        raise ValueError(f"selection.csv has no {SELECTION_HEADER!r} header")
    rows = [tuple(float(cell) for cell in line.split(",")) for line in lines[1:] if line]
    if any(len(row) != 5 for row in rows):
        raise ValueError("selection.csv has a row without exactly five cells")
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 5)


def _read_reference(path: Path, n_lenders: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "p,lender":
        raise ValueError("reference.csv has no 'p,lender' header")
    rows = [tuple(float(cell) for cell in line.split(",")) for line in lines[1:] if line]
    if any(len(row) != 2 or not 0 <= row[1] < n_lenders for row in rows):
        raise ValueError("reference.csv has a row that is not 'p,lender' with a known lender")
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 2)


def model_id(model_dir: Path) -> str:
    """``sha256:`` and 16 hex digits of the SHA-256 of the directory's meta.json: the model's
    identity recorded with every application (``docs/ledger.md``)."""
    return "sha256:" + sha256_file(Path(model_dir) / "meta.json")[:16]


def load_model(model_dir: Path) -> ModelBundle:
    """Load a model directory written by ``save_model``; a ``ModelError`` says what is wrong."""
    model_dir = Path(model_dir)
    meta = _read_meta(model_dir)
    try:
        catalog = load_catalog(model_dir / "features.yaml")
        market = load_products(model_dir / "products.yaml", catalog)
        formulas = catalog_formulas(catalog, str(model_dir / "features.yaml"))
    except LoanMatchError as error:
        raise _fail(model_dir, f"the copied catalog or products do not load: {error}") from None
    try:
        params = dict(meta["model_params"])
        params["categorical"] = tuple(params.get("categorical", ()))
        params["monotone"] = tuple(params.get("monotone", ()))
        model = ApprovalModel.from_text((model_dir / "model.txt").read_text("utf-8"), **params)
        calibrator = Calibrator.from_dict(meta["calibration"])
        shift = GroupShift.from_dict(meta.get("group_shift", {}))
        rank_shift = RankShift.from_dict(meta.get("rank_shift", {}))
        worst_case = WorstCase.from_dict(meta["worst_case"])
        table = _read_selection(model_dir / "selection.csv")
        reference = _read_reference(model_dir / "reference.csv", len(market.lenders))
        metrics = {k: math.nan if v is None else float(v) for k, v in meta["metrics"].items()}
        fail_rate = tuple(tuple(float(x) for x in row) for row in meta["rule_fail_rate"])
    except Exception as error:  # a corrupt part of the directory, whatever the library raises
        raise _fail(model_dir, f"the model directory is corrupt: {error}") from None
    pd_model, pricing = _read_extras(model_dir, meta, market)
    space = PairSpace(market)
    if meta.get("columns") != space.names or model.n_features_in_ != len(space.columns):
        raise _fail(model_dir, "the model's columns do not match its catalog and products")
    if meta.get("products") != list(market.product_ids) or len(fail_rate) != len(market.products):
        raise _fail(model_dir, "the model's products do not match products.yaml")
    return ModelBundle(
        market=market,
        model=model,
        calibrator=calibrator,
        shift=shift,
        rank_shift=rank_shift,
        worst_case=worst_case,
        reference_p=reference[:, 0].copy(),
        reference_lender=reference[:, 1].astype(np.int64),
        selection_p=table[:, 0].copy(),
        selection_y=table[:, 1].copy(),
        selection_group=table[:, 2].astype(np.int64),
        selection_rank=table[:, 4].astype(np.int64),
        selection_product=_products_or_empty(table[:, 3], len(market.products), model_dir),
        metrics=metrics,
        rule_fail_rate=fail_rate,
        formulas=formulas,
        info={
            **{k: meta[k] for k in ("format_version", "created_at", "libraries", "inputs")},
            "drift": meta.get("drift", {}),
            "model_id": model_id(model_dir),
        },
        pd_model=pd_model,
        pricing=pricing,
        risk_metrics={
            k: math.nan if v is None else float(v) for k, v in meta.get("risk", {}).items()
        },
    )


def _products_or_empty(
    column: np.ndarray[Any, np.dtype[np.float64]], n_products: int, model_dir: Path
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The selection pairs' products; empty when they were not recorded (-1)."""
    products = column.astype(np.int64)
    if products.size and (products < 0).all():
        return np.empty(0, dtype=np.int64)
    if ((products < 0) | (products >= n_products)).any():
        raise _fail(model_dir, "selection.csv names a product that products.yaml does not have")
    return products


def _read_extras(
    model_dir: Path, meta: dict[str, Any], market: Market
) -> tuple[PDModel | None, PricingBook | None]:
    """The optional PD model and pricing (their hashes were checked by ``_read_meta``)."""
    hashes = meta["files"]
    pd_model: PDModel | None = None
    pricing: PricingBook | None = None
    if "pd_model.pkl" in hashes:
        try:
            loaded = pickle.loads((model_dir / "pd_model.pkl").read_bytes())
        except Exception as error:  # whatever unpickling raises on a corrupt file
            raise _fail(model_dir, f"pd_model.pkl does not load: {error}") from None
        if not isinstance(loaded, PDModel):
            raise _fail(model_dir, "pd_model.pkl does not hold a PD model")
        pd_model = loaded
    if "pricing.yaml" in hashes:
        try:
            pricing = load_pricing(model_dir / "pricing.yaml", market)
        except LoanMatchError as error:
            raise _fail(model_dir, f"the copied pricing does not load: {error}") from None
    return pd_model, pricing
