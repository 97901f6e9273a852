"""Each lender held to the target by what it was offered (services/floors.py): a lender's first
offers under a model are made only while their mean P reaches its goal; later, when its latest
offers fall short of the goal its floor rises, audited, and its offers below the floor are
excluded with the reason and cannot be applied to; other lenders, and a policy without a target,
are left alone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from loanmatch.domain.applications import Decision
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market
from loanmatch.domain.served_floor import MIN_OFFERS
from loanmatch.errors import ApplyRefusedError
from loanmatch.intake.state import IntakeState
from loanmatch.matching.results import ApplicantResult
from loanmatch.services import applications as apps
from loanmatch.services import intake
from loanmatch.services.floors import BELOW_FLOOR, FIRST_OFFERS, floors_of
from tests.unit.services.conftest import World
from tests.unit.services.fakes import APPROVAL, PRODUCTS, OfferingEngine
from tests.unit.services.test_applications_flow import finished


@dataclass
class VaryingEngine(OfferingEngine):
    """Offers every product, at the P ``p_for`` gives the session (0.97 by default)."""

    p_for: dict[str, float] = field(default_factory=dict)

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult:
        result = super().result(state, applicant_id)
        p = self.p_for.get(applicant_id, 0.97)
        return replace(result, offers=tuple(replace(o, p_approve=p) for o in result.offers))


def _ctx(world: World) -> apps.ApplicationsContext:
    return apps.ApplicationsContext(world.ctx, Market(world.catalog, PRODUCTS))


def _apply(world: World, engine: VaryingEngine, p: float, n: int, products: list[str]) -> None:
    for _ in range(n):
        name = f"s-{len(world.store.sessions)}"
        engine.p_for[name] = p
        session = finished(world, name)
        apps.apply(world.uow(), _ctx(world), session, products, f"key-{name}")


def _offered_lenders(world: World, engine: VaryingEngine, p: float) -> tuple[str, set[str]]:
    name = f"s-{len(world.store.sessions)}"
    engine.p_for[name] = p
    session = finished(world, name)
    view = intake.view(world.uow(), world.ctx, session)
    assert view.result is not None
    return session, {o.product.lender for o in view.result.offers}


def test_a_lenders_first_offers_are_made_only_while_their_mean_reaches_its_goal(
    world: World, catalog: Catalog
) -> None:
    engine = VaryingEngine(catalog, goals={"bank_a": 0.98, "bank_b": 0.9})
    world.engine = engine
    session, lenders = _offered_lenders(world, engine, 0.97)
    assert lenders == {"bank_b", "bank_c"}, "bank_a's first offer would start below its goal"
    view = intake.view(world.uow(), world.ctx, session)
    assert view.result is not None
    left_out = [x for x in view.result.excluded if x.product.lender == "bank_a"]
    assert left_out
    assert all(x.reasons == (FIRST_OFFERS,) for x in left_out)
    with pytest.raises(ApplyRefusedError) as refused:
        apps.apply(world.uow(), _ctx(world), session, ["p1"], "key-first")
    assert refused.value.rule == "not_offered"


def test_a_lender_whose_latest_offers_fall_short_has_its_floor_raised_and_is_left_out_below_it(
    world: World, catalog: Catalog
) -> None:
    engine = VaryingEngine(catalog, goals={"bank_a": 0.9, "bank_b": 0.9})
    world.engine = engine
    _apply(world, engine, 0.95, MIN_OFFERS, ["p1"])
    # no count of offers below puts the mean exactly on 0.9, where float rounding would decide
    _apply(world, engine, 0.84, 16, ["p1"])  # the mean is still 0.9011
    with world.uow() as uow:
        assert floors_of(uow, "unsaved")["bank_a"].floor == 0.0
    _apply(world, engine, 0.84, 1, ["p1"])  # now 0.8995: below
    with world.uow() as uow:
        floor = floors_of(uow, "unsaved")["bank_a"]
    assert floor.floor == 0.95, "the lowest floor whose offers reach 0.9 (the 0.84 are tied)"
    raised = [e for e in world.store.audit if e.action == "lender.floor_raised"]
    assert [(e.subject, e.detail["floor"], e.detail["offers"]) for e in raised] == [
        ("bank_a", "0.9500", str(MIN_OFFERS + 17))]  # fmt: skip

    session, lenders = _offered_lenders(world, engine, 0.85)
    assert lenders == {"bank_c"}, "bank_b has had no offer yet: its first must reach 0.9"
    view = intake.view(world.uow(), world.ctx, session)
    assert view.result is not None
    below = [x for x in view.result.excluded if x.product.lender == "bank_a"]
    assert [x.reasons for x in below] == [(BELOW_FLOOR,)] * len(below)
    assert [x.threshold for x in below] == [0.95] * len(below)
    _, lenders = _offered_lenders(world, engine, 0.96)
    assert "bank_a" in lenders, "offers at or above the floor are made"
    applied = [a for a in world.store.applications.values() if a.prediction is not None]
    assert applied
    assert all(a.prediction.threshold >= 0.9 for a in applied if a.prediction is not None)


def test_without_a_target_no_floor_is_kept(world: World, catalog: Catalog) -> None:
    engine = VaryingEngine(catalog)
    world.engine = engine
    _apply(world, engine, 0.5, MIN_OFFERS + 5, ["p1"])
    with world.uow() as uow:
        assert floors_of(uow, "unsaved") == {}
    assert not [e for e in world.store.audit if e.action == "lender.floor_raised"]


def test_a_lender_approving_below_its_predictions_is_held_to_a_goal_raised_by_the_gap(
    world: World, catalog: Catalog
) -> None:
    engine = VaryingEngine(catalog, goals={"bank_a": 0.9})
    world.engine = engine
    _apply(world, engine, 0.93, 30, ["p1"])
    _apply(world, engine, 0.99, 10, ["p1"])
    ctx = _ctx(world)
    for n, application in enumerate(sorted(world.store.applications.values(),
                                           key=lambda a: a.id)):  # fmt: skip
        if n % 5:  # 80% approved against 94.5% predicted
            apps.decide(world.uow(), ctx, "bank_a", "lender:bank_a/k", application.id,
                        "approve", APPROVAL)  # fmt: skip
        else:
            apps.decide(world.uow(), ctx, "bank_a", "lender:bank_a/k", application.id,
                        "decline", Decision(reasons=("policy",)))  # fmt: skip
    with world.uow() as uow:
        floor = floors_of(uow, "unsaved")["bank_a"]
    assert (floor.decided, floor.approved) == (40, 32)
    assert floor.goal > 0.99, "the goal rose by the 14.5-point gap"
    assert floor.floor > 0.93, "the offers at 0.93 no longer reach it"
    _, lenders = _offered_lenders(world, engine, 0.95)
    assert "bank_a" not in lenders
