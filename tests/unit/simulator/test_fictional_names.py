"""The default market's names are fictional: no lender or product shows the real name it is
modelled on (docs/market-reference.md §8 names them), and renaming kept every id."""

from __future__ import annotations

import re
from pathlib import Path

from loanmatch.simulator.lenders import LENDERS, default_products

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "market-reference.md"


def _section_8() -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    return text[text.index("## §8") :]


def _real_lender_names() -> dict[str, str]:
    """Lender id -> the real lender it is modelled on (QuickFin stands for an unnamed one)."""
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| \w+ \| ([^|(]+?) \(", _section_8(), flags=re.M)
    return {lender: real.strip() for lender, real in rows if lender != "quickfin"}


def test_every_lender_of_the_default_market_is_named_in_the_reference_with_its_model() -> None:
    real = _real_lender_names()
    assert set(real) == {lender.id for lender in LENDERS} - {"quickfin"}


def test_no_lender_or_product_shows_the_real_lender_it_is_modelled_on() -> None:
    real = set(_real_lender_names().values())
    shown = [lender.zh for lender in LENDERS] + [lender.en for lender in LENDERS]
    for product in default_products():
        shown += [product["name"]["zh"], product["name"]["en"]]
        shown += [product["lender_name"]["zh"], product["lender_name"]["en"]]
    assert not [name for name in shown if any(r in name for r in real)]


def test_every_product_is_listed_in_the_reference_with_the_product_it_is_modelled_on() -> None:
    listed = set(re.findall(r"^\| `(\w+)` \| [^|]+ \| [^|]+ \| [^|]+ \|$", _section_8(), re.M))
    assert {str(p["id"]) for p in default_products()} <= listed
