"""A lender agent over a scripted API (httpx.MockTransport): it waits out a 429, retries a
server that is down or failing, survives a 409, and its keys file is private."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.errors import AgentError
from loanmatch.services.agent_runner import (
    AgentSettings,
    AgentWorld,
    LenderAgent,
    agent_tokens,
    load_world,
)
from loanmatch.services.lender_keys import revoke_key
from loanmatch.storage.database import Database

QUICK = AgentSettings(delay_min=0.0, delay_max=0.0, poll_s=0.01, once=True, backoff_max_s=0.01)


@pytest.fixture(scope="module")
def world(hidden_market: Path) -> AgentWorld:
    return load_world(hidden_market)


class Script:
    """A lender API with one submitted application that answers badly at first."""

    def __init__(self, world: AgentWorld) -> None:
        self.product = world.market.products[0]
        self.code = simulated_credit_code(str(world.verifier.truth.applicants.ids[0]))
        self.status = "submitted"
        self.calls: list[str] = []
        self.failures: dict[str, list[int | str]] = {
            "inbox": [429, "down"], "decision": [503], "disburse": [409],
        }  # fmt: skip
        self.bodies: list[dict[str, Any]] = []

    def app(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        kind = ("disburse" if b"disburse" in request.content else "decision") \
            if request.method == "POST" else "inbox"  # fmt: skip
        if self.failures[kind]:
            failure = self.failures[kind].pop(0)
            if failure == "down":
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(int(failure), json={"code": "x", "retry_after": 0})
        item = {"id": "a" * 32, "product_id": self.product.id, "status": self.status}
        if path.endswith("/applications"):
            wanted = request.url.params.get("status")
            return httpx.Response(200, json=[item] if wanted == self.status else [])
        if request.method == "GET":
            return httpx.Response(200, json={**item, "enterprise_id": self.code,
                                             "facts": {"loan_amount": 100_000.0}})  # fmt: skip
        body = json.loads(request.content)
        self.bodies.append(body)
        self.status = {"approve": "approved", "decline": "declined"}.get(body["action"], "x")
        return httpx.Response(200, json={**item, "status": self.status})


def test_the_agent_waits_out_429_retries_a_down_server_and_survives_a_409(
    world: AgentWorld,
) -> None:
    script = Script(world)
    said: list[str] = []
    agent = LenderAgent(script.product.lender, "lmk_x.y", "http://lender.test", world, QUICK,
                        said.append, transport=httpx.MockTransport(script.app))  # fmt: skip
    stats = agent.run()
    assert stats.done["rate_limited"] == 1
    assert stats.done["retry"] == 2, "one connection refused, one 503"
    decided = stats.done["approve"] + stats.done["decline"]
    assert decided == 1
    assert script.bodies[0]["action"] in ("approve", "decline")
    if script.bodies[0]["action"] == "approve":
        assert stats.done["conflict"] == 1, "the disbursement met a 409 and was left"
    assert all("lmk_" not in line and script.code not in line for line in said)


def test_a_refused_key_stops_the_agent_with_an_agent_error(world: AgentWorld) -> None:
    refused = httpx.MockTransport(lambda request: httpx.Response(401, json={"code": "auth"}))
    agent = LenderAgent("ccb", "lmk_x.y", "http://lender.test", world, QUICK, transport=refused)
    with pytest.raises(AgentError, match="refused the API key of ccb"):
        agent.run()


def test_keys_are_issued_once_kept_private_and_reissued_when_revoked(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'keys.db'}")
    database.upgrade()
    path = tmp_path / "state" / "agent_keys.json"
    now = datetime.now(UTC)
    first = agent_tokens(database.unit_of_work, ["ccb", "icbc"], path, now)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert agent_tokens(database.unit_of_work, ["ccb", "icbc"], path, now) == first
    key_id = first["ccb"].removeprefix("lmk_").split(".")[0]
    revoke_key(database.unit_of_work(), "ccb", key_id, now)
    again = agent_tokens(database.unit_of_work, ["ccb", "icbc"], path, datetime.now(UTC))
    assert again["icbc"] == first["icbc"]
    assert again["ccb"] != first["ccb"]
    assert json.loads(path.read_text()) == again
    database.dispose()
