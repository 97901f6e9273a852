"""Load ``products.yaml`` (docs/design.md §9): products and rules, checked against the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from loanmatch.adapters.catalog_file import TextSpec, catalog_formulas
from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_condition
from loanmatch.adapters.yaml_file import (
    LINE_KEY,
    describe_validation_error,
    parse_yaml,
    read_yaml,
)
from loanmatch.domain.catalog import Catalog, Scalar, Text, Values, encode_value
from loanmatch.domain.formula import Expr, fill_derived
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rule_tests import CaseOutcome, names_rule, run_case
from loanmatch.domain.rules import Rule, RuleCase
from loanmatch.errors import Location, ProductsError, RuleError, RuleTestError

__all__ = [
    "load_products",
    "load_products_data",
    "load_products_text",
    "parse_product",
    "rule_test_error",
    "run_product_tests",
]


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


class CaseSpec(BaseModel):
    """One of a product's own test cases (``tests:``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)
    facts: dict[str, bool | int | float | str] = Field(default_factory=dict)
    expect: Literal["eligible", "ineligible"]
    failing: list[str] = Field(default_factory=list)


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
    tests: list[CaseSpec] = Field(default_factory=list)

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


def _build_cases(
    spec: ProductSpec, rules: list[Rule], catalog: Catalog, file: str, lines: list[int | None]
) -> tuple[RuleCase, ...]:
    """The product's test cases, their facts checked against the catalog as rules are."""
    cases: list[RuleCase] = []
    for k, raw in enumerate(spec.tests):
        name = raw.name or f"#{k + 1}"
        line = lines[k] if k < len(lines) else None
        where = Location(file=file, line=line, product=spec.id)
        facts: list[tuple[str, Scalar]] = []
        for feature, value in raw.facts.items():
            at = Location(file=file, line=line, product=spec.id, feature=feature)
            if feature not in catalog:
                raise ProductsError(f"test case {name!r}: {feature!r} is no feature of the "
                                    "catalog", at)  # fmt: skip
            if catalog[feature].protected:
                raise ProductsError(f"test case {name!r}: {feature} is a protected attribute; "
                                    "rules never use it", at)  # fmt: skip
            try:
                encode_value(catalog[feature], value)
            except ValueError as error:
                raise ProductsError(f"test case {name!r}: {error}", at) from None
            facts.append((feature, value))
        if raw.failing and raw.expect == "eligible":
            raise ProductsError(
                f"test case {name!r}: 'failing' goes with expect: ineligible only", where
            )
        for named in raw.failing:
            if not any(names_rule(named, rule) for rule in rules):
                raise ProductsError(
                    f"test case {name!r}: failing names {named!r}, which is neither the text "
                    "nor the code of a rule of this product", where,
                )  # fmt: skip
        cases.append(RuleCase(name, tuple(facts), raw.expect, tuple(raw.failing), line))
    return tuple(cases)


def _case_values(catalog: Catalog, formulas: dict[str, Expr], case: RuleCase) -> Values:
    values = catalog.empty_values(1)
    for feature, value in case.facts:
        values[feature][0] = encode_value(catalog[feature], value)
    fill_derived(formulas, values)
    return values


def run_product_tests(
    product: Product, catalog: Catalog, formulas: dict[str, Expr] | None = None
) -> list[CaseOutcome]:
    """Run every test case of ``product`` with the domain's rule evaluation (derived features
    computed from the case's facts by the catalog's formulas)."""
    if not product.tests:
        return []
    parsed = catalog_formulas(catalog) if formulas is None else formulas
    return [run_case(product, _case_values(catalog, parsed, c), c) for c in product.tests]


def rule_test_error(outcome: CaseOutcome, product: Product, file: str) -> RuleTestError:
    """The error a failed case is: it names the product, the case, the rule, what was expected
    and what happened."""
    rule = outcome.culprit.text if outcome.culprit is not None else None
    where = Location(file=file, line=outcome.case.line, product=product.id, rule=rule)
    return RuleTestError(
        outcome.message.en, where, zh=outcome.message.zh, case=outcome.case.name,
        expected=outcome.case.expect, happened=outcome.happened,
    )  # fmt: skip


def load_products_data(
    data: Any, catalog: Catalog, file: str = "<products>", *, check_tests: bool = True
) -> Market:
    """Validate already-parsed products (a list of mappings) against ``catalog``, and run
    each product's own test cases (``tests:``): a case that does not come out as it says is a
    :class:`~loanmatch.errors.RuleTestError` (``check_tests=False``: they are only checked,
    for a draft whose tests the caller reports itself)."""
    if not isinstance(data, list) or not data:
        raise ProductsError("expected a non-empty YAML list of products", Location(file=file))
    products: list[Product] = []
    seen: dict[str, int | None] = {}
    formulas: dict[str, Expr] | None = None
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ProductsError(
                f"entry {index} is not a mapping (received {item!r})", Location(file=file)
            )
        line = item.get(LINE_KEY)
        lines = _rule_lines(item.get("rules"), line)
        case_lines = _rule_lines(item.get("tests"), line)
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
        rules = _build_rules(spec, catalog, file, lines)
        product = Product(
            id=spec.id,
            lender=spec.lender,
            lender_name=Text(spec.lender_name.zh, spec.lender_name.en),
            rules=tuple(rules),
            kind=spec.kind,
            name=Text(spec.name.zh, spec.name.en),
            amount_min=spec.amount.min,
            amount_max=spec.amount.max,
            term_months=tuple(spec.term_months),
            rate_min=spec.rate.min,
            rate_max=spec.rate.max,
            capacity_per_day=spec.capacity_per_day,
            repayment=tuple(spec.repayment),
            tests=_build_cases(spec, rules, catalog, file, case_lines),
        )
        if check_tests and product.tests:
            formulas = formulas if formulas is not None else catalog_formulas(catalog, file)
            for outcome in run_product_tests(product, catalog, formulas):
                if not outcome.passed:
                    raise rule_test_error(outcome, product, file)
        products.append(product)
    return Market(catalog=catalog, products=tuple(products))


def load_products(path: Path, catalog: Catalog) -> Market:
    """Read ``products.yaml``; errors name the file, line, product and rule."""
    data, problem = read_yaml(path)
    if problem:
        raise ProductsError(problem, Location(file=str(path)))
    return load_products_data(data, catalog, str(path))


def load_products_text(
    text: str, catalog: Catalog, file: str = "<products>", *, check_tests: bool = True
) -> Market:
    """Products from YAML ``text`` (a list, or one product's mapping), checked as the file is;
    errors name the line of ``text``."""
    data, problem = parse_yaml(text)
    if problem:
        raise ProductsError(problem, Location(file=file))
    if isinstance(data, dict):
        data = [data]
    return load_products_data(data, catalog, file, check_tests=check_tests)


def parse_product(
    source: str | Mapping[str, Any], catalog: Catalog, file: str = "<draft>"
) -> tuple[Product, dict[str, Any]]:
    """One product from YAML ``text`` or an already-parsed mapping, checked as the file's are
    (the same loader and messages; its test cases are checked, not run: see
    :func:`run_product_tests`), and its mapping in the products.yaml shape (no line marks)."""
    if isinstance(source, str):
        data, problem = parse_yaml(source, aliases=False)
        if problem:
            raise ProductsError(problem, Location(file=file))
    else:
        data = dict(source)
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise ProductsError(
            f"expected one product as a mapping (received {type(data).__name__})",
            Location(file=file),
        )
    market = load_products_data([data], catalog, file, check_tests=False)
    body = _strip_lines(data)
    _coerce_ids(body)
    return market.products[0], body
