"""Applying to offers and deciding them, on the in-memory unit of work (issue 12)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from loanmatch.domain.applications import Decision, Status
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market
from loanmatch.errors import (
    ApplicationNotFoundError,
    ApplyRefusedError,
    AuthError,
    TransitionError,
)
from loanmatch.services import applications as apps
from loanmatch.services import intake
from loanmatch.services.lender_keys import authenticate, issue_key, revoke_key
from loanmatch.services.predictions import learning_records
from tests.unit.services.conftest import CODE, World
from tests.unit.services.fakes import APPROVAL, PRODUCTS, OfferingEngine


@pytest.fixture
def offering(world: World, catalog: Catalog) -> World:
    world.engine = OfferingEngine(catalog)
    return world


def ctx(world: World) -> apps.ApplicationsContext:
    return apps.ApplicationsContext(world.ctx, Market(world.catalog, PRODUCTS))


def finished(world: World, session_id: str = "session-1") -> str:
    start = replace(world.ctx, new_id=lambda: session_id)
    session = intake.start_session(world.uow(), start, "zh", CODE, "110101199003074518")
    intake.grant_consent(
        world.uow(), world.ctx, session.session_id, ["registry", "tax", "bureau", "bank"]
    )
    replies = {"loan_amount": "50万", "loan_term_months": "12"}
    while (
        question := intake.view(world.uow(), world.ctx, session.session_id).question
    ) is not None:
        world.answer_open(session.session_id, replies[question.feature])
    assert intake.view(world.uow(), world.ctx, session.session_id).stage == "done"
    return session.session_id


def test_applying_releases_the_owners_facts_to_each_lender_and_records_it(offering: World) -> None:
    session = finished(offering)
    made = apps.apply(offering.uow(), ctx(offering), session, ["p1", "p3"], "key-1").applications
    assert [(a.product_id, a.lender_id, a.status) for a in made] == [
        ("p1", "bank_a", Status.SUBMITTED), ("p3", "bank_b", Status.SUBMITTED),
    ]  # fmt: skip
    releases = offering.store.releases
    assert [r.lender_id for r in releases] == ["bank_a", "bank_b"]
    assert "annual_revenue" in releases[0].fields
    facts = [f for f in releases[0].fields if f in offering.catalog]
    assert all(not offering.catalog[f].protected for f in facts)
    assert "enterprise_id" in releases[0].fields, "the lender learns whom it lends to"
    assert releases[0].consents, "pulled facts name the consents they were pulled under"
    audit = [e for e in offering.store.audit if e.action == "application.submitted"]
    assert len(audit) == 2
    assert "110101199003074518" not in str(audit), "the owner's id is masked in the audit log"


def test_the_same_idempotency_key_again_is_the_same_applications(offering: World) -> None:
    session = finished(offering)
    first = apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k")
    commits = offering.store.commits
    again = apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k")
    assert first.created
    assert not again.created
    assert [a.id for a in again.applications] == [a.id for a in first.applications]
    assert offering.store.commits == commits, "a repeated request writes nothing"
    with pytest.raises(ApplyRefusedError) as caught:
        apps.apply(offering.uow(), ctx(offering), session, ["p2"], "k")
    assert caught.value.to_dict()["rule"] == "application.refused.idempotency_mismatch"


@pytest.mark.parametrize(
    ("products", "rule"),
    [(["p9"], "not_offered"), (["p1", "p2", "p3", "p4"], "budget"), ([], "no_products")],
)
def test_a_refused_application_names_its_rule_and_writes_nothing(
    offering: World, products: list[str], rule: str
) -> None:
    session = finished(offering)
    commits = offering.store.commits
    with pytest.raises(ApplyRefusedError) as caught:
        apps.apply(offering.uow(), ctx(offering), session, products, "k")
    assert caught.value.rule == rule
    assert offering.store.commits == commits
    assert not offering.store.applications


def test_an_unfinished_intake_cannot_apply(offering: World) -> None:
    session = intake.start_session(offering.uow(), offering.ctx, "zh", CODE, "O1").session_id
    with pytest.raises(ApplyRefusedError, match="not finished"):
        apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k")


def test_applying_twice_to_one_product_is_refused(offering: World) -> None:
    session = finished(offering)
    apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k1")
    with pytest.raises(ApplyRefusedError) as caught:
        apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k2")
    assert caught.value.rule == "already_applied"


def test_a_lender_sees_and_decides_only_its_own_applications(offering: World) -> None:
    session = finished(offering)
    a1, a3 = apps.apply(offering.uow(), ctx(offering), session, ["p1", "p3"], "k").applications
    assert [a.id for a in apps.inbox(offering.uow(), "bank_a")] == [a1.id]
    assert apps.inbox(offering.uow(), "bank_c") == []
    with pytest.raises(ApplicationNotFoundError):
        apps.lender_application(offering.uow(), "bank_a", a3.id)
    with pytest.raises(ApplicationNotFoundError):
        apps.decide(offering.uow(), ctx(offering), "bank_a", "lender:bank_a/k", a3.id,
                    "approve", APPROVAL)  # fmt: skip
    seen = apps.lender_application(offering.uow(), "bank_a", a1.id)
    assert seen.facts["tax_grade"] == "A"
    decided = apps.decide(offering.uow(), ctx(offering), "bank_a", "lender:bank_a/k", a1.id,
                          "approve", APPROVAL)  # fmt: skip
    assert decided.status is Status.APPROVED
    assert decided.version == 1
    entry = offering.store.audit[-1]
    assert (entry.actor, entry.action) == ("lender:bank_a/k", "application.approve")
    with pytest.raises(TransitionError):
        apps.decide(offering.uow(), ctx(offering), "bank_a", "lender:bank_a/k", a1.id,
                    "decline", Decision(reasons=("revenue",)))  # fmt: skip


def test_an_owner_withdraws_and_a_withdrawn_application_frees_its_inquiry(offering: World) -> None:
    session = finished(offering)
    a1, _, _ = apps.apply(
        offering.uow(), ctx(offering), session, ["p1", "p2", "p3"], "k"
    ).applications
    gone = apps.owner_act(offering.uow(), ctx(offering), session, a1.id, "withdraw")
    assert gone.status is Status.WITHDRAWN
    assert len(apps.apply(offering.uow(), ctx(offering), session, ["p4"], "k2").applications) == 1
    other = finished(offering, "session-2")
    with pytest.raises(ApplicationNotFoundError):
        apps.owner_act(offering.uow(), ctx(offering), other, a1.id, "withdraw")


def test_two_deciders_on_one_version_cannot_both_win(offering: World) -> None:
    session = finished(offering)
    (a1,) = apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k").applications
    first, second = offering.uow(), offering.uow()
    with first, second:
        current = first.applications.get(a1.id)
        other = second.applications.get(a1.id)
        assert current is not None
        assert other is not None
        first.applications.update(current)
        first.commit()
        second.applications.update(other)
        with pytest.raises(TransitionError):
            second.commit()


def test_a_lender_key_authenticates_until_revoked_and_only_for_its_scopes(world: World) -> None:
    key, token = issue_key(world.uow(), "bank_a", world.clock(), scopes=["applications:read"])
    assert key.secret_sha256 not in token
    assert token.split(".")[1] not in str(world.store), "only the secret's hash is stored"
    assert (
        authenticate(world.uow(), token, world.clock(), "applications:read").lender_id == "bank_a"
    )
    with pytest.raises(AuthError, match="scope"):
        authenticate(world.uow(), token, world.clock(), "applications:decide")
    with pytest.raises(AuthError):
        authenticate(world.uow(), token[:-2] + "xx", world.clock(), "applications:read")
    with pytest.raises(AuthError):
        authenticate(world.uow(), "not-a-key", world.clock(), "applications:read")
    revoke_key(world.uow(), "bank_a", key.id, world.clock())
    with pytest.raises(AuthError):
        authenticate(world.uow(), token, world.clock(), "applications:read")
    with pytest.raises(KeyError):
        revoke_key(world.uow(), "bank_b", key.id, world.clock())


def test_a_product_takes_no_more_applications_a_day_than_its_capacity(offering: World) -> None:
    limited = (replace(PRODUCTS[0], capacity_per_day=1), *PRODUCTS[1:])
    limited_ctx = apps.ApplicationsContext(offering.ctx, Market(offering.catalog, limited))
    first, second = finished(offering, "session-1"), finished(offering, "session-2")
    apps.apply(offering.uow(), limited_ctx, first, ["p1"], "k")
    with pytest.raises(ApplyRefusedError) as caught:
        apps.apply(offering.uow(), limited_ctx, second, ["p1", "p2"], "k")
    assert caught.value.rule == "capacity"
    assert len(offering.store.applications) == 1, "the refused request wrote nothing"
    offering.clock.advance(days=1)
    assert apps.apply(offering.uow(), limited_ctx, second, ["p1"], "k").created


def test_a_product_whose_day_is_full_is_no_longer_offered(offering: World) -> None:
    limited = (replace(PRODUCTS[0], capacity_per_day=1), *PRODUCTS[1:])
    offering.engine = OfferingEngine(offering.catalog, products=limited)
    limited_ctx = apps.ApplicationsContext(offering.ctx, Market(offering.catalog, limited))
    first, second = finished(offering, "session-1"), finished(offering, "session-2")
    apps.apply(offering.uow(), limited_ctx, first, ["p1"], "k")
    result = intake.view(offering.uow(), offering.ctx, second).result
    assert result is not None
    assert [(o.product.id, o.rank) for o in result.offers] == [("p2", 1), ("p3", 2), ("p4", 3)]
    (full,) = [e for e in result.excluded if e.kind == "capacity"]
    assert full.product.id == "p1"
    assert full.code == "R15"
    assert "已满" in full.reasons[0].zh
    offering.clock.advance(days=1)
    again = intake.view(offering.uow(), offering.ctx, second).result
    assert again is not None
    assert again.offers[0].product.id == "p1", "a new day has room again"


def test_the_inquiry_budget_is_the_policys_number_of_offers(offering: World) -> None:
    offering.engine = OfferingEngine(offering.catalog, max_offers=2)
    session = finished(offering)
    with pytest.raises(ApplyRefusedError) as caught:
        apps.apply(offering.uow(), ctx(offering), session, ["p1", "p2", "p3"], "k")
    assert caught.value.rule == "budget"
    assert (
        len(apps.apply(offering.uow(), ctx(offering), session, ["p1", "p2"], "k").applications) == 2
    )


def test_facts_a_source_gave_are_unreadable_to_the_lender_once_its_consent_expires(
    offering: World,
) -> None:
    session = finished(offering)
    (made,) = apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k").applications
    now = offering.clock()
    seen = apps.lender_application(offering.uow(), "bank_a", made.id, now)
    assert seen.facts["tax_grade"] == "A"
    assert "loan_amount" in seen.facts
    later = now + timedelta(days=31)
    expired = apps.lender_application(offering.uow(), "bank_a", made.id, later)
    assert "tax_grade" not in expired.facts, "pulled under a consent that has expired"
    assert "loan_amount" in expired.facts, "the owner typed it: no consent behind it"


def test_applying_and_deciding_land_in_the_journey_events(offering: World) -> None:
    session = finished(offering)
    a1, a3 = apps.apply(offering.uow(), ctx(offering), session, ["p1", "p3"], "k").applications
    apps.decide(offering.uow(), ctx(offering), "bank_a", "lender:bank_a/k", a1.id, "approve",
                APPROVAL)  # fmt: skip
    apps.decide(offering.uow(), ctx(offering), "bank_b", "lender:bank_b/k", a3.id,
                "request_documents", Decision(documents=("营业执照",)))  # fmt: skip
    kinds = [(e.kind, e.detail.get("product_id"), e.detail.get("approved"))
             for e in offering.store.events if e.kind in ("applied", "decided",
                                                          "document_requested")]  # fmt: skip
    assert kinds == [("applied", "p1", None), ("applied", "p3", None), ("decided", "p1", True),
                     ("document_requested", "p3", None)]  # fmt: skip


def test_an_application_records_what_was_predicted_and_its_decision_becomes_a_learning_record(
    offering: World,
) -> None:
    session = finished(offering)
    a1, a3 = apps.apply(offering.uow(), ctx(offering), session, ["p1", "p3"], "k").applications
    assert a1.prediction is not None
    assert (a1.prediction.p_approve, a1.prediction.threshold) == (0.97, 0.9)
    assert (a1.prediction.model_id, a1.prediction.propensity) == ("unsaved", 1.0)
    start = offering.clock.now
    offering.clock.advance(hours=2)
    apps.decide(offering.uow(), ctx(offering), "bank_a", "lender:bank_a/k1", a1.id, "approve",
                APPROVAL)  # fmt: skip
    apps.owner_act(offering.uow(), ctx(offering), session, a3.id, "withdraw")
    end = offering.clock.now + timedelta(seconds=1)
    records = learning_records(offering.uow(), start, end)
    assert [(r.application_id, r.approved, r.p_approve, r.lender_id, r.product_id)
            for r in records] == [(a1.id, True, 0.97, "bank_a", "p1")]  # fmt: skip
    assert records[0].decided_at == offering.clock.now
    assert records[0].decided_by == "lender:bank_a/k1"
    assert learning_records(offering.uow(), start, end, "bank_b") == []
    assert learning_records(offering.uow(), end, end + timedelta(days=1)) == []
