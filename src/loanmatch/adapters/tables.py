"""Read and write ``history.csv`` and ``applicants.csv`` (docs/design.md §9).

Cells: UTF-8, a header row, commas, a byte-order mark tolerated; numbers as plain decimals;
booleans ``true``/``false`` (also ``1``/``0``, ``yes``/``no``, any case); categories exactly as in
the catalog; empty = unknown. Columns not in the catalog are ignored with a warning. Any other bad
cell is a :class:`TableError` naming the file, line, row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from loanmatch.adapters.atomic import atomic_write_text
from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.domain.catalog import Catalog, Feature, Values
from loanmatch.domain.formula import fill_derived
from loanmatch.errors import ErrorList, Location, TableError

__all__ = [
    "Table",
    "format_number_column",
    "read_table",
    "table_to_csv",
    "write_csv",
    "write_table",
]

TableKind = Literal["history", "applicants", "loans"]
REQUIRED: dict[str, tuple[str, ...]] = {
    "history": ("applicant_id", "product_id", "approved"),
    "applicants": ("applicant_id",),
    "loans": ("applicant_id", "product_id", "defaulted"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "history": ("propensity", "decided_at"),
    "applicants": (),
    "loans": ("decided_at",),
}
LABEL: dict[str, str] = {"history": "approved", "loans": "defaulted"}
"""The 1/0 outcome column of a kind (read into ``Table.approved``)."""
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Table:
    """Applicants (and, for history, the decisions on them) with every catalog feature encoded."""

    ids: npt.NDArray[np.object_]
    values: Values
    product_ids: npt.NDArray[np.object_] | None = None
    approved: npt.NDArray[np.int8] | None = None
    propensity: npt.NDArray[np.float64] | None = None
    decided_at: npt.NDArray[np.object_] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Table:
        """A new table with only the given rows (indices or a mask)."""

        def pick(a: npt.NDArray[np.generic] | None) -> npt.NDArray[np.generic] | None:
            return None if a is None else a[rows]

        return Table(
            ids=self.ids[rows],
            values={k: v[rows] for k, v in self.values.items()},
            product_ids=pick(self.product_ids),  # type: ignore[arg-type]
            approved=pick(self.approved),  # type: ignore[arg-type]
            propensity=pick(self.propensity),  # type: ignore[arg-type]
            decided_at=pick(self.decided_at),  # type: ignore[arg-type]
            warnings=self.warnings,
        )


def _where(file: str, i: int, column: str) -> Location:
    return Location(file=file, line=i + 2, row=i + 1, column=column)


def _encode_column(
    feature: Feature, cells: pd.Series, file: str, errors: ErrorList
) -> npt.NDArray[np.float64]:
    text = cells.str.strip()
    empty = (text == "").to_numpy()
    out = np.full(len(text), np.nan)
    if feature.type == "number":
        numbers = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~empty & ~np.isfinite(numbers)
        for i in np.flatnonzero(bad)[:5]:
            errors.add(
                TableError(f"{text.iat[i]!r} is not a number", _where(file, i, feature.name))
            )
        low = feature.min if feature.min is not None else -np.inf
        high = feature.max if feature.max is not None else np.inf
        with np.errstate(invalid="ignore"):
            outside = ~bad & ~empty & ((numbers < low) | (numbers > high))
        for i in np.flatnonzero(outside)[:5]:
            errors.add(
                TableError(
                    f"{text.iat[i]} is outside the allowed range [{low:g}, {high:g}]",
                    _where(file, i, feature.name),
                )
            )
        out[~empty & ~bad] = numbers[~empty & ~bad]
        return out
    if feature.type == "boolean":
        lower = text.str.lower()
        is_true = lower.isin(TRUE_WORDS).to_numpy()
        is_false = lower.isin(FALSE_WORDS).to_numpy()
        for i in np.flatnonzero(~empty & ~is_true & ~is_false)[:5]:
            errors.add(
                TableError(
                    f"{text.iat[i]!r} is not a boolean (use true/false, 1/0 or yes/no)",
                    _where(file, i, feature.name),
                )
            )
        out[is_true] = 1.0
        out[is_false] = 0.0
        return out
    lookup = {category: float(k) for k, category in enumerate(feature.categories)}
    mapped = text.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    codes = np.where(np.isnan(mapped), -1, mapped).astype(np.int64)
    unknown = ~empty & (codes < 0)
    for i in np.flatnonzero(unknown)[:5]:
        errors.add(
            TableError(
                f"{text.iat[i]!r} is not a category of {feature.name} "
                f"(categories: {', '.join(feature.categories)})",
                _where(file, i, feature.name),
            )
        )
    out[codes >= 0] = codes[codes >= 0]
    return out


def _read_frame(path: Path) -> pd.DataFrame:
    """All cells as text; a row with the wrong number of cells is an error naming its line."""
    file = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise TableError(
                    "the file is empty; expected a header row", Location(file=file, line=1)
                )
            rows: list[list[str]] = []
            for row in reader:
                if len(row) != len(header):
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    raise TableError(
                        f"malformed CSV: expected {len(header)} cells as in the header, "
                        f"found {len(row)}",
                        Location(file=file, line=reader.line_num, row=len(rows) + 1),
                    )
                rows.append(row)
    except FileNotFoundError:
        raise TableError("file not found", Location(file=file)) from None
    except UnicodeDecodeError as error:
        raise TableError(f"not UTF-8 text (at byte {error.start})", Location(file=file)) from None
    except csv.Error as error:
        raise TableError(f"malformed CSV: {error}", Location(file=file)) from None
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise TableError(
                f"column {name!r} appears twice in the header", Location(file=file, line=1)
            )
        seen.add(name)
    return pd.DataFrame(rows, columns=header, dtype=object).astype(str)


def read_table(path: Path, catalog: Catalog, kind: TableKind = "applicants") -> Table:
    """Read and validate one section-9 CSV file; derived features are computed where unknown."""
    file = str(path)
    frame = _read_frame(Path(path))
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if missing:
        raise TableError(
            f"missing required column(s) {', '.join(missing)} "
            f"(received columns: {', '.join(frame.columns)})",
            Location(file=file, line=1),
        )
    if frame.empty:
        raise TableError(f"the {kind} file has a header but no rows", Location(file=file, line=2))
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind]) | set(catalog)
    ignored = [c for c in frame.columns if c not in known]
    warnings = tuple(f"{file}: column {c!r} is not in the catalog and is ignored" for c in ignored)
    errors = ErrorList()
    ids = frame["applicant_id"].str.strip().to_numpy(dtype=object)
    for i in np.flatnonzero(ids == "")[:5]:
        errors.add(TableError("applicant_id is empty", _where(file, int(i), "applicant_id")))
    if kind == "applicants":
        duplicated = pd.Series(ids).duplicated().to_numpy()
        for i in np.flatnonzero(duplicated & (ids != ""))[:5]:
            errors.add(
                TableError(
                    f"applicant_id {ids[i]!r} appears twice", _where(file, int(i), "applicant_id")
                )
            )
    values = catalog.empty_values(len(frame))
    for name, feature in catalog.items():
        if name in frame.columns:
            values[name] = _encode_column(feature, frame[name], file, errors)
    table = Table(ids=ids, values=values, warnings=warnings)
    if kind in LABEL:
        table = _with_history_columns(table, frame, file, errors, LABEL[kind])
    errors.raise_if_any(TableError)
    fill_derived(catalog_formulas(catalog, file), table.values)
    return table


def _with_history_columns(
    table: Table, frame: pd.DataFrame, file: str, errors: ErrorList, label: str = "approved"
) -> Table:
    product_ids = frame["product_id"].str.strip().to_numpy(dtype=object)
    for i in np.flatnonzero(product_ids == "")[:5]:
        errors.add(TableError("product_id is empty", _where(file, int(i), "product_id")))
    approved_text = frame[label].str.strip().str.lower()
    is_one = approved_text.isin({"1", "true", "yes"}).to_numpy()
    is_zero = approved_text.isin({"0", "false", "no"}).to_numpy()
    for i in np.flatnonzero(~is_one & ~is_zero)[:5]:
        errors.add(
            TableError(
                f"{label} must be 1 or 0 (received {frame[label].iat[i]!r})",
                _where(file, int(i), label),
            )
        )
    propensity = np.full(len(frame), np.nan)
    if "propensity" in frame.columns:
        text = frame["propensity"].str.strip()
        empty = (text == "").to_numpy()
        numbers = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~empty & ~((numbers > 0) & (numbers <= 1))
        for i in np.flatnonzero(bad)[:5]:
            errors.add(
                TableError(
                    f"propensity must be a probability in (0, 1] (received {text.iat[i]!r})",
                    _where(file, int(i), "propensity"),
                )
            )
        propensity = np.where(empty | bad, np.nan, numbers)
    decided_at = None
    if "decided_at" in frame.columns:
        text = frame["decided_at"].str.strip()
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="ISO8601")
        bad_dates = ((text != "") & parsed.isna()).to_numpy()
        for i in np.flatnonzero(bad_dates)[:5]:
            errors.add(
                TableError(
                    f"decided_at must be an ISO date (received {text.iat[i]!r})",
                    _where(file, int(i), "decided_at"),
                )
            )
        decided_at = text.to_numpy(dtype=object)
    return Table(
        ids=table.ids,
        values=table.values,
        product_ids=product_ids,
        approved=is_one.astype(np.int8),
        propensity=propensity,
        decided_at=decided_at,
        warnings=table.warnings,
    )


def format_number_column(column: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """Plain decimals (``1250000``, ``0.35``); NaN as the empty string."""
    known = ~np.isnan(column)
    out = np.full(len(column), "", dtype=object)
    if not known.any():
        return out.astype(str)
    values = column[known]
    integral = np.all(values == np.round(values)) and np.all(np.abs(values) < 1e15)
    if integral:
        out[known] = values.astype(np.int64).astype(str)
    else:
        text = np.char.mod("%.15g", values).astype(object)
        inexact = text.astype(np.float64) != values
        scientific = np.char.find(text.astype(str), "e") >= 0
        for k in np.flatnonzero(inexact | scientific):
            text[k] = np.format_float_positional(values[k], unique=True, trim="-")
        out[known] = text
    return out.astype(str)


def _decode_column(feature: Feature, column: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    if feature.type == "number":
        return format_number_column(column)
    known = ~np.isnan(column)
    out = np.full(len(column), "", dtype=object)
    if feature.type == "boolean":
        out[known] = np.where(column[known] > 0.5, "true", "false")
    else:
        labels = np.asarray(feature.categories, dtype=object)
        out[known] = labels[column[known].astype(np.int64)]
    return out.astype(str)


def table_to_csv(table: Table, catalog: Catalog, label: str = "approved") -> str:
    """The section-9 CSV text of a table (history columns included when present; ``label``
    names the outcome column: ``approved`` for history, ``defaulted`` for loans)."""
    columns: dict[str, Sequence[object] | npt.NDArray[np.generic]] = {"applicant_id": table.ids}
    if table.product_ids is not None and table.approved is not None:
        columns["product_id"] = table.product_ids
        columns[label] = table.approved.astype(np.int64).astype(str)
    for name, feature in catalog.items():
        columns[name] = _decode_column(feature, table.values[name])
    if table.propensity is not None:
        columns["propensity"] = format_number_column(table.propensity)
    if table.decided_at is not None:
        columns["decided_at"] = table.decided_at
    return _csv_text(columns)


def _csv_text(columns: Mapping[str, Sequence[object] | npt.NDArray[np.generic]]) -> str:
    buffer = io.StringIO()
    pd.DataFrame(dict(columns)).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_table(path: Path, table: Table, catalog: Catalog) -> None:
    """Write a table atomically in the section-9 format."""
    atomic_write_text(path, table_to_csv(table, catalog))


def write_csv(
    path: Path, columns: Mapping[str, Sequence[object] | npt.NDArray[np.generic]]
) -> None:
    """Write named columns (equal lengths) as a CSV file, atomically."""
    atomic_write_text(path, _csv_text(columns))
