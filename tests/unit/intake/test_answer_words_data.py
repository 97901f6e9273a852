"""The everyday words and the place table are data that fit the catalog and ship with the
package (src/loanmatch/data/answer_words.yaml, places.yaml)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest
import yaml

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.intake.categories import place_province, words_for

CATALOG = load_catalog(DEFAULT_CATALOG)
ROOT = Path(__file__).resolve().parents[3]
DATA = resources.files("loanmatch") / "data"


@pytest.mark.parametrize("name", ["answer_words.yaml", "places.yaml"])
def test_the_word_files_ship_as_package_data(name: str) -> None:
    assert (DATA / name).is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["loanmatch"]
    assert any(fnmatch(f"data/{name}", p) for p in patterns)


def test_every_category_of_the_word_file_is_a_category_of_its_feature() -> None:
    data = yaml.safe_load((DATA / "answer_words.yaml").read_text(encoding="utf-8"))
    for feature, codes in data.items():
        assert set(codes) <= set(CATALOG[feature].categories), feature
        assert set(words_for(feature)) == set(codes)


def test_every_province_of_the_place_table_is_a_region_and_no_name_is_listed_twice() -> None:
    data = yaml.safe_load((DATA / "places.yaml").read_text(encoding="utf-8"))
    assert set(data) == set(CATALOG["region"].categories)
    names = [str(name) for names in data.values() for name in names]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("place", "province"),
    [("苏州", "jiangsu"), ("苏州市", "jiangsu"), ("深圳", "guangdong"), ("江苏省", "jiangsu"),
     ("义乌", "zhejiang"), ("Shenzhen", "guangdong"), ("在杭州", "zhejiang"), ("火星", None)],
)  # fmt: skip
def test_a_place_names_its_province(place: str, province: str | None) -> None:
    assert place_province(place) == province
