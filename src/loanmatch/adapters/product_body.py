"""A product back in the products.yaml shape (docs/data-contracts.md): what the portal's editor
starts from for a product the model was trained on, and the YAML text it shows.

:func:`product_body` is the inverse of :func:`loanmatch.adapters.products_file.parse_product`
for every field a product holds: parsing the body again gives the same product.
"""

from __future__ import annotations

from typing import Any

import yaml

from loanmatch.domain.catalog import Text
from loanmatch.domain.products import Product

__all__ = ["body_yaml", "product_body"]


def _text(text: Text) -> dict[str, str]:
    return {k: v for k, v in (("zh", text.zh), ("en", text.en)) if v}


def _range(low: float | None, high: float | None) -> dict[str, float]:
    return {k: v for k, v in (("min", low), ("max", high)) if v is not None}


def product_body(product: Product) -> dict[str, Any]:
    """``product`` as one products.yaml mapping (fields at their defaults left out)."""
    body: dict[str, Any] = {"id": product.id, "lender": product.lender}
    optional: dict[str, Any] = {
        "lender_name": _text(product.lender_name),
        "kind": product.kind,
        "name": _text(product.name),
        "amount": _range(product.amount_min, product.amount_max),
        "term_months": list(product.term_months),
        "rate": _range(product.rate_min, product.rate_max),
        "capacity_per_day": product.capacity_per_day,
        "repayment": list(product.repayment),
    }
    body.update({k: v for k, v in optional.items() if v not in ("", {}, [], None)})
    rules: list[dict[str, Any]] = []
    for rule in product.rules:
        one: dict[str, Any] = {"rule": rule.text, "dimension": rule.dimension}
        if _text(rule.reason):
            one["reason"] = _text(rule.reason)
        if rule.code:
            one["code"] = rule.code
        rules.append(one)
    body["rules"] = rules
    if product.tests:
        body["tests"] = [
            {"name": c.name, "facts": dict(c.facts), "expect": c.expect,
             **({"failing": list(c.failing)} if c.failing else {})}
            for c in product.tests
        ]  # fmt: skip
    return body


def body_yaml(body: dict[str, Any]) -> str:
    """The YAML text of one product's mapping, Chinese left readable, keys in their order."""
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
