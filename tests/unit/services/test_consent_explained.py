"""The consent screen's data: each source's items with why each is read, never a protected one;
nothing protected is pulled or stored, whatever a source sends."""

from __future__ import annotations

from dataclasses import replace

from loanmatch.services import intake
from tests.unit.services.conftest import CODE, World

SOURCES = ("registry", "tax", "bureau", "bank")


def test_a_session_waiting_for_consent_lists_each_item_with_why_it_is_read(world: World) -> None:
    view = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1")
    requests = {r.source: r for r in view.consent_request}
    assert set(requests) == set(SOURCES)
    registry = {i.feature: i for i in requests["registry"].items}
    assert "owner_gender" not in registry
    assert registry["owner_age"].purpose.zh.startswith("产品对经营者年龄有上下限")
    assert registry["owner_age"].purpose.en.startswith("products set limits on the owner's age")
    tax = {i.feature for i in requests["tax"].items}
    assert "tax_grade" in tax


def test_once_granted_each_consent_explains_its_scope_and_the_request_is_gone(
    world: World,
) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    view = intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    assert view.consent_request == ()
    for consent in view.consents:
        assert [i.feature for i in consent.items] == list(consent.scope)
        assert all(i.purpose.zh and i.purpose.en for i in consent.items)


def test_a_protected_value_a_source_sends_is_never_stored_even_under_an_old_scope(
    world: World,
) -> None:
    world.connectors["registry"].values["owner_gender"] = "female"
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, ["registry"])
    # a consent stored before protected attributes were left out of the scope
    stored = world.store.consents[0]
    scope = (*stored.consent.scope, "owner_gender")
    world.store.consents[0] = replace(stored, consent=replace(stored.consent, scope=scope))
    world.store.sessions[session] = replace(
        world.store.sessions[session],
        state={**world.store.sessions[session].state, "sources": {"registry": "timeout"}},
    )
    view = intake.refresh_sources(world.uow(), world.ctx, session)
    assert view.sources["registry"] == "ok"
    assert "owner_gender" not in {k.feature for k in view.known}
    assert "owner_gender" not in world.store.sessions[session].state.get("facts", {})
    assert all("owner_gender" not in e.detail.get("features", "") for e in world.store.audit)
