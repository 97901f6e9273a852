"""Load ``pricing.yaml``: each lender's pricing configuration, an extension beside products.yaml.

Format (every setting optional; rates in annual percent, costs in yuan per loan)::

    base_rate: 3.00          # 1-yr LPR (docs/market-reference.md §2)
    legal_cap: 24            # all-in annual cost line (docs/market-reference.md §2)
    simulated: false         # true: written by the built-in simulator (offers say 模拟数据)
    defaults: {...}          # settings for every lender not listed (optional)
    lenders:
      ccb:
        funding_spread: -0.8
        acquisition_cost: 200
        credit_data_cost: 30
        lgd: 0.45
        operating_cost: 0.5
        management_fee: 0.1
        target_profit: 0.4
        guarantee_fee: 0     # annual % of principal, paid by the borrower
        insurance_fee: 0
        service_fee: 0
        upfront_fee: 0       # % of principal, once
        repayment: interest_first   # optional: the method to quote
        costs_published: false      # true: the lender publishes this build-up (else 估算)
        kinds:
          secured: {lgd: 0.25}      # overrides for the lender's products of this kind

Every setting is optional, so a file written before a setting existed still loads (its
default: ``simulated`` and ``costs_published`` false). Checked at load, each error naming the
file, line, lender, the products the value prices, and the setting: a value of the wrong type,
negative costs
or fees, an LGD outside [0, 1], a funding rate below zero, an unknown lender or a kind the lender
does not offer, a repayment method the product does not offer or that cannot be priced, and a
product whose rate range cannot cover its price even at PD = 0.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from loanmatch.adapters.yaml_file import LINE_KEY, describe_validation_error, read_yaml
from loanmatch.domain.pricing import (
    LEGAL_ALL_IN_CAP,
    LPR_1Y,
    PricingBook,
    PricingTerms,
    price_floor,
)
from loanmatch.domain.products import Market, Product
from loanmatch.errors import Location, PricingError

__all__ = ["load_pricing", "load_pricing_data"]

SETTINGS = (
    "funding_spread",
    "acquisition_cost",
    "credit_data_cost",
    "lgd",
    "operating_cost",
    "management_fee",
    "target_profit",
    "guarantee_fee",
    "insurance_fee",
    "service_fee",
    "upfront_fee",
    "repayment",
    "costs_published",
)


class TermsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    funding_spread: float | None = Field(default=None, ge=-100, le=100)
    acquisition_cost: float | None = Field(default=None, ge=0)
    credit_data_cost: float | None = Field(default=None, ge=0)
    lgd: float | None = Field(default=None, ge=0, le=1)
    operating_cost: float | None = Field(default=None, ge=0, le=100)
    management_fee: float | None = Field(default=None, ge=0, le=100)
    target_profit: float | None = Field(default=None, ge=0, le=100)
    guarantee_fee: float | None = Field(default=None, ge=0, le=100)
    insurance_fee: float | None = Field(default=None, ge=0, le=100)
    service_fee: float | None = Field(default=None, ge=0, le=100)
    upfront_fee: float | None = Field(default=None, ge=0, lt=100)
    repayment: str | None = Field(default=None, min_length=1)
    costs_published: StrictBool | None = None


class LenderSpec(TermsSpec):
    kinds: dict[str, TermsSpec] = Field(default_factory=dict)


class PricingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_rate: float = Field(default=float(LPR_1Y), ge=0, le=100)
    legal_cap: float = Field(default=float(LEGAL_ALL_IN_CAP), gt=0, le=100)
    simulated: StrictBool = False
    defaults: TermsSpec | None = None
    lenders: dict[str, LenderSpec] = Field(default_factory=dict)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _strip(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _line(data: Any, *path: str) -> int | None:
    """Line of the innermost mapping found along ``path`` in the raw (line-annotated) data."""
    line = data.get(LINE_KEY) if isinstance(data, dict) else None
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            break
        node = node[key]
        if isinstance(node, dict) and LINE_KEY in node:
            line = node[LINE_KEY]
    return line if isinstance(line, int) else None


def _setting_line(file: str, start: int | None, setting: str | None) -> int | None:
    """The line of ``setting:`` at or after the mapping that holds it (``start``)."""
    if start is None or setting is None or not Path(file).is_file():
        return start
    lines = Path(file).read_text(encoding="utf-8-sig").splitlines()
    for number in range(start, len(lines) + 1):
        if lines[number - 1].strip().lstrip("{").startswith(f"{setting}:"):
            return number
    return start


def _priced_by(market: Market, loc: list[str]) -> str | None:
    """The products a lender's setting at ``loc`` prices (its kind's, under ``kinds``); None
    for a file-wide setting or ``defaults``."""
    if loc[:1] == ["lenders"] and len(loc) > 1:
        kind = loc[3] if len(loc) > 3 and loc[2] == "kinds" else None
        ids = [
            p.id for p in market.products if p.lender == loc[1] and (kind is None or p.kind == kind)
        ]
        return ", ".join(ids) or None
    return None


def _schema_error(error: ValidationError, raw: Any, file: str, market: Market) -> PricingError:
    problem = max(error.errors(), key=lambda p: len(p["loc"]))
    loc = [str(p) for p in problem["loc"]]
    lender = loc[1] if len(loc) > 1 and loc[0] == "lenders" else None
    known = (*SETTINGS, *PricingSpec.model_fields)
    setting = next((p for p in reversed(loc) if p in known), None)
    line = _setting_line(file, _line(raw, *loc), setting)
    where = Location(
        file=file, line=line, product=_priced_by(market, loc), lender=lender, setting=setting
    )
    return PricingError(describe_validation_error(error), where)


def _merge(base: PricingTerms, spec: TermsSpec) -> PricingTerms:
    values: dict[str, Any] = {}
    for name in SETTINGS:
        given = getattr(spec, name)
        if given is None:
            continue
        values[name] = given if name in ("repayment", "costs_published") else Decimal(str(given))
    return PricingTerms(**{**base.__dict__, **values})


def _check_product(product: Product, terms: PricingTerms, where: Location) -> None:
    try:
        floor, amount, term, method = price_floor(product, terms)
    except ValueError as error:
        raise PricingError(str(error), _at(where, product.id, "repayment")) from None
    high = product.rate_max
    if high is not None and floor > Decimal(str(high)):
        raise PricingError(
            f"the rate range of product {product.id!r} (max {high:g}%) cannot cover its price "
            f"even at PD = 0: {floor}% for {amount} yuan over {term} months ({method}); lower "
            "the costs or raise the product's maximum rate",
            _at(where, product.id, "rate"),
        )


def _at(where: Location, product: str, setting: str) -> Location:
    return Location(
        file=where.file, line=where.line, product=product, lender=where.lender, setting=setting
    )


def load_pricing_data(data: Any, market: Market, file: str = "<pricing>") -> PricingBook:
    """Validate already-parsed ``pricing.yaml`` data against the products of ``market``."""
    if not isinstance(data, dict):
        raise PricingError("expected a YAML mapping with a 'lenders' mapping", Location(file=file))
    try:
        spec = PricingSpec.model_validate(_strip(data))
    except ValidationError as error:
        raise _schema_error(error, data, file, market) from None
    root = PricingTerms(
        base_rate=Decimal(str(spec.base_rate)), legal_cap=Decimal(str(spec.legal_cap))
    )
    defaults = _merge(root, spec.defaults) if spec.defaults is not None else None
    by_lender: dict[str, list[Product]] = {}
    for product in market.products:
        by_lender.setdefault(product.lender, []).append(product)
    lenders: dict[str, PricingTerms] = {}
    kinds: dict[tuple[str, str], PricingTerms] = {}
    raw_lenders = data.get("lenders", {})
    for lender_id, lender_spec in spec.lenders.items():
        where = Location(file=file, line=_line(raw_lenders, lender_id), lender=lender_id)
        if lender_id not in by_lender:
            raise PricingError(f"lender {lender_id!r} has no product in the market", where)
        terms = _merge(defaults or root, lender_spec)
        lenders[lender_id] = terms
        offered = {p.kind for p in by_lender[lender_id]}
        for kind, kind_spec in lender_spec.kinds.items():
            if kind not in offered:
                raise PricingError(
                    f"lender {lender_id!r} offers no product of kind {kind!r} "
                    f"(it offers {', '.join(sorted(offered))})",
                    Location(file=file, line=where.line, lender=lender_id, setting="kinds"),
                )
            kinds[(lender_id, kind)] = _merge(terms, kind_spec)
    book = PricingBook(lenders=lenders, kinds=kinds, defaults=defaults, simulated=spec.simulated)
    for product in market.products:
        terms_or_none = book.terms_for(product)
        if terms_or_none is None:
            continue
        kind_line = _line(raw_lenders, product.lender, "kinds", product.kind)
        where = Location(file=file, line=kind_line, lender=product.lender)
        if terms_or_none.funding_rate < 0:
            raise PricingError(
                f"funding rate {terms_or_none.funding_rate}% (base rate + funding_spread) is "
                "below zero",
                _at(where, product.id, "funding_spread"),
            )
        _check_product(product, terms_or_none, where)
    return book


def load_pricing(path: Path, market: Market) -> PricingBook:
    """Read ``pricing.yaml``; errors name the file, line, lender, product and setting."""
    data, problem = read_yaml(path)
    if problem:
        raise PricingError(problem, Location(file=str(path)))
    return load_pricing_data(data, market, str(path))
