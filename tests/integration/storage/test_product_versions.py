"""Lenders' product versions over every store: numbers are taken once, a draft is published
once, nothing is lost or changed but the publication (memory, SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from loanmatch.errors import ProductConflictError
from loanmatch.model.directory import load_model
from loanmatch.services import products as svc
from loanmatch.storage.database import Database
from loanmatch.storage.records import ProductVersion
from tests.conftest import TrainedMarket
from tests.integration.storage.conftest import UowFactory

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
BODY = {"id": "p1", "lender": "bank_a", "rules": ["age >= 18"], "name": {"zh": "税贷"}}


def _draft(product: str = "p1", version: int = 1, lender: str = "bank_a") -> ProductVersion:
    return ProductVersion(lender, product, version, "draft", {**BODY, "id": product},
                          "lender:bank_a/k1", NOW, note="第一版")  # fmt: skip


def test_a_stored_version_reads_back_as_it_was_written(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        stored = uow.products.add(_draft())
        uow.commit()
    assert stored.id is not None
    with uow_factory() as uow:
        back = uow.products.get("p1", 1)
    assert back is not None
    assert (back.body, back.note, back.created_at, back.status) == (
        stored.body, "第一版", NOW, "draft",
    )  # fmt: skip
    assert back.published_at is None
    assert back.effective_at is None


def test_one_product_never_has_two_versions_with_one_number(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.products.add(_draft())
        uow.commit()
    with uow_factory() as uow, pytest.raises(ProductConflictError) as raised:
        uow.products.add(_draft())
    assert raised.value.rule == "product.conflict.version_taken"
    with uow_factory() as uow:
        uow.products.add(_draft("p2"))
        uow.commit()
        assert [v.product_id for v in uow.products.for_lender("bank_a")] == ["p1", "p2"]


def test_a_draft_is_published_once_with_its_time_and_actor(uow_factory: UowFactory) -> None:
    later = NOW + timedelta(hours=2)
    with uow_factory() as uow:
        uow.products.add(_draft())
        uow.products.add(_draft(version=2))
        uow.commit()
    with uow_factory() as uow:
        assert uow.products.publish("p1", 1, NOW, later, "lender:bank_a/k1")
        uow.commit()
    with uow_factory() as uow:
        assert not uow.products.publish("p1", 1, NOW, NOW, "lender:bank_a/k2")
        assert not uow.products.publish("p1", 9, NOW, NOW, "lender:bank_a/k2")
        published = uow.products.published()
    assert [(v.version, v.effective_at, v.published_by) for v in published] == [
        (1, later, "lender:bank_a/k1"),
    ]  # fmt: skip
    with uow_factory() as uow:
        assert [v.status for v in uow.products.for_product("p1")] == ["published", "draft"]
        assert uow.products.for_lender("bank_b") == []


def test_a_publication_not_committed_leaves_the_draft_a_draft(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.products.add(_draft())
        uow.commit()
    with uow_factory() as uow:
        assert uow.products.publish("p1", 1, NOW, NOW, "x")
    with uow_factory() as uow:
        stored = uow.products.get("p1", 1)
        assert stored is not None
        assert stored.status == "draft"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_racing_publications_and_saves_publish_once_and_number_once(
    backend: str, request: pytest.FixtureRequest, trained_market: TrainedMarket
) -> None:
    database: Database = request.getfixturevalue(f"{backend}_database")
    bundle = load_model(trained_market.model_dir)
    product = yaml.safe_load(trained_market.products.read_text(encoding="utf-8"))[0]
    ctx = svc.ProductsContext(bundle.market, bundle)
    lender = product["lender"]

    def save(_: int) -> int:
        try:
            draft = svc.save_draft(database.unit_of_work(), ctx, lender, "t", product)
        except ProductConflictError:
            return -1
        return draft.version.version

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = [n for n in pool.map(save, range(12)) if n > 0]
    assert len(numbers) == len(set(numbers)), numbers

    def publish(_: int) -> str:
        try:
            svc.publish(database.unit_of_work(), ctx, lender, "t", product["id"], numbers[0],
                        datetime.now(UTC) + timedelta(minutes=1))  # fmt: skip
        except ProductConflictError as error:
            return error.rule
        return "published"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(publish, range(12)))
    assert outcomes.count("published") == 1, outcomes
    with database.unit_of_work() as uow:
        assert len(uow.products.published()) == 1
        assert [e.action for e in uow.audit.entries()].count("product.publish") == 1
