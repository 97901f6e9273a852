"""Load the consistency checks (``data/consistency.yaml`` by default) against a catalog.

Every check is parsed with the formula grammar and type-checked against the catalog (unknown
features are refused), needs a zh and an en text, and carries examples that are run at load:
each ``consistent`` example must hold and each ``contradictory`` one must fail. A problem is a
``CatalogError`` naming the file, the line and the check.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_formula
from loanmatch.adapters.yaml_file import LINE_KEY, read_yaml
from loanmatch.domain.catalog import Catalog, Text, encode_value
from loanmatch.domain.consistency import Check
from loanmatch.errors import CatalogError, Location

__all__ = ["DEFAULT_CONSISTENCY", "load_consistency"]

FUNCTIONS = {"min", "max"}
DEFAULT_CONSISTENCY = Path(str(resources.files("loanmatch") / "data" / "consistency.yaml"))


def load_consistency(
    catalog: Catalog, path: Path = DEFAULT_CONSISTENCY, *, skip_unknown: bool = False
) -> tuple[Check, ...]:
    """The checks of ``path``; one naming a feature ``catalog`` lacks is refused, or skipped with
    ``skip_unknown`` (the shipped checks against another market's catalog)."""
    data, problem = read_yaml(Path(path))
    if problem:
        raise CatalogError(problem, Location(file=str(path)))
    if data is None:
        return ()
    if not isinstance(data, list):
        raise CatalogError("expected a list of checks", Location(file=str(path)))
    checks: list[Check] = []
    seen: set[str] = set()
    for item in data:
        if skip_unknown and isinstance(item, dict) and not _fits(item, catalog):
            continue
        check = _check(item, catalog, str(path))
        if check.id in seen:
            where = Location(file=str(path), line=item.get(LINE_KEY), rule=check.id)
            raise CatalogError(f"check {check.id!r} is defined twice", where)
        seen.add(check.id)
        checks.append(check)
    return tuple(checks)


def _fits(item: dict[str, Any], catalog: Catalog) -> bool:
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(item.get("check", "")))) - FUNCTIONS
    return all(name in catalog for name in names)


def _check(item: Any, catalog: Catalog, file: str) -> Check:
    if not isinstance(item, dict):
        raise CatalogError(f"a check must be a mapping, got {item!r}", Location(file=file))
    line = item.get(LINE_KEY)
    name = str(item.get("id", "")).strip()
    where = Location(file=file, line=line, rule=name or None)
    if not name:
        raise CatalogError("a check needs an `id`", where)
    if not item.get("zh") or not item.get("en"):
        raise CatalogError(f"check {name!r} needs both zh and en texts", where)
    try:
        expr = parse_formula(str(item.get("check", "")), catalog, name)
    except RuleSyntaxError as error:
        raise CatalogError(str(error), where) from None
    check = Check(id=name, expr=expr, text=Text(str(item["zh"]), str(item["en"])))
    for kind, expected in (("consistent", True), ("contradictory", False)):
        for example in item.get(kind) or []:
            if not isinstance(example, dict):
                raise CatalogError(f"{kind} examples of {name!r} must be mappings", where)
            encoded = _encode(example, catalog, where)
            if check.holds(encoded) is not expected:
                raise CatalogError(
                    f"check {name!r}: the {kind} example {_plain(example)} does not come out so",
                    where,
                )
    return check


def _plain(example: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in example.items() if k != LINE_KEY}


def _encode(example: dict[str, Any], catalog: Catalog, where: Location) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in _plain(example).items():
        if key not in catalog:
            raise CatalogError(f"example uses unknown feature {key!r}", where)
        try:
            out[key] = encode_value(catalog[key], value)
        except ValueError as error:
            raise CatalogError(f"example value of {key}: {error}", where) from None
    return out
