"""The in-memory product versions (:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires
them): a version number is taken once and a draft published once, also between units of work
(checked again when one commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from loanmatch.errors import ProductConflictError
from loanmatch.storage.records import ProductVersion
from loanmatch.storage.unit_of_work import ProductVersionRepository

__all__ = ["MemoryProducts", "commit_products"]

Key = tuple[str, int]


class MemoryProducts(ProductVersionRepository):
    def __init__(self, versions: dict[Key, ProductVersion]) -> None:
        self._versions = versions
        self.added: set[Key] = set()
        self.published_now: set[Key] = set()

    def add(self, version: ProductVersion) -> ProductVersion:
        key = (version.product_id, version.version)
        if key in self._versions:
            raise ProductConflictError(
                "version_taken",
                f"product {version.product_id} has a version {version.version} already",
                version.product_id,
            )
        stored = replace(version, id=len(self._versions) + 1)
        self._versions[key] = stored
        self.added.add(key)
        return stored

    def get(self, product_id: str, version: int) -> ProductVersion | None:
        return self._versions.get((product_id, version))

    def for_product(self, product_id: str) -> Sequence[ProductVersion]:
        return sorted(
            (v for v in self._versions.values() if v.product_id == product_id),
            key=lambda v: v.version,
        )

    def for_lender(self, lender_id: str) -> Sequence[ProductVersion]:
        return sorted(
            (v for v in self._versions.values() if v.lender_id == lender_id),
            key=lambda v: (v.product_id, v.version),
        )

    def publish(
        self, product_id: str, version: int, at: datetime, effective_at: datetime, by: str
    ) -> bool:
        stored = self._versions.get((product_id, version))
        if stored is None or stored.status != "draft":
            return False
        self._versions[(product_id, version)] = replace(
            stored, status="published", published_at=at, effective_at=effective_at,
            published_by=by,
        )  # fmt: skip
        self.published_now.add((product_id, version))
        return True

    def published(self) -> Sequence[ProductVersion]:
        return sorted(
            (v for v in self._versions.values() if v.status == "published"),
            key=lambda v: (v.product_id, v.version),
        )

    def publications(self) -> Sequence[tuple[str, int, datetime | None]]:
        return [(v.product_id, v.version, v.effective_at) for v in self.published()]


def commit_products(
    work: MemoryProducts, mine: dict[Key, ProductVersion], committed: dict[Key, ProductVersion]
) -> None:
    """Check ``work``'s changes against ``committed`` (raising, changing nothing, when another
    unit of work took a number or published a draft first), then apply them."""
    for key in work.added:
        if key in committed:
            raise ProductConflictError(
                "version_taken", f"product {key[0]} has a version {key[1]} already", key[0]
            )
    for key in work.published_now - work.added:
        if committed[key].status != "draft":
            raise ProductConflictError(
                "published", f"product {key[0]} version {key[1]} is published already", key[0]
            )
    for key in work.added | work.published_now:
        committed[key] = mine[key]
