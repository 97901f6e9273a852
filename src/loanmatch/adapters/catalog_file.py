"""Load ``features.yaml`` (docs/design.md §9) into a validated :class:`Catalog`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from loanmatch.adapters.rule_grammar import RuleSyntaxError, parse_formula
from loanmatch.adapters.yaml_file import LINE_KEY, describe_validation_error, read_yaml
from loanmatch.domain.catalog import Catalog, Feature, Text
from loanmatch.domain.formula import Expr, evaluation_order
from loanmatch.errors import CatalogError, Location

__all__ = ["DEFAULT_CATALOG", "catalog_formulas", "load_catalog", "load_catalog_data"]

DEFAULT_CATALOG = Path(str(resources.files("loanmatch") / "data" / "features.yaml"))


class TextSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = ""
    en: str = ""


class FeatureSpec(BaseModel):
    """The schema of one catalog entry; only ``name`` and ``type`` are required."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: Literal["number", "boolean", "category"]
    categories: list[str] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    label: TextSpec = Field(default_factory=TextSpec)
    question: TextSpec = Field(default_factory=TextSpec)
    source: str = "ask"
    formula: str | None = None
    ask_cost: float = Field(default=1.0, ge=0)
    personal: bool = False
    protected: bool = False
    unit: str | None = None
    group: str | None = None
    monotone: Literal[-1, 0, 1] = 0
    category_labels: dict[str, TextSpec] = Field(default_factory=dict)
    actionable: Literal["reduce", "increase", "choose", "time", "start", "decay"] | None = None
    window_months: float | None = Field(default=None, gt=0)
    inquiry_counter: bool = False
    purpose: TextSpec = Field(default_factory=TextSpec)

    @property
    def derived_or_none(self) -> bool:
        return self.source == "derived"

    @model_validator(mode="after")
    def _consistent(self) -> FeatureSpec:
        if self.type == "category":
            if not self.categories:
                raise ValueError("a category feature needs a non-empty list of categories")
            if len(set(self.categories)) != len(self.categories):
                raise ValueError("categories are listed more than once")
        elif self.categories:
            raise ValueError(f"categories are only for category features, not {self.type}")
        unknown = [c for c in self.category_labels if c not in self.categories]
        if unknown:
            raise ValueError(f"category_labels name categories that are not listed: {unknown}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if (self.source == "derived") != (self.formula is not None):
            raise ValueError("a derived feature needs a formula, and only derived ones have one")
        if self.source == "derived" and self.type != "number":
            raise ValueError("a derived feature must be a number")
        if self.actionable is not None and self.derived_or_none:
            raise ValueError("a derived feature cannot be actionable (its inputs can)")
        if self.actionable is not None and self.type == "category":
            raise ValueError("a category feature cannot be actionable")
        if self.type == "boolean" and self.actionable not in (None, "reduce"):
            raise ValueError("a boolean can only be actionable: reduce (true -> false)")
        if (self.actionable == "decay") != (self.window_months is not None):
            raise ValueError("window_months goes with actionable: decay, and it needs one")
        if self.inquiry_counter and self.unit != "count":
            raise ValueError(f"an inquiry counter must have unit: count, not {self.unit}")
        if (self.purpose.zh or self.purpose.en) and self.source in ("ask", "derived"):
            raise ValueError("a purpose is for a feature a data source fills, not ask or derived")
        if (self.purpose.zh or self.purpose.en) and self.protected:
            raise ValueError("a protected feature is never pulled, so it has no purpose")
        return self


def _as_feature(spec: FeatureSpec) -> Feature:
    return Feature(
        name=spec.name,
        type=spec.type,
        categories=tuple(str(c) for c in spec.categories),
        min=spec.min,
        max=spec.max,
        label=Text(spec.label.zh, spec.label.en),
        question=Text(spec.question.zh, spec.question.en),
        source=spec.source,
        formula=spec.formula,
        ask_cost=spec.ask_cost,
        personal=spec.personal,
        protected=spec.protected,
        unit=spec.unit,
        group=spec.group,
        monotone=spec.monotone,
        actionable=spec.actionable,
        window_months=spec.window_months,
        inquiry_counter=spec.inquiry_counter,
        purpose=Text(spec.purpose.zh, spec.purpose.en),
        category_labels=tuple(
            Text(spec.category_labels[c].zh, spec.category_labels[c].en)
            if c in spec.category_labels
            else Text(c, c)
            for c in spec.categories
        )
        if spec.category_labels
        else (),
    )


def load_catalog_data(data: Any, file: str = "<features>") -> Catalog:
    """Validate already-parsed catalog data (a list of mappings)."""
    if not isinstance(data, list) or not data:
        raise CatalogError("expected a non-empty YAML list of features", Location(file=file))
    features: list[Feature] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data, start=1):
        line = item.pop(LINE_KEY, None) if isinstance(item, dict) else None
        name = str(item.get("name")) if isinstance(item, dict) and "name" in item else None
        where = Location(file=file, line=line, feature=name)
        if not isinstance(item, dict):
            raise CatalogError(f"entry {index} is not a mapping (received {item!r})", where)
        for key in ("label", "question", "purpose"):
            if isinstance(item.get(key), dict):
                item[key].pop(LINE_KEY, None)
        labels = item.get("category_labels")
        if isinstance(labels, dict):
            labels.pop(LINE_KEY, None)
            for text in labels.values():
                if isinstance(text, dict):
                    text.pop(LINE_KEY, None)
        try:
            spec = FeatureSpec.model_validate(item)
        except ValidationError as error:
            raise CatalogError(describe_validation_error(error), where) from None
        if spec.name in seen:
            raise CatalogError(
                f"feature {spec.name!r} is declared twice (first at line {seen[spec.name]})", where
            )
        seen[spec.name] = line or index
        features.append(_as_feature(spec))
    catalog = Catalog(features)
    catalog_formulas(catalog, file)
    return catalog


def catalog_formulas(catalog: Catalog, file: str = "<features>") -> dict[str, Expr]:
    """Parse every derived feature's formula, in an order where inputs come first."""
    parsed: dict[str, Expr] = {}
    for feature in catalog.features:
        if feature.formula is None:
            continue
        try:
            parsed[feature.name] = parse_formula(feature.formula, catalog, feature.name)
        except RuleSyntaxError as error:
            raise CatalogError(str(error), Location(file=file, feature=feature.name)) from None
    try:
        evaluation_order(parsed)
    except ValueError as error:
        raise CatalogError(str(error), Location(file=file)) from None
    return parsed


def load_catalog(path: Path) -> Catalog:
    """Read and validate ``features.yaml``; a CatalogError names the file, line and feature."""
    data, problem = read_yaml(path)
    if problem:
        raise CatalogError(problem, Location(file=str(path)))
    return load_catalog_data(data, str(path))
