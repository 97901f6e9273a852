"""Read and write ``history.csv`` and ``applicants.csv`` (docs/design.md §9).

Cells: UTF-8, a header row, commas, a byte-order mark tolerated; numbers as plain decimals;
booleans ``true``/``false`` (also ``1``/``0``, ``yes``/``no``, any case); categories exactly as in
the catalog; empty = unknown. Columns not in the catalog are ignored with a warning. Any other bad
cell is a :class:`TableError` naming the file, line, row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
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
from loanmatch.error_list import ErrorList
from loanmatch.errors import Location, TableError

__all__ = [
    "Table",
    "TableKind",
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
    warnings_zh: tuple[str, ...] = field(default_factory=tuple)
    """``warnings`` in Chinese, in the same order."""

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
            warnings_zh=self.warnings_zh,
        )


def _where(file: str, i: int, column: str) -> Location:
    return Location(file=file, line=i + 2, row=i + 1, column=column)


PER_COLUMN = 20
"""Bad cells kept per column before sorting into file order (the problems shown are at most
:attr:`ErrorList.limit`, so the first of them in file order are always among these)."""


@dataclass
class _Found:
    """Problems of one file, each with its data row and column position, put in file order
    (row by row, left to right) before they are reported; bad cells past ``PER_COLUMN`` in a
    column are counted."""

    file: str
    header: tuple[str, ...]
    items: list[tuple[int, int, TableError]] = field(default_factory=list)
    uncounted: int = 0

    def add(
        self,
        rows: npt.NDArray[np.intp],
        column: str,
        zh: str,
        en: str,
        cells: pd.Series | None = None,
        **values: object,
    ) -> None:
        """One problem for each of ``rows`` (data row indices) of ``column``; ``zh`` and ``en``
        are ``str.format`` templates over ``values`` and ``cell`` (the row's cell of ``cells``)."""
        position = self.header.index(column) if column in self.header else -1
        for i in rows[:PER_COLUMN]:
            k = int(i)
            params = dict(values, cell=cells.iat[k] if cells is not None else "")
            error = TableError(en.format(**params), _where(self.file, k, column),
                               zh=zh.format(**params))  # fmt: skip
            self.items.append((k, position, error))
        self.uncounted += max(0, len(rows) - PER_COLUMN)

    def header_problem(self, zh: str, en: str) -> None:
        self.items.append((-1, -1, TableError(en, Location(file=self.file, line=1), zh=zh)))

    def into(self, errors: ErrorList) -> None:
        for _, _, error in sorted(self.items, key=lambda item: (item[0], item[1])):
            errors.add(error)
        errors.dropped += self.uncounted


def _encode_column(feature: Feature, cells: pd.Series, found: _Found) -> npt.NDArray[np.float64]:
    text = cells.str.strip()
    empty = (text == "").to_numpy()
    out = np.full(len(text), np.nan)
    name = feature.name
    if feature.type == "number":
        numbers = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~empty & ~np.isfinite(numbers)
        found.add(np.flatnonzero(bad), name, "“{cell}”不是数字", "{cell!r} is not a number",
                  cells=text)  # fmt: skip
        low = feature.min if feature.min is not None else -np.inf
        high = feature.max if feature.max is not None else np.inf
        with np.errstate(invalid="ignore"):
            outside = ~bad & ~empty & ((numbers < low) | (numbers > high))
        found.add(np.flatnonzero(outside), name,
                  "{cell}超出允许范围 [{low:g}, {high:g}]",
                  "{cell} is outside the allowed range [{low:g}, {high:g}]",
                  cells=text, low=low, high=high)  # fmt: skip
        out[~empty & ~bad] = numbers[~empty & ~bad]
        return out
    if feature.type == "boolean":
        lower = text.str.lower()
        is_true = lower.isin(TRUE_WORDS).to_numpy()
        is_false = lower.isin(FALSE_WORDS).to_numpy()
        found.add(np.flatnonzero(~empty & ~is_true & ~is_false), name,
                  "“{cell}”不是是/否值（请用 true/false、1/0 或 yes/no）",
                  "{cell!r} is not a boolean (use true/false, 1/0 or yes/no)",
                  cells=text)  # fmt: skip
        out[is_true] = 1.0
        out[is_false] = 0.0
        return out
    lookup = {category: float(k) for k, category in enumerate(feature.categories)}
    mapped = text.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    codes = np.where(np.isnan(mapped), -1, mapped).astype(np.int64)
    unknown = ~empty & (codes < 0)
    choices = ", ".join(feature.categories)
    found.add(np.flatnonzero(unknown), name,
              "“{cell}”不是 {name} 的类别（可选：{choices}）",
              "{cell!r} is not a category of {name} (categories: {choices})",
              cells=text, name=name, choices=choices)  # fmt: skip
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


def read_table(
    path: Path,
    catalog: Catalog,
    kind: TableKind = "applicants",
    products: Collection[str] | None = None,
) -> Table:
    """Read and validate one section-9 CSV file; derived features are computed where unknown.

    The whole file is checked before anything is computed from it: the header (required
    columns), every cell against its catalog feature, the ids, the outcome column and, with
    ``products``, every ``product_id``. Problems are one :class:`TableError` whose ``problems``
    are in file order (at most :attr:`ErrorList.limit`, ``more`` counts the rest). A catalog
    column absent from the file is a warning (every row has it unknown), as is a column the
    catalog lacks (ignored)."""
    file = str(path)
    frame = _read_frame(Path(path))
    found = _Found(file, tuple(frame.columns))
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if missing:
        found.header_problem(
            f"缺少必需的列：{'、'.join(missing)}（收到的列：{', '.join(frame.columns)}）",
            f"missing required column(s) {', '.join(missing)} "
            f"(received columns: {', '.join(frame.columns)})",
        )
    if frame.empty:
        raise TableError(
            f"the {kind} file has a header but no rows",
            Location(file=file, line=2),
            zh="文件只有表头，没有数据行",
        )
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind]) | set(catalog)
    ignored = [c for c in frame.columns if c not in known]
    absent = [f.name for f in catalog.features if not f.derived and f.name not in frame.columns]
    warnings = tuple(f"{file}: column {c!r} is not in the catalog and is ignored" for c in ignored)
    warnings += tuple(
        f"{file}: catalog column {c!r} is absent: it is unknown in every row" for c in absent
    )
    warnings_zh = tuple(f"{file}：列“{c}”不在目录中，已忽略" for c in ignored)
    warnings_zh += tuple(f"{file}：缺少目录中的列“{c}”，所有行按未知处理" for c in absent)
    if "applicant_id" in frame.columns:
        ids = frame["applicant_id"].str.strip().to_numpy(dtype=object)
    else:
        ids = np.full(len(frame), "", dtype=object)
    if "applicant_id" in frame.columns:
        found.add(np.flatnonzero(ids == ""), "applicant_id", "applicant_id 为空",
                  "applicant_id is empty")  # fmt: skip
        if kind == "applicants":
            duplicated = pd.Series(ids).duplicated().to_numpy()
            found.add(np.flatnonzero(duplicated & (ids != "")), "applicant_id",
                      "applicant_id“{cell}”重复出现", "applicant_id {cell!r} appears twice",
                      cells=pd.Series(ids))  # fmt: skip
    values = catalog.empty_values(len(frame))
    for name, feature in catalog.items():
        if name in frame.columns:
            values[name] = _encode_column(feature, frame[name], found)
    table = Table(ids=ids, values=values, warnings=warnings, warnings_zh=warnings_zh)
    if kind in LABEL and "product_id" in frame.columns:
        table = _with_history_columns(table, frame, found, LABEL[kind], products)
    errors = ErrorList()
    found.into(errors)
    errors.raise_if_any(TableError)
    fill_derived(catalog_formulas(catalog, file), table.values)
    return table


