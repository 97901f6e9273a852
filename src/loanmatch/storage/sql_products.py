"""Lenders' product versions over SQLAlchemy: a unique (product, version) constraint and a
conditional UPDATE keep racing saves and publishes honest on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loanmatch.errors import ProductConflictError
from loanmatch.storage.orm import ProductVersionRow
from loanmatch.storage.records import ProductVersion, as_utc, maybe_utc
from loanmatch.storage.unit_of_work import ProductVersionRepository

__all__ = ["SqlProducts"]


def _version(row: ProductVersionRow) -> ProductVersion:
    return ProductVersion(
        lender_id=row.lender_id,
        product_id=row.product_id,
        version=row.version,
        status=row.status,
        body=dict(row.body),
        created_by=row.created_by,
        created_at=as_utc(row.created_at),
        note=row.note,
        published_at=maybe_utc(row.published_at),
        effective_at=maybe_utc(row.effective_at),
        published_by=row.published_by,
        id=row.id,
    )


class SqlProducts(ProductVersionRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, version: ProductVersion) -> ProductVersion:
        row = ProductVersionRow(
            lender_id=version.lender_id,
            product_id=version.product_id,
            version=version.version,
            status=version.status,
            body=dict(version.body),
            created_by=version.created_by,
            created_at=version.created_at,
            note=version.note,
            published_at=version.published_at,
            effective_at=version.effective_at,
            published_by=version.published_by,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the unit of work is then rolled back: nothing written
            raise ProductConflictError(
                "version_taken",
                f"product {version.product_id} has a version {version.version} already "
                "(another request saved first): try again",
                version.product_id,
            ) from exc
        return _version(row)

    def get(self, product_id: str, version: int) -> ProductVersion | None:
        row = self._session.scalars(
            select(ProductVersionRow)
            .where(ProductVersionRow.product_id == product_id, ProductVersionRow.version == version)
            .execution_options(populate_existing=True)
        ).first()
        return _version(row) if row is not None else None

    def for_product(self, product_id: str) -> Sequence[ProductVersion]:
        rows = self._session.scalars(
            select(ProductVersionRow)
            .where(ProductVersionRow.product_id == product_id)
            .order_by(ProductVersionRow.version)
            .execution_options(populate_existing=True)
        )
        return [_version(r) for r in rows]

    def for_lender(self, lender_id: str) -> Sequence[ProductVersion]:
        rows = self._session.scalars(
            select(ProductVersionRow)
            .where(ProductVersionRow.lender_id == lender_id)
            .order_by(ProductVersionRow.product_id, ProductVersionRow.version)
            .execution_options(populate_existing=True)
        )
        return [_version(r) for r in rows]

    def publish(
        self, product_id: str, version: int, at: datetime, effective_at: datetime, by: str
    ) -> bool:
        done = self._session.execute(
            update(ProductVersionRow)
            .where(
                ProductVersionRow.product_id == product_id,
                ProductVersionRow.version == version,
                ProductVersionRow.status == "draft",
            )
            .values(status="published", published_at=at, effective_at=effective_at, published_by=by)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0))

    def published(self) -> Sequence[ProductVersion]:
        rows = self._session.scalars(
            select(ProductVersionRow)
            .where(ProductVersionRow.status == "published")
            .order_by(ProductVersionRow.product_id, ProductVersionRow.version)
            .execution_options(populate_existing=True)
        )
        return [_version(r) for r in rows]

    def publications(self) -> Sequence[tuple[str, int, datetime | None]]:
        rows = self._session.execute(
            select(
                ProductVersionRow.product_id,
                ProductVersionRow.version,
                ProductVersionRow.effective_at,
            ).where(ProductVersionRow.status == "published")
        )
        return [(pid, version, maybe_utc(at)) for pid, version, at in rows]
