"""Reading and writing history.csv and applicants.csv (docs/design.md §9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanmatch.adapters.tables import Table, read_table, write_table
from loanmatch.errors import TableError
from tests.unit.small_market import small_catalog

CATALOG = small_catalog()


def write(tmp_path: Path, text: str, name: str = "applicants.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_cells_are_encoded_and_unknown_cells_stay_unknown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffapplicant_id,age,grade,overdue_now,revenue,debt\na,30,A,TRUE,100,20\nb,,M,no,,5\n",
    )
    table = read_table(path, CATALOG)
    assert list(table.ids) == ["a", "b"]
    np.testing.assert_array_equal(table.values["age"], [30.0, np.nan])
    np.testing.assert_array_equal(table.values["grade"], [0.0, 2.0])
    np.testing.assert_array_equal(table.values["overdue_now"], [1.0, 0.0])
    np.testing.assert_array_equal(table.values["debt_ratio"], [0.2, np.nan])


def test_a_column_outside_the_catalog_is_ignored_with_a_warning(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "applicant_id,age,shoe_size\na,30,42\n"), CATALOG)
    assert any("shoe_size" in w for w in table.warnings)


@pytest.mark.parametrize(
    ("body", "message", "line", "column"),
    [
        ("a,abc\n", "'abc' is not a number", 2, "age"),
        ("a,30\nb,300\n", "outside the allowed range", 3, "age"),
        ("a,-1\n", "outside the allowed range", 2, "age"),
    ],
)
def test_a_bad_number_names_file_line_and_column(
    tmp_path: Path, body: str, message: str, line: int, column: str
) -> None:
    path = write(tmp_path, "applicant_id,age\n" + body)
    with pytest.raises(TableError, match=message) as raised:
        read_table(path, CATALOG)
    assert (raised.value.where.file, raised.value.where.line) == (str(path), line)
    assert raised.value.where.column == column


def test_an_unknown_category_and_a_bad_boolean_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "applicant_id,grade,overdue_now\na,Z,maybe\n")
    with pytest.raises(TableError, match=r"'Z' is not a category.*and 1 more.*not a boolean"):
        read_table(path, CATALOG)


def test_history_needs_its_columns_and_valid_labels(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="missing required column"):
        read_table(write(tmp_path, "applicant_id,age\na,3\n", "history.csv"), CATALOG, "history")
    path = write(tmp_path, "applicant_id,product_id,approved\na,p,2\n", "history.csv")
    with pytest.raises(TableError, match="approved must be 1 or 0"):
        read_table(path, CATALOG, "history")
    path = write(tmp_path, "applicant_id,product_id,approved,propensity\na,p,1,1.5\n", "h.csv")
    with pytest.raises(TableError, match="propensity must be a probability"):
        read_table(path, CATALOG, "history")


def test_an_empty_history_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "applicant_id,product_id,approved\n", "history.csv")
    with pytest.raises(TableError, match="no rows"):
        read_table(path, CATALOG, "history")


def test_ragged_rows_and_duplicate_headers_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="malformed CSV"):
        read_table(write(tmp_path, "applicant_id,age\na,1,2,3\n"), CATALOG)
    with pytest.raises(TableError, match="appears twice in the header"):
        read_table(write(tmp_path, "applicant_id,age,age\na,1,2\n"), CATALOG)
    with pytest.raises(TableError, match="appears twice"):
        read_table(write(tmp_path, "applicant_id,age\na,1\na,2\n"), CATALOG)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "applicants.csv"
    path.write_bytes("applicant_id,grade\na,等级\n".encode("gbk"))
    with pytest.raises(TableError, match="not UTF-8"):
        read_table(path, CATALOG)


rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 120)),
        st.one_of(st.none(), st.sampled_from(["A", "B", "M", "C", "D"])),
        st.one_of(st.none(), st.booleans()),
        st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False).map(lambda x: round(x, 2))),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=40, deadline=None)
@given(rows)
def test_a_written_table_reads_back_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    data: list[tuple[int | None, str | None, bool | None, float | None]],
) -> None:
    values = CATALOG.empty_values(len(data))
    for i, (age, grade, overdue, revenue) in enumerate(data):
        record = {"age": age, "grade": grade, "overdue_now": overdue, "revenue": revenue}
        for name, column in CATALOG.encode_record(record).items():
            values[name][i] = column[0]
    table = Table(ids=np.array([f"a{i}" for i in range(len(data))], dtype=object), values=values)
    path = tmp_path_factory.mktemp("t") / "applicants.csv"
    write_table(path, table, CATALOG)
    again = read_table(path, CATALOG)
    for name in ("age", "grade", "overdue_now", "revenue"):
        np.testing.assert_array_equal(again.values[name], values[name])