def _with_history_columns(
    table: Table,
    frame: pd.DataFrame,
    found: _Found,
    label: str = "approved",
    products: Collection[str] | None = None,
) -> Table:
    product_ids = frame["product_id"].str.strip().to_numpy(dtype=object)
    found.add(np.flatnonzero(product_ids == ""), "product_id", "product_id 为空",
              "product_id is empty")  # fmt: skip
    if products is not None:
        known = set(products)
        unknown = np.fromiter(
            (p != "" and p not in known for p in product_ids), dtype=bool, count=len(product_ids)
        )
        found.add(np.flatnonzero(unknown), "product_id",
                  "产品“{cell}”不在 products.yaml 中", "product {cell!r} is not in products.yaml",
                  cells=pd.Series(product_ids))  # fmt: skip
    is_one = np.zeros(len(frame), dtype=bool)
    if label in frame.columns:  # else the missing column is a problem already
        approved_text = frame[label].str.strip().str.lower()
        is_one = approved_text.isin({"1", "true", "yes"}).to_numpy()
        is_zero = approved_text.isin({"0", "false", "no"}).to_numpy()
        found.add(np.flatnonzero(~is_one & ~is_zero), label,
                  "{label} 应为 1 或 0（收到“{cell}”）",
                  "{label} must be 1 or 0 (received {cell!r})",
                  cells=frame[label], label=label)  # fmt: skip
    propensity = np.full(len(frame), np.nan)
    if "propensity" in frame.columns:
        text = frame["propensity"].str.strip()
        empty = (text == "").to_numpy()
        numbers = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~empty & ~((numbers > 0) & (numbers <= 1))
        found.add(np.flatnonzero(bad), "propensity",
                  "propensity 应为 (0, 1] 内的概率（收到“{cell}”）",
                  "propensity must be a probability in (0, 1] (received {cell!r})",
                  cells=text)  # fmt: skip
        propensity = np.where(empty | bad, np.nan, numbers)
    decided_at = None
    if "decided_at" in frame.columns:
        text = frame["decided_at"].str.strip()
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="ISO8601")
        bad_dates = ((text != "") & parsed.isna()).to_numpy()
        found.add(np.flatnonzero(bad_dates), "decided_at",
                  "decided_at 应为 ISO 日期（收到“{cell}”）",
                  "decided_at must be an ISO date (received {cell!r})", cells=text)  # fmt: skip
        decided_at = text.to_numpy(dtype=object)
    return Table(
        ids=table.ids,
        values=table.values,
        product_ids=product_ids,
        approved=is_one.astype(np.int8),
        propensity=propensity,
        decided_at=decided_at,
        warnings=table.warnings,
        warnings_zh=table.warnings_zh,
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
