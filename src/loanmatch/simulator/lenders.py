"""The default market's lenders and products, read from data files shipped in the package.

- ``loanmatch/data/market/products.yaml``: the 64 products with their PUBLISHED terms and rules,
  in the section-9 format a user brings (``docs/data-contracts.md``; the user-facing loader
  ``adapters.products_file.load_products`` reads it as it is). Each number's source in
  ``docs/market-reference.md`` ("ref §N", "ref §1 #N" for row N of its product table) or the
  word *assumption* is the comment beside it.
- ``loanmatch/data/market/lenders.yaml``: the 17 lenders' simulator-only facts: names, style
  (which picks the hidden behaviour in ``lender_behaviour.py``, ``history.py``, ``performance.py``,
  ``pricing_defaults.py`` and the journey) and a local bank's service area (ref §2).

Both are checked when read, and a problem is a :class:`ProductsError` naming the file, line,
lender or product and the field: a lender entry of the wrong shape or used twice, a product
whose lender is not in ``lenders.yaml``, whose ``lender_name`` differs from the lender's name,
or, for a local bank, that does not publish the bank's ``region in [...]`` rule. The section-9
checks against the catalog are the loader's, run by ``simulate_market``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loanmatch.adapters.yaml_file import LINE_KEY, describe_validation_error, read_yaml
from loanmatch.errors import Location, ProductsError

__all__ = [
    "LENDERS",
    "LENDERS_FILE",
    "LENDER_BY_ID",
    "PRODUCTS_FILE",
    "Lender",
    "LenderStyle",
    "default_products",
    "read_lenders",
    "read_products",
]

LenderStyle = Literal["big_bank", "joint_stock", "city", "rural", "internet", "fintech"]

MARKET_DIR = Path(str(resources.files("loanmatch") / "data" / "market"))
LENDERS_FILE = MARKET_DIR / "lenders.yaml"
PRODUCTS_FILE = MARKET_DIR / "products.yaml"


@dataclass(frozen=True)
class Lender:
    id: str
    zh: str
    en: str
    style: LenderStyle
    regions: tuple[str, ...] = ()
    """Service area of a local bank (pinyin province names); empty means nationwide."""


class _NameSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _LenderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    name: _NameSpec
    style: LenderStyle
    regions: tuple[str, ...] = ()


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _read(path: Path) -> Any:
    data, problem = read_yaml(path)
    if problem:
        raise ProductsError(problem, Location(file=str(path)))
    return data


def read_lenders(path: Path = LENDERS_FILE) -> tuple[Lender, ...]:
    """The lenders of ``lenders.yaml`` (a mapping with a non-empty list ``lenders``)."""
    file = str(path)
    data = _read(path)
    entries = data.get("lenders") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ProductsError("expected a mapping with a non-empty list `lenders`", Location(file))
    lenders: list[Lender] = []
    seen: set[str] = set()
    for index, item in enumerate(entries, start=1):
        line = item.get(LINE_KEY) if isinstance(item, dict) else None
        name = str(item.get("id", f"#{index}")) if isinstance(item, dict) else f"#{index}"
        where = Location(file=file, line=line, lender=name)
        try:
            spec = _LenderSpec.model_validate(_strip_lines(item))
        except ValidationError as error:
            raise ProductsError(describe_validation_error(error), where) from None
        if spec.id in seen:
            raise ProductsError(f"field id: lender {spec.id!r} is listed twice", where)
        seen.add(spec.id)
        lenders.append(Lender(spec.id, spec.name.zh, spec.name.en, spec.style, spec.regions))
    return tuple(lenders)


def _check_product(item: Any, index: int, by_id: dict[str, Lender], file: str) -> None:
    """The simulator's checks of one product against its lender (section-9 checks aside)."""
    if not isinstance(item, dict):
        raise ProductsError(f"entry {index} is not a mapping (received {item!r})", Location(file))
    where = Location(file=file, line=item.get(LINE_KEY), product=str(item.get("id", f"#{index}")))
    lender = by_id.get(str(item.get("lender")))
    if lender is None:
        raise ProductsError(
            f"field lender: {item.get('lender')!r} is not a lender of lenders.yaml", where
        )
    name = _strip_lines(item.get("lender_name"))
    if name != {"zh": lender.zh, "en": lender.en}:
        raise ProductsError(
            f"field lender_name: {name!r} differs from lender {lender.id!r} in lenders.yaml"
            f" ({lender.zh} / {lender.en})",
            where,
        )
    if lender.regions:
        region_rule = f"region in [{', '.join(lender.regions)}]"
        rules = item.get("rules")
        texts = [r.get("rule") if isinstance(r, dict) else r for r in rules or ()]
        if region_rule not in texts:
            raise ProductsError(
                f"field rules: lender {lender.id!r} serves only its own region (lenders.yaml);"
                f" its products must publish the rule {region_rule!r}",
                where,
            )


def read_products(
    path: Path = PRODUCTS_FILE, lenders: tuple[Lender, ...] | None = None
) -> list[dict[str, Any]]:
    """The product mappings of a section-9 ``products.yaml``, checked against ``lenders``
    (default: the lenders of ``lenders.yaml``)."""
    file = str(path)
    data = _read(path)
    if not isinstance(data, list) or not data:
        raise ProductsError("expected a non-empty YAML list of products", Location(file=file))
    by_id = {lender.id: lender for lender in (LENDERS if lenders is None else lenders)}
    for index, item in enumerate(data, start=1):
        _check_product(item, index, by_id, file)
    products: list[dict[str, Any]] = _strip_lines(data)
    return products


LENDERS: tuple[Lender, ...] = read_lenders()
LENDER_BY_ID = {lender.id: lender for lender in LENDERS}


@cache
def _default_products() -> tuple[dict[str, Any], ...]:
    return tuple(read_products())


def default_products() -> list[dict[str, Any]]:
    """The default market: 17 lenders, 64 products, as section-9 ``products.yaml`` mappings
    (a fresh copy on every call: the file is read once)."""
    return copy.deepcopy(list(_default_products()))
