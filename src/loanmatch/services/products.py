"""Lenders' products as versioned drafts: save, publish with an effective time, roll back,
list (issue 12, docs/applications.md "Lender products: drafts, tests, dry run, publishing").

Plain functions over a unit of work; the portal pages and the JSON API
(``web/products_api.py``) call them alike. ``lender_id`` is always the caller's lender (from
its API key or portal login): another lender's product answers
:class:`~loanmatch.errors.ProductNotFoundError`, exactly as one that does not exist. Every
save, publication and rollback lands in the audit log with ``actor``, the real caller. The dry
run is in :mod:`loanmatch.services.product_trial`, the products in effect in
:mod:`loanmatch.services.product_overlay`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loanmatch.adapters.products_file import parse_product, rule_test_error, run_product_tests
from loanmatch.domain.catalog import Catalog, Values
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rule_tests import CaseOutcome
from loanmatch.errors import (
    ForbiddenError,
    ProductConflictError,
    ProductNotFoundError,
    ProductRefusedError,
)
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.product_overlay import active_versions
from loanmatch.storage.records import AuditEntry, ProductVersion, as_utc
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "CLOCK_SKEW",
    "Draft",
    "LenderProduct",
    "ProductsContext",
    "lender_products",
    "lender_version",
    "product_lender",
    "publish",
    "rollback",
    "save_draft",
    "versions",
    "versions_or_trained",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the past an effective time may be (clocks differ): it is then taken as now."""
MAX_ID = 64
"""The longest product id or lender id stored (the columns' width)."""
SAVE_TRIES = 3
"""Saves that lose the race for a version number try again with the next one."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProductsContext:
    """What the product use cases need besides storage: the market the served model was
    trained on, the model itself (None: dry runs say approval is unknown), recent applicants
    for dry runs (``applicants.csv``, its last rows) and a clock."""

    market: Market
    bundle: ModelBundle | None = None
    sample: Values = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now

    @property
    def catalog(self) -> Catalog:
        return self.market.catalog

    def trained(self, product_id: str) -> Product | None:
        """The product as the model was trained on it (None: the model does not know it)."""
        for product in self.market.products:
            if product.id == product_id:
                return product
        return None


@dataclass(frozen=True)
class Draft:
    """A saved version with its product as loaded and its test cases' outcomes."""

    version: ProductVersion
    product: Product
    tests: tuple[CaseOutcome, ...]

    @property
    def tests_pass(self) -> bool:
        return all(t.passed for t in self.tests)


@dataclass(frozen=True)
class LenderProduct:
    """One of a lender's products: the version in effect now (None: the trained one, or none
    yet), every version, and whether the model was trained on it (if not, it is not
    recommended until the next training)."""

    product_id: str
    trained: bool
    active: ProductVersion | None
    versions: tuple[ProductVersion, ...]


def product_lender(uow: UnitOfWork, ctx: ProductsContext, product_id: str) -> str | None:
    """The lender a product id belongs to: the trained market's, else its first version's."""
    trained = ctx.trained(product_id)
    if trained is not None:
        return trained.lender
    stored = uow.products.for_product(product_id)
    return stored[0].lender_id if stored else None


def _audit(uow: UnitOfWork, at: datetime, actor: str, action: str, v: ProductVersion) -> None:
    detail = {"lender": v.lender_id, "version": str(v.version), "status": v.status}
    if v.effective_at is not None:
        detail["effective_at"] = v.effective_at.isoformat()
    uow.audit.append(AuditEntry(at, actor, action, v.product_id, detail=detail))


def _check(ctx: ProductsContext, lender_id: str, product: Product) -> None:
    if product.lender != lender_id:
        raise ForbiddenError(
            f"the product names lender {product.lender!r}; you may save products of "
            f"{lender_id!r} only"
        )
    trained = ctx.trained(product.id)
    if trained is not None and product.kind != trained.kind:
        raise ProductRefusedError(
            "kind_fixed",
            f"product {product.id} was trained as kind {trained.kind!r} (received "
            f"{product.kind!r}): a new kind is a new product id",
            product.id, zh="已训练产品的类型不能修改；新类型请用新的产品编号",
        )  # fmt: skip


