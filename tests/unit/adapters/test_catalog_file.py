"""Loading features.yaml: validation errors name the file, line and feature."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.errors import CatalogError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "features.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_only_name_and_type_are_required(tmp_path: Path) -> None:
    catalog = load_catalog(
        write(tmp_path, "- {name: a, type: number}\n- {name: b, type: boolean}\n")
    )
    assert list(catalog) == ["a", "b"]
    assert catalog["a"].source == "ask"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("- {name: a, type: text}\n", "field type", 1),
        ("- {name: a, type: number}\n- {name: a, type: number}\n", "declared twice", 2),
        ("- {name: a, type: category}\n", "non-empty list of categories", 1),
        ("- {name: a, type: number, min: 5, max: 1}\n", "min 5 is above max 1", 1),
        ("- {name: a, type: number, colour: red}\n", "field colour", 1),
        ("- {name: a, type: number, source: derived}\n", "needs a formula", 1),
        (
            "- {name: a, type: number, unit: yuan, inquiry_counter: true}\n",
            "an inquiry counter must have unit: count, not yuan",
            1,
        ),
        (
            "- {name: a, type: number}\n- {name: b, type: number, source: derived, formula: a +}\n",
            "cannot parse",
            None,
        ),
    ],
)
def test_a_bad_catalog_is_refused_naming_the_place(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError, match=message) as raised:
        load_catalog(path)
    assert raised.value.where.file == str(path)
    if line is not None:
        assert raised.value.where.line == line


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- name: a\n  type: number\n - broken: [\n")
    with pytest.raises(CatalogError, match="line 3"):
        load_catalog(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog(tmp_path / "nope.yaml")


def test_the_default_catalog_loads_and_describes_each_feature_in_both_languages() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    assert len(catalog) >= 30
    for feature in catalog.features:
        assert feature.label.zh, feature.name
        assert feature.label.en, feature.name
    assert any(f.protected for f in catalog.features)
    assert all(not f.protected for f in catalog.model_features)
