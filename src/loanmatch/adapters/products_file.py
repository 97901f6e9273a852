"""Load ``products.yaml`` (docs/design.md §9): products and rules, checked against the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from loanmatch.adapters.catalog_file import TextSpec
from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_condition
from loanmatch.adapters.yaml_file import LINE_KEY, describe_validation_error, read_yaml
from loanmatch.domain.catalog import Catalog, Text
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rules import Rule
from loanmatch.errors import Location, ProductsError, RuleError

__all__ = ["load_products", "load_products_data"]


class RangeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    dimension: Literal["user", "product", "loan", "process"] = "user"
    reason: TextSpec = Field(default_factory=TextSpec)
    code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{0,15}$")


class ProductSpec(BaseModel):
    """The schema of one product; only ``id``, ``lender`` and ``rules`` are required."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    lender: str = Field(min_length=1)
    lender_name: TextSpec = Field(default_factory=TextSpec)
    kind: str = ""
    name: TextSpec = Field(default_factory=TextSpec)
    amount: RangeSpec = Field(default_factory=RangeSpec)
    term_months: list[int] = Field(default_factory=list)
    rate: RangeSpec = Field(default_factory=RangeSpec)
    capacity_per_day: int | None = Field(default=None, ge=0)
    repayment: list[str] = Field(default_factory=list)
    rules: list[str | RuleSpec]

    @model_validator(mode="after")
    def _terms_positive(self) -> ProductSpec:
        if any(t <= 0 for t in self.term_months):
            raise ValueError(f"term_months must be positive (received {self.term_months})")
        return self


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _coerce_ids(item: dict[str, Any]) -> None:
    """Ids and lenders written as bare numbers in YAML are still ids."""
    for key in ("id", "lender"):
        if isinstance(item.get(key), int | float) and not isinstance(item.get(key), bool):
            item[key] = str(item[key])


def _rule_lines(raw_rules: Any, product_line: int | None) -> list[int | None]:
    if not isinstance(raw_rules, list):
        return []
    return [
        r.get(LINE_KEY, product_line) if isinstance(r, dict) else product_line for r in raw_rules
    ]


def _build_rules(
    spec: ProductSpec, catalog: Catalog, file: str, lines: list[int | None]
) -> list[Rule]:
    rules: list[Rule] = []
    for k, raw in enumerate(spec.rules):
        rule_spec = RuleSpec(rule=raw) if isinstance(raw, str) else raw
        line = lines[k] if k < len(lines) else None
        where = Location(file=file, line=line, product=spec.id, rule=rule_spec.rule)
        try:
            condition = parse_condition(rule_spec.rule, catalog)
        except RuleSyntaxError as error:
            raise RuleError(str(error), where) from None
        if catalog[condition.feature].protected:
            raise RuleError(
                f"{condition.feature} is a protected attribute; rules must never use it", where
            )
        reason = Text(rule_spec.reason.zh, rule_spec.reason.en)
        rules.append(Rule(rule_spec.rule, condition, rule_spec.dimension, reason, rule_spec.code))
    return rules


def load_products_data(data: Any, catalog: Catalog, file: str = "<products>") -> Market:
    """Validate already-parsed products (a list of mappings) against ``catalog``."""
    if not isinstance(data, list) or not data:
        raise ProductsError("expected a non-empty YAML list of products", Location(file=file))
    products: list[Product] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ProductsError(
                f"entry {index} is not a mapping (received {item!r})", Location(file=file)
            )
        line = item.get(LINE_KEY)
        lines = _rule_lines(item.get("rules"), line)
        clean = _strip_lines(item)
        _coerce_ids(clean)
        where = Location(file=file, line=line, product=str(clean.get("id", f"#{index}")))
        try:
            spec = ProductSpec.model_validate(clean)
        except ValidationError as error:
            raise ProductsError(describe_validation_error(error), where) from None
        if spec.id in seen:
            raise ProductsError(
                f"product id {spec.id!r} is used twice (first at line {seen[spec.id]})", where
            )
        seen[spec.id] = line
        products.append(
            Product(
                id=spec.id,
                lender=spec.lender,
                lender_name=Text(spec.lender_name.zh, spec.lender_name.en),
                rules=tuple(_build_rules(spec, catalog, file, lines)),
                kind=spec.kind,
                name=Text(spec.name.zh, spec.name.en),
                amount_min=spec.amount.min,
                amount_max=spec.amount.max,
                term_months=tuple(spec.term_months),
                rate_min=spec.rate.min,
                rate_max=spec.rate.max,
                capacity_per_day=spec.capacity_per_day,
                repayment=tuple(spec.repayment),
            )
        )
    return Market(catalog=catalog, products=tuple(products))


def load_products(path: Path, catalog: Catalog) -> Market:
    """Read ``products.yaml``; errors name the file, line, product and rule."""
    data, problem = read_yaml(path)
    if problem:
        raise ProductsError(problem, Location(file=str(path)))
    return load_products_data(data, catalog, str(path))
