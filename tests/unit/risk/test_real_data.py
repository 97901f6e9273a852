"""Loaders of the German Credit and SBA files: malformed files fail naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.real_data import load_german_credit, load_sba_case
from loanmatch.errors import TableError

GERMAN_HEADER = (
    "STATUS_ACCOUNT DURATION_MONTHS CREDIT_HISTORY PURPOSE AMOUNT BONDS EMPLOYMENT "
    "INSTALLMENT_RATE PERSONAL_STATUS_AND_SEX OTHER_DEBTORS PRESENT_RESIDENCE_SINCE PROPERTY AGE "
    "INSTALLMENT_PLANS HOUSING NUMBER_OF_CREDIT_CARDS JOB LIABLE_PEOPLE TELEPHONE FOREIGN "
    "CLASSIFICATION"
)
GERMAN_ROWS = (
    "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1\n"
    "A12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 A143 A152 1 A173 1 A191 A201 0\n"
)


def test_german_credit_reads_the_attributes_and_makes_bad_the_target(tmp_path: Path) -> None:
    path = tmp_path / "german.data"
    path.write_text(GERMAN_HEADER + "\n" + GERMAN_ROWS)
    data = load_german_credit(path)
    assert data.default.tolist() == [0, 1]
    assert "CLASSIFICATION" not in data.frame.columns
    assert "STATUS_ACCOUNT" in data.categorical
    assert "AMOUNT" not in data.categorical


def test_a_german_file_with_a_bad_class_names_the_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "german.data"
    path.write_text(GERMAN_HEADER + "\n" + GERMAN_ROWS.replace("A201 0", "A201 2"))
    with pytest.raises(TableError, match=r"german.data, row 2, column 'CLASSIFICATION'"):
        load_german_credit(path)


def test_a_german_file_with_the_wrong_columns_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "german.data"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(TableError, match=r"german\.data.*21 space-separated columns"):
        load_german_credit(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"absent\.csv: file not found"):
        load_sba_case(tmp_path / "absent.csv")


def test_an_sba_file_without_the_outcome_column_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "sba.csv"
    path.write_text("\ufeffSelected,Term\n1,60\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"sba\.csv: missing columns Default"):
        load_sba_case(path)
