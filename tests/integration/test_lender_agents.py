"""The simulated lenders as agents over real HTTP: owners of simulated enterprises apply on a
loopback server, ``loanmatch lender agents --once`` (a real process) starts while the server is
down, waits for it with backoff, and decides every application by the hidden true policy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from loanmatch.cli.main import app
from loanmatch.connectors.simulated import simulated_credit_code as simulated_code
from loanmatch.services.agent_runner import AgentWorld, load_world
from loanmatch.services.applications import lender_application
from loanmatch.services.lender_agents import verdict
from loanmatch.storage.database import Database
from tests.e2e.conftest import free_port
from tests.market_server import finish_session, serve

OWNERS = 6


def _agents(market: Path, data_dir: Path, db_url: str, base: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LOANMATCH_MARKET_DIR": str(market), "LOANMATCH_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "loanmatch.cli.main", "lender", "agents", "--url", base,
               "--once", "--delay-min", "0", "--delay-max", "0.3",
               "--database-url", db_url]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip


def test_agents_decide_every_application_by_the_hidden_policy_across_a_server_restart(
    hidden_market: Path, tmp_path: Path
) -> None:
    world: AgentWorld = load_world(hidden_market)
    products = world.market.products
    db_url = f"sqlite:///{tmp_path / 'agents.db'}"
    database = Database(db_url)
    database.upgrade()
    port = free_port()
    ids = [str(i) for i in world.verifier.truth.applicants.ids[:OWNERS]]
    applied: dict[str, str] = {}
    with serve(database, products, port) as base:
        for k, applicant in enumerate(ids):
            session, owner = finish_session(base, applicant, f"1380000{k:04d}")
            answer = httpx.post(f"{base}/api/v1/sessions/{session}/applications", headers={
                **owner, "Idempotency-Key": f"k{k}"},
                json={"products": _mixed(world, applicant)})  # fmt: skip
            assert answer.status_code == 201, answer.text
            applied |= {a["id"]: applicant for a in answer.json()}
    agents = _agents(hidden_market, tmp_path / "state", db_url, base)
    assert agents.stdout is not None
    started = ""
    while "server unreachable" not in started:  # the agents meet the server down, and retry
        started += agents.stdout.readline()
        assert agents.poll() is None, started
    time.sleep(0.5)
    with serve(database, products, port):
        output, _ = agents.communicate(timeout=120)
    assert agents.returncode == 0, started + output
    keys = tmp_path / "state" / "agent_keys.json"
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600
    output = started + output
    assert "lmk_" not in output
    assert not any(f"1380000{k:04d}" in output for k in range(OWNERS))
    by_id = {p.id: p for p in products}
    counts = {"approve": 0, "decline": 0}
    with database.unit_of_work() as uow:
        stored = {a: uow.applications.get(a) for a in applied}
    for app_id, applicant in applied.items():
        application = stored[app_id]
        assert application is not None
        seen = lender_application(database.unit_of_work(), application.lender_id, app_id)
        assert seen.enterprise_id == simulated_code(applicant)
        expected = verdict(world.verifier, world.pricing, by_id[application.product_id],
                           seen.enterprise_id, seen.facts)  # fmt: skip
        actions = [s.action for s in application.history]
        counts[expected.action] += 1
        if expected.action == "approve":
            assert actions == ["approve", "disburse"], actions
            assert application.approval == expected.decision
        else:
            assert actions == ["decline"], actions
            assert application.history[0].decision.reasons == expected.decision.reasons
    assert sum(counts.values()) == len(applied)
    assert counts["approve"] > 0
    assert counts["decline"] > 0
    print(f"agents decided {len(applied)} applications: {counts}")
    database.dispose()


def _mixed(world: AgentWorld, applicant: str) -> list[str]:
    """Three products for the applicant: one its true lender approves when there is one."""
    code = simulated_code(applicant)
    asked = {"loan_amount": 500_000.0, "loan_term_months": 12.0}
    products = world.market.products
    approving = [
        p.id for p in products[::3]
        if verdict(world.verifier, world.pricing, p, code, asked).action == "approve"
    ]  # fmt: skip
    others = [p.id for p in products[1::7] if p.id not in approving]
    return (approving[:1] + others)[:3]


def test_agents_on_a_market_without_its_hidden_truth_exit_2_and_say_what_to_do(
    hidden_market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    market = tmp_path / "market"
    shutil.copytree(hidden_market, market)
    (market / "lenders_hidden.npz").unlink()
    monkeypatch.setenv("LOANMATCH_MARKET_DIR", str(market))
    monkeypatch.setenv("LOANMATCH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["lender", "agents", "--once"])
    assert result.exit_code == 2, result.output
    assert "simulate the market again" in result.output
