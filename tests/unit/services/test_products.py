"""Lenders' product versions as use cases (services/products.py, product_trial.py,
product_overlay.py) over the in-memory store: drafts are checked as the file is, published with
an effective time, rolled back, tried on a sample, and another lender's product is never
reachable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from loanmatch.domain.products import Market, Product
from loanmatch.errors import (
    ForbiddenError,
    ProductConflictError,
    ProductNotFoundError,
    ProductRefusedError,
    ProductsError,
    RuleError,
    RuleTestError,
)
from loanmatch.services import products as svc
from loanmatch.services.product_overlay import active_versions, in_effect
from loanmatch.services.product_trial import NOT_TRAINED, dry_run
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from tests.unit.services.fakes import FakeClock, default_catalog

CATALOG = default_catalog()
MARKET = Market(CATALOG, (Product(id="p1", lender="bank_a", kind="tax"),
                          Product(id="p3", lender="bank_b", kind="tax")))  # fmt: skip
ACTOR = "lender:bank_a/k1"


def body(**extra: Any) -> dict[str, Any]:
    return {"id": "p1", "lender": "bank_a", "kind": "tax", "capacity_per_day": 10,
            "rules": ["enterprise_age_years >= 2"], **extra}  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(clock: FakeClock) -> svc.ProductsContext:
    sample = CATALOG.empty_values(4)
    sample["enterprise_age_years"] = np.array([1.0, 3.0, 5.0, np.nan])
    return svc.ProductsContext(MARKET, sample=sample, clock=clock)


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork(MemoryStore())


def test_a_draft_gets_the_next_number_and_lands_in_the_audit_log(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    first = svc.save_draft(uow, ctx, "bank_a", ACTOR, body(), note="初稿")
    second = svc.save_draft(uow, ctx, "bank_a", ACTOR, "id: p1\nlender: bank_a\nkind: tax\n"
                            "rules: [enterprise_age_years >= 3]\n")  # fmt: skip
    assert (first.version.version, second.version.version) == (1, 2)
    assert second.version.body["rules"] == ["enterprise_age_years >= 3"]
    with uow:
        entries = [(e.actor, e.action, e.subject) for e in uow.audit.entries()]
    assert entries == [(ACTOR, "product.draft", "p1")] * 2


def test_a_draft_is_checked_by_the_files_loader_with_its_messages(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    text = "id: p1\nlender: bank_a\nkind: tax\nrules:\n  - rule: tax_grade >= A\n"
    with pytest.raises(RuleError) as raised:
        svc.save_draft(uow, ctx, "bank_a", ACTOR, text)
    assert (raised.value.where.product, raised.value.where.rule) == ("p1", "tax_grade >= A")
    assert raised.value.where.line == 5
    with pytest.raises(ProductsError, match="field amount"):
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body(amount={"min": -1}))
    with uow:
        assert uow.products.for_product("p1") == []


def test_another_lenders_product_is_refused_or_unreachable(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    with pytest.raises(ForbiddenError):
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body(lender="bank_b"))
    with pytest.raises(ProductNotFoundError):
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body(id="p3"))
    svc.save_draft(uow, ctx, "bank_b", "lender:bank_b/k", body(id="new_b", lender="bank_b"))
    with pytest.raises(ProductNotFoundError):
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body(id="new_b"))
    for call in (
        lambda: svc.publish(uow, ctx, "bank_a", ACTOR, "new_b", 1),
        lambda: svc.versions(uow, "bank_a", "new_b"),
        lambda: dry_run(uow, ctx, "bank_a", "new_b", 1),
        lambda: svc.rollback(uow, ctx, "bank_a", ACTOR, "new_b", 1),
        lambda: svc.versions_or_trained(uow, ctx, "bank_a", "p3"),
    ):
        with pytest.raises(ProductNotFoundError):
            call()


def test_a_trained_products_kind_cannot_change(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    with pytest.raises(ProductRefusedError) as raised:
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body(kind="invoice"))
    assert raised.value.rule == "product.refused.kind_fixed"


def test_a_draft_failing_its_own_tests_is_saved_but_not_published(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    case = {"name": "三年的企业", "facts": {"enterprise_age_years": 3}, "expect": "eligible"}
    draft = svc.save_draft(uow, ctx, "bank_a", ACTOR,
                           body(rules=["enterprise_age_years >= 5"], tests=[case]))  # fmt: skip
    assert not draft.tests_pass
    with pytest.raises(RuleTestError) as raised:
        svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 1)
    assert raised.value.to_dict()["rule"] == "enterprise_age_years >= 5"
    assert raised.value.case == "三年的企业"
    with uow:
        assert uow.products.published() == []


def test_publishing_takes_effect_at_its_time_and_keeps_earlier_versions(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext, clock: FakeClock
) -> None:
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body())
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body(rules=["enterprise_age_years >= 4"]))
    svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 1)
    later = clock.now + timedelta(hours=1)
    done = svc.publish(uow, ctx, "bank_a", "lender:bank_a/k2", "p1", 2, later)
    assert (done.status, done.effective_at, done.published_by) == (
        "published", later, "lender:bank_a/k2",
    )  # fmt: skip
    with uow:
        assert active_versions(uow, clock.now)["p1"].version == 1
        assert active_versions(uow, later)["p1"].version == 2
    with pytest.raises(ProductConflictError) as raised:
        svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 2)
    assert raised.value.rule == "product.conflict.published"
    assert [v.version for v in svc.versions(uow, "bank_a", "p1")] == [1, 2]
    with uow:
        actions = [e.action for e in uow.audit.entries()]
    assert actions.count("product.publish") == 2


def test_an_effective_time_in_the_past_or_a_stale_draft_is_refused(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext, clock: FakeClock
) -> None:
    for _ in range(3):
        svc.save_draft(uow, ctx, "bank_a", ACTOR, body())
    with pytest.raises(ProductRefusedError) as past:
        svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 1, clock.now - timedelta(hours=1))
    assert past.value.rule == "product.refused.effective_past"
    skewed = svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 2, clock.now - timedelta(minutes=1))
    assert skewed.effective_at == clock.now
    with pytest.raises(ProductConflictError) as stale:
        svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 1)
    assert stale.value.rule == "product.conflict.stale"


def test_a_rollback_is_a_new_version_copying_an_earlier_one_in_effect_now(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext, clock: FakeClock
) -> None:
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body())
    svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 1)
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body(rules=["enterprise_age_years >= 9"]))
    with pytest.raises(ProductRefusedError, match="never published"):
        svc.rollback(uow, ctx, "bank_a", ACTOR, "p1", 2)
    svc.publish(uow, ctx, "bank_a", ACTOR, "p1", 2)
    clock.advance(minutes=1)
    back = svc.rollback(uow, ctx, "bank_a", "lender:bank_a/k9", "p1", 1)
    assert (back.version, back.status, back.effective_at) == (3, "published", clock.now)
    assert back.body == svc.versions(uow, "bank_a", "p1")[0].body
    with uow:
        assert active_versions(uow, clock.now)["p1"].version == 3
        assert uow.audit.entries()[-1].actor == "lender:bank_a/k9"


def test_the_lenders_list_holds_its_trained_and_its_new_products_only(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body(id="fresh"))
    svc.save_draft(uow, ctx, "bank_b", "lender:bank_b/k", body(id="theirs", lender="bank_b"))
    listed = svc.lender_products(uow, ctx, "bank_a")
    assert [(p.product_id, p.trained, len(p.versions)) for p in listed] == [
        ("p1", True, 0), ("fresh", False, 1),
    ]  # fmt: skip


def test_a_dry_run_counts_passes_and_reasons_beside_the_version_in_effect(
    uow: MemoryUnitOfWork, ctx: svc.ProductsContext
) -> None:
    svc.save_draft(uow, ctx, "bank_a", ACTOR, body())
    tried = dry_run(uow, ctx, "bank_a", "p1", 1)
    trial = tried.trial
    assert (trial.applicants, trial.eligible, trial.ineligible, trial.undecided) == (4, 2, 1, 1)
    assert [(r.rule, r.failed) for r in trial.top_reasons] == [("enterprise_age_years >= 2", 1)]
    assert trial.expected_approval is None, "no model: approval is unknown, never made up"
    assert trial.expected_daily is None, "no sessions started in the last 7 days"
    assert tried.current is not None
    assert (tried.current.version, tried.current.eligible) == (None, 4), "trained: no rules"
    fresh = svc.save_draft(uow, ctx, "bank_a", ACTOR, body(id="fresh"))
    assert dry_run(uow, ctx, "bank_a", "fresh", fresh.version.version).notes == (NOT_TRAINED,)


def test_the_version_in_effect_is_the_highest_published_whose_time_has_come() -> None:
    t0 = FakeClock().now
    published = [("p", 1, t0), ("p", 2, t0 + timedelta(days=1)), ("p", 3, t0), ("q", 1, None)]
    assert in_effect(published, t0) == {"p": 3}
    assert in_effect(published[:2], t0 + timedelta(days=2)) == {"p": 2}
