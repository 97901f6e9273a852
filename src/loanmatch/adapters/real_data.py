"""Loaders of the two public real credit data sets in ``shared/data`` (see its README).

- German Credit (UCI Statlog, Hofmann 1994): ``german_credit/german.data``, space-separated with
  a header; ``CLASSIFICATION`` is 1 = good, 0 = bad. Our PD target is bad (1 - CLASSIFICATION).
- SBA case (Li, Mickel and Taylor 2018, J. Statistics Education 26(1)):
  ``sba_case/SBAcase.11.13.17.csv``, UTF-8 with a byte-order mark; ``Default`` 1 = charged off;
  ``Selected`` 1 = the paper's training half, 0 its validation half.

A malformed file raises :class:`~loanmatch.errors.TableError` naming the file (and the row and
column where one is at fault).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from loanmatch.errors import Location, TableError

__all__ = [
    "GERMAN_FILE",
    "SBA_AT_DECISION",
    "SBA_FILE",
    "SBA_PAPER_COLUMNS",
    "SBA_POST_OUTCOME",
    "GermanCredit",
    "SbaCase",
    "load_german_credit",
    "load_sba_case",
]

GERMAN_FILE = Path("german_credit/german.data")
SBA_FILE = Path("sba_case/SBAcase.11.13.17.csv")
GERMAN_COLUMNS = 21
SBA_PAPER_COLUMNS = ("New", "RealEstate", "Portion", "Recession")
"""The paper's logistic regression (Li, Mickel and Taylor 2018, section 4)."""
SBA_POST_OUTCOME = ("ChgOffDate", "ChgOffPrinGr", "MIS_Status", "BalanceGross", "daysterm", "xx")
"""Known only after the outcome (shared/data README): never predictors."""
SBA_AT_DECISION = (
    "City", "Bank", "BankState", "NAICS", "ApprovalDate", "ApprovalFY", "Term", "NoEmp",
    "NewExist", "CreateJob", "RetainedJob", "FranchiseCode", "UrbanRural", "RevLineCr", "LowDoc",
    "GrAppv", "SBA_Appv", "New", "RealEstate", "Portion",
)  # fmt: skip
"""What the lender knows when it decides. Left out besides the post-outcome columns: the loan
number and firm name (identifiers), State (all CA), Zip (City carries the place), the
disbursement date and amount (after the decision) and Recession (whether the loan's life will
overlap Dec 2007-Jun 2009, known only later; the paper uses it)."""
SBA_CATEGORICAL = (
    "City", "Bank", "BankState", "NAICS", "NewExist", "FranchiseCode", "UrbanRural",
    "RevLineCr", "LowDoc",
)  # fmt: skip
SBA_REQUIRED = ("Selected", "Default", *SBA_PAPER_COLUMNS, *SBA_AT_DECISION)


@dataclass(frozen=True)
class GermanCredit:
    """Applicants (attributes as in the file) and the PD target (1 = bad)."""

    frame: pd.DataFrame
    default: npt.NDArray[np.int64]
    categorical: tuple[str, ...]


@dataclass(frozen=True)
class SbaCase:
    """All columns of the file, the outcome and the paper's train/validation split."""

    frame: pd.DataFrame
    default: npt.NDArray[np.int64]
    train: npt.NDArray[np.bool_]

    def at_decision(self, drop: tuple[str, ...] = ()) -> pd.DataFrame:
        """Only the columns known when the loan is decided (categories as text)."""
        columns = [c for c in SBA_AT_DECISION if c not in drop]
        out = self.frame[columns].copy()
        for name in SBA_CATEGORICAL:
            if name in out.columns:
                out[name] = np.asarray([_category_text(v) for v in self.frame[name]], dtype=object)
        return out


def _category_text(value: object) -> object:
    if pd.isna(value):  # type: ignore[call-overload]
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _binary(frame: pd.DataFrame, column: str, file: str) -> npt.NDArray[np.int64]:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = ~values.isin((0, 1))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TableError(
            f"must be 0 or 1 (received {frame[column].iat[row]!r})",
            Location(file=file, row=row + 1, column=column),
        )
    return values.to_numpy(dtype=np.int64)


def _read(path: Path, **options: object) -> pd.DataFrame:
    file = str(path)
    if not path.is_file():
        raise TableError("file not found", Location(file=file))
    try:
        return pd.read_csv(path, **options)  # type: ignore[call-overload,no-any-return]
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as error:
        raise TableError(f"malformed file: {error}", Location(file=file)) from None


def load_german_credit(path: Path) -> GermanCredit:
    """Read ``german.data``; the target is bad = 1 - CLASSIFICATION."""
    file = str(path)
    frame = _read(Path(path), sep=" ", encoding="utf-8-sig")
    if "CLASSIFICATION" not in frame.columns or frame.shape[1] != GERMAN_COLUMNS:
        raise TableError(
            f"expected {GERMAN_COLUMNS} space-separated columns with a header ending in "
            f"CLASSIFICATION (found {frame.shape[1]}: {', '.join(map(str, frame.columns[:5]))}...)",
            Location(file=file),
        )
    good = _binary(frame, "CLASSIFICATION", file)
    attributes = frame.drop(columns=["CLASSIFICATION"])
    categorical = tuple(
        str(c) for c in attributes.columns if not pd.api.types.is_numeric_dtype(attributes[c])
    )
    for name in categorical:
        attributes[name] = attributes[name].astype(object)
    if attributes.isna().any().any():
        column = str(attributes.columns[attributes.isna().any()][0])
        row = int(np.flatnonzero(attributes[column].isna().to_numpy())[0])
        raise TableError("empty cell", Location(file=file, row=row + 1, column=column))
    return GermanCredit(frame=attributes, default=1 - good, categorical=categorical)


def load_sba_case(path: Path) -> SbaCase:
    """Read the SBA case file (byte-order mark tolerated)."""
    file = str(path)
    frame = _read(Path(path), encoding="utf-8-sig", low_memory=False)
    missing = [c for c in SBA_REQUIRED if c not in frame.columns]
    if missing:
        raise TableError(f"missing columns {', '.join(missing)}", Location(file=file))
    default = _binary(frame, "Default", file)
    selected = _binary(frame, "Selected", file)
    for name in ("Portion", "Term", "GrAppv", "SBA_Appv", "New", "RealEstate", "Recession"):
        values = pd.to_numeric(frame[name], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise TableError(
                f"must be a number (received {frame[name].iat[row]!r})",
                Location(file=file, row=row + 1, column=name),
            )
    if selected.min() == selected.max():
        raise TableError(
            "Selected must mark both a training and a validation half", Location(file=file)
        )
    return SbaCase(frame=frame, default=default, train=selected == 1)