def save_draft(
    uow: UnitOfWork,
    ctx: ProductsContext,
    lender_id: str,
    actor: str,
    source: str | Mapping[str, Any],
    note: str = "",
) -> Draft:
    """Save ``source`` (YAML text or a products.yaml mapping of one product) as the next
    draft version of its product, for ``lender_id``.

    Checked by the products.yaml loader with its messages (``ProductsError`` / ``RuleError``
    naming product, rule and line); its test cases run and are reported (a draft may fail
    them; it cannot be published while it does). A product naming another lender is
    ``ForbiddenError`` (403); a product id of another lender is ``ProductNotFoundError``."""
    product, body = parse_product(source, ctx.catalog, "draft")
    if len(product.id) > MAX_ID or len(product.lender) > MAX_ID:
        raise ProductRefusedError(
            "id_too_long", f"a product id and lender have at most {MAX_ID} characters "
            f"(received {len(product.id)} and {len(product.lender)})", product.id[:MAX_ID],
            zh=f"产品编号和机构编号最多{MAX_ID}个字符",
        )  # fmt: skip
    _check(ctx, lender_id, product)
    tests = tuple(run_product_tests(product, ctx.catalog))
    for attempt in range(SAVE_TRIES):
        try:
            with uow:
                if product_lender(uow, ctx, product.id) not in (None, lender_id):
                    raise ProductNotFoundError(product.id)
                at = ctx.clock()
                number = 1 + max((v.version for v in uow.products.for_product(product.id)),
                                 default=0)  # fmt: skip
                draft = ProductVersion(lender_id, product.id, number, "draft", body, actor, at,
                                       note=note)  # fmt: skip
                stored = uow.products.add(draft)
                _audit(uow, at, actor, "product.draft", stored)
                uow.commit()
                return Draft(stored, product, tests)
        except ProductConflictError:
            if attempt == SAVE_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def lender_version(
    uow: UnitOfWork, lender_id: str, product_id: str, version: int
) -> ProductVersion:
    """One version of one of the lender's products (``uow`` open); another lender's or none:
    ``ProductNotFoundError``."""
    stored = uow.products.get(product_id, version)
    if stored is None or stored.lender_id != lender_id:
        raise ProductNotFoundError(product_id, version)
    return stored


def _publishable(ctx: ProductsContext, stored: ProductVersion) -> Product:
    """The version's product, loaded again and its tests run: a failing case refuses it
    (``RuleTestError``, naming the rule)."""
    product, _ = parse_product(stored.body, ctx.catalog, f"{stored.product_id} v{stored.version}")
    for outcome in run_product_tests(product, ctx.catalog):
        if not outcome.passed:
            raise rule_test_error(outcome, product, f"{stored.product_id} v{stored.version}")
    return product


