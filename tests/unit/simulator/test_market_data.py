"""The default market's data files (src/loanmatch/data/market/): the products load through the
user-facing loader, every number cites its source, and the simulator's checks name what is wrong.

ref = docs/market-reference.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loanmatch.adapters.products_file import load_products, load_products_data
from loanmatch.domain.catalog import Catalog
from loanmatch.errors import ProductsError
from loanmatch.simulator import rulebook
from loanmatch.simulator.lenders import (
    LENDERS,
    LENDERS_FILE,
    PRODUCTS_FILE,
    default_products,
    read_lenders,
    read_products,
)

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "market-reference.md"
UNSOURCED_KEYS = {"id", "lender", "lender_name", "kind", "name", "dimension", "reason",
                  "facts", "expect", "failing"}  # fmt: skip
"""Keys whose values are names or words (a digit in them, as in 360数科, is not a number), and
a product's test cases (``tests:``): made-up applicants checked against the rules, not terms."""
SOURCE = r"ref §\d|assumption|^as (amount|term_months) above"
"""A source: the reference, the simulator's own assumption, or (the amount and term rules) the
field above, whose numbers test_lenders.py holds equal to the rule's."""


def _sections() -> dict[str, str]:
    """Section number -> its text, from the headings ``## §N`` of the market reference."""
    parts = re.split(r"^## §(\d+) ", REFERENCE.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _comment(line: str) -> str:
    return line.split(" # ", 1)[1] if " # " in line else ""


def test_the_shipped_products_load_through_the_user_facing_loader(catalog: Catalog) -> None:
    market = load_products(PRODUCTS_FILE, catalog)
    assert len(market.products) == 64
    assert {p.lender for p in market.products} == {lender.id for lender in LENDERS}
    assert market.products == load_products_data(default_products(), catalog).products


def test_every_number_and_rule_in_the_products_file_has_its_source_beside_it() -> None:
    missing = []
    for number, line in enumerate(PRODUCTS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        body = line.split(" # ", 1)[0]
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        key = body.strip().removeprefix("- ").split(":", 1)[0]
        needs = key == "rule" or (key not in UNSOURCED_KEYS and re.search(r"\d", body))
        if needs and not re.search(SOURCE, _comment(line)):
            missing.append(f"line {number}: {line.strip()}")
    assert not missing, "no source (ref §N or assumption):\n" + "\n".join(missing[:20])


def test_every_citation_points_to_a_section_row_or_heading_of_the_reference() -> None:
    sections = _sections()
    rows = set(re.findall(r"^\| (\d+) \|", sections["1"], flags=re.M))
    for path in (PRODUCTS_FILE, LENDERS_FILE):
        for line in path.read_text(encoding="utf-8").splitlines():
            comment = line.lstrip()[1:] if line.lstrip().startswith("#") else _comment(line)
            for section in re.findall(r"§(\d+)", comment):
                assert section in sections, line
            for low, high in re.findall(r"#(\d+)(?:-(\d+))?", comment):
                assert {low, high or low} <= rows, line
            for section, title in re.findall(r'§(\d+) "([^"]+)"', comment):
                assert title in sections[section], line


def _parses(text: str) -> list[tuple[str, list[object]]]:
    """(template key, values) for each template of rulebook.py whose rule text gives ``text``."""
    found = []
    for key, (template, *_) in rulebook.TEMPLATES.items():
        pattern = re.escape(template)
        for i in range(2):
            pattern = pattern.replace(re.escape(f"{{{i}}}"), "(.+?)")
        match = re.fullmatch(pattern, text)
        if match:
            found.append(
                (key, [_value(v, f"[{{{i}}}]" in template) for i, v in enumerate(match.groups())])
            )
    return found


def _value(text: str, listed: bool) -> object:
    if listed:
        return tuple(text.split(", "))
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def test_each_reason_repeats_its_rules_numbers() -> None:
    """A rule worded like a template of rulebook.py has that template's reasons for its values,
    so a number changed in the rule and not in its reasons (or the reverse) is caught."""
    wrong = []
    for product in default_products():
        for published in product["rules"]:
            worded = [rulebook.rule(key, *values) for key, values in _parses(published["rule"])]
            if worded and published not in worded:
                wrong.append(f"{product['id']}: {published}")
    assert not wrong, "\n".join(wrong)


def test_default_products_are_a_fresh_copy_on_every_call() -> None:
    first = default_products()
    first[0]["rules"].clear()
    first[0]["repayment"].append("changed")
    assert default_products()[0]["rules"]
    assert "changed" not in default_products()[0]["repayment"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


LENDER_LINES = (
    "lenders:\n"
    "  - {id: ccb, name: {zh: 中国建设银行, en: China Construction Bank}, style: big_bank}\n"
    "  - {id: jsbc, name: {zh: 江苏银行, en: Bank of Jiangsu}, style: city, regions: [jiangsu]}\n"
)


def test_a_lender_entry_of_the_wrong_shape_names_file_line_lender_and_field(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "lenders.yaml", LENDER_LINES.replace("style: city", "style: megabank"))
    with pytest.raises(ProductsError) as raised:
        read_lenders(path)
    where = raised.value.where
    assert (where.file, where.line, where.lender) == (str(path), 3, "jsbc")
    assert "field style" in str(raised.value)


def test_a_lender_listed_twice_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "lenders.yaml", LENDER_LINES + LENDER_LINES.splitlines()[1] + "\n")
    with pytest.raises(ProductsError, match="listed twice"):
        read_lenders(path)


def _one_product(lender: str, lender_name: str, rules: str) -> str:
    return f"- id: p1\n  lender: {lender}\n  lender_name: {lender_name}\n  rules: {rules}\n"


@pytest.mark.parametrize(
    ("product", "field"),
    [
        (_one_product("nobank", "{zh: 某银行, en: Some Bank}", "[]"), "field lender"),
        (_one_product("ccb", "{zh: 建行, en: CCB}", "[]"), "field lender_name"),
        (
            _one_product("jsbc", "{zh: 江苏银行, en: Bank of Jiangsu}", '["owner_age >= 18"]'),
            "field rules",
        ),
    ],
)
def test_a_product_that_disagrees_with_lenders_yaml_names_file_product_and_field(
    tmp_path: Path, product: str, field: str
) -> None:
    lenders = read_lenders(_write(tmp_path, "lenders.yaml", LENDER_LINES))
    path = _write(tmp_path, "products.yaml", product)
    with pytest.raises(ProductsError, match=field) as raised:
        read_products(path, lenders)
    assert (raised.value.where.file, raised.value.where.product) == (str(path), "p1")
    assert raised.value.where.line == 1
