"""The products in effect: the model bundle's market with lenders' published versions laid
over it (issue 12, docs/applications.md "Lender products").

For each product, the version in effect at a time is its latest published version (highest
number) whose ``effective_at`` is not after that time. A product the model was trained on takes
that version's rules, amount, term and rate ranges, capacity, repayment and names; its lender
and kind stay as trained (the model's inputs). A product the model was not trained on has no
decisions to learn from: it is in effect but not recommended until the next training
(``untrained``); no probability is made up for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from loanmatch.adapters.products_file import parse_product
from loanmatch.domain.products import Market, Product
from loanmatch.errors import LoanMatchError
from loanmatch.model.bundle import ModelBundle
from loanmatch.storage.records import ProductVersion, as_utc
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "ActiveMarket",
    "Fingerprint",
    "FollowActive",
    "active_market",
    "active_versions",
    "in_effect",
]

logger = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int], ...]
"""Which version of which product is in effect: ``((product_id, version), ...)``, sorted."""
T = TypeVar("T")


@dataclass(frozen=True)
class ActiveMarket:
    """The bundle over the products in effect, the published products it cannot score yet,
    and which versions these are."""

    bundle: ModelBundle
    untrained: tuple[Product, ...]
    fingerprint: Fingerprint


def in_effect(
    published: Sequence[tuple[str, int, datetime | None]], at: datetime
) -> dict[str, int]:
    """Product id -> the version in effect at ``at``, of ``(product_id, version,
    effective_at)`` publications (products with none in effect yet are absent)."""
    chosen: dict[str, int] = {}
    for product_id, version, effective_at in published:
        if effective_at is None or as_utc(effective_at) > at:
            continue
        if version > chosen.get(product_id, 0):
            chosen[product_id] = version
    return chosen


def active_versions(uow: UnitOfWork, at: datetime) -> dict[str, ProductVersion]:
    """Product id -> its version in effect at ``at`` (read in ``uow``, which must be open)."""
    published = uow.products.published()
    chosen = in_effect([(v.product_id, v.version, v.effective_at) for v in published], at)
    return {v.product_id: v for v in published if chosen.get(v.product_id) == v.version}


def _fail_rates(old: Product, new: Product, rates: tuple[float, ...]) -> tuple[float, ...]:
    """The history's fail rate of each new rule: its trained rule's of the same text, else 0
    (not known until the next training)."""
    by_text = {rule.text: rate for rule, rate in zip(old.rules, rates, strict=False)}
    return tuple(by_text.get(rule.text, 0.0) for rule in new.rules)


def _product(body: Mapping[str, object], bundle: ModelBundle) -> Product | None:
    try:
        product, _ = parse_product(dict(body), bundle.market.catalog, "<published version>")
    except LoanMatchError as error:  # the catalog changed since it was published
        logger.warning("a published product version no longer loads, kept out: %s", error)
        return None
    return product


def active_market(bundle: ModelBundle, versions: Mapping[str, ProductVersion]) -> ActiveMarket:
    """``bundle`` over ``versions`` (product id -> the version in effect)."""
    trained = bundle.market.products
    products = list(trained)
    rates = list(bundle.rule_fail_rate)
    for j, old in enumerate(trained):
        version = versions.get(old.id)
        new = _product(version.body, bundle) if version is not None else None
        if new is not None:
            products[j] = replace(new, lender=old.lender, kind=old.kind)
            rates[j] = _fail_rates(old, products[j], bundle.rule_fail_rate[j])
    known = set(bundle.market.product_ids)
    untrained = tuple(
        p
        for pid, v in sorted(versions.items())
        if pid not in known and (p := _product(v.body, bundle)) is not None
    )
    fingerprint = tuple(sorted((pid, v.version) for pid, v in versions.items()))
    if not versions.keys() & known:
        return ActiveMarket(bundle, untrained, fingerprint)
    market = Market(catalog=bundle.market.catalog, products=tuple(products))
    overlaid = replace(bundle, market=market, rule_fail_rate=tuple(rates))
    return ActiveMarket(overlaid, untrained, fingerprint)


class FollowActive(Generic[T]):
    """What is built over the active market (e.g. the intake context), rebuilt only when the
    versions in effect change: :meth:`current` reads which versions are in effect (product,
    version and effective time only: a cheap query) and returns the cached build while they
    are the same."""

    def __init__(self, bundle: ModelBundle, build: Callable[[ActiveMarket], T]) -> None:
        self._bundle = bundle
        self._build = build
        self._lock = threading.Lock()
        self._built: tuple[Fingerprint, T] | None = None

    def current(self, unit_of_work: Callable[[], UnitOfWork], at: datetime) -> T:
        with unit_of_work() as uow:
            chosen = in_effect(uow.products.publications(), at)
            fingerprint = tuple(sorted(chosen.items()))
            with self._lock:
                if self._built is not None and self._built[0] == fingerprint:
                    return self._built[1]
            versions = active_versions(uow, at)
        active = active_market(self._bundle, versions)
        built = self._build(active)
        with self._lock:
            self._built = (active.fingerprint, built)
        return built