def publish(
    uow: UnitOfWork,
    ctx: ProductsContext,
    lender_id: str,
    actor: str,
    product_id: str,
    version: int,
    effective_at: datetime | None = None,
) -> ProductVersion:
    """Publish one of the lender's drafts, in effect from ``effective_at`` (None: now; at most
    :data:`CLOCK_SKEW` in the past, then taken as now). Earlier versions are kept.

    Refused: a failing test case (``RuleTestError``), a time in the past
    (``product.refused.effective_past``), a version published already or racing another
    publication of it (``product.conflict.published``), a draft older than a published version
    (``product.conflict.stale``: it would never be in effect)."""
    now = ctx.clock()
    when = now if effective_at is None else as_utc(effective_at)
    if when < now - CLOCK_SKEW:
        raise ProductRefusedError(
            "effective_past",
            f"effective_at {when.isoformat()} is in the past (now {now.isoformat()}); publish "
            "now or later", product_id, zh="生效时间不能早于现在",
        )  # fmt: skip
    when = max(when, now)
    with uow:
        stored = lender_version(uow, lender_id, product_id, version)
        if stored.status != "draft":
            raise ProductConflictError(
                "published", f"product {product_id} version {version} is published already",
                product_id,
            )  # fmt: skip
        later = [v.version for v in uow.products.for_product(product_id)
                 if v.status == "published" and v.version > version]  # fmt: skip
        if later:
            raise ProductConflictError(
                "stale", f"version {max(later)} of {product_id} is published, so version "
                f"{version} would never be in effect: save it again as a new draft", product_id,
            )  # fmt: skip
        _publishable(ctx, stored)
        if not uow.products.publish(product_id, version, now, when, actor):
            raise ProductConflictError(
                "published", f"product {product_id} version {version} was published by "
                "another request", product_id,
            )  # fmt: skip
        done = uow.products.get(product_id, version)
        assert done is not None
        _audit(uow, now, actor, "product.publish", done)
        uow.commit()
        return done


def rollback(
    uow: UnitOfWork,
    ctx: ProductsContext,
    lender_id: str,
    actor: str,
    product_id: str,
    to_version: int,
) -> ProductVersion:
    """Roll back to an earlier published version: a new version copying it, published and in
    effect now (versions scheduled later are thereby superseded). Its test cases run again."""
    for attempt in range(SAVE_TRIES):
        try:
            with uow:
                source = lender_version(uow, lender_id, product_id, to_version)
                if source.status != "published":
                    raise ProductRefusedError(
                        "not_published", f"version {to_version} of {product_id} was never "
                        "published: publish it instead", product_id,
                        zh="只能回滚到曾发布过的版本",
                    )  # fmt: skip
                _publishable(ctx, source)
                now = ctx.clock()
                number = 1 + max(v.version for v in uow.products.for_product(product_id))
                copy = ProductVersion(
                    lender_id, product_id, number, "published", dict(source.body), actor, now,
                    note=f"rollback to version {to_version}", published_at=now,
                    effective_at=now, published_by=actor,
                )  # fmt: skip
                stored = uow.products.add(copy)
                _audit(uow, now, actor, "product.rollback", stored)
                uow.commit()
                return stored
        except ProductConflictError:
            if attempt == SAVE_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def versions(uow: UnitOfWork, lender_id: str, product_id: str) -> list[ProductVersion]:
    """Every version of one of the lender's products, oldest first (another lender's or an
    unknown product: ``ProductNotFoundError``; a trained product without versions: [])."""
    with uow:
        stored = list(uow.products.for_product(product_id))
    if stored and stored[0].lender_id != lender_id:
        raise ProductNotFoundError(product_id)
    return stored


def lender_products(uow: UnitOfWork, ctx: ProductsContext, lender_id: str) -> list[LenderProduct]:
    """The lender's products: those the model was trained on and those it saved, each with the
    version in effect now and every version."""
    with uow:
        mine = list(uow.products.for_lender(lender_id))
        active = active_versions(uow, ctx.clock())
    ids = [p.id for p in ctx.market.products if p.lender == lender_id]
    ids += sorted({v.product_id for v in mine} - set(ids))
    return [
        LenderProduct(
            product_id=pid, trained=ctx.trained(pid) is not None, active=active.get(pid),
            versions=tuple(v for v in mine if v.product_id == pid),
        )
        for pid in ids
    ]  # fmt: skip


def versions_or_trained(
    uow: UnitOfWork, ctx: ProductsContext, lender_id: str, product_id: str
) -> list[ProductVersion]:
    """:func:`versions`, and 404 also for an id that is neither the lender's trained product
    nor a saved one."""
    found = versions(uow, lender_id, product_id)
    trained = ctx.trained(product_id)
    if not found and (trained is None or trained.lender != lender_id):
        raise ProductNotFoundError(product_id)
    return found
