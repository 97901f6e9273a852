"""The acceptance of issue 12 on PostgreSQL: 50 owners apply at once (double clicks with one
idempotency key; a product of capacity 10) while the simulated lender agents, three workers per
lender, decide over HTTP at the same time: no lost update, capacity respected, idempotency keys
honoured, every decision the hidden policy's. The counts are printed for the closing note."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from loanmatch.domain.applications import Application, Status
from loanmatch.services.agent_runner import (
    AgentSettings,
    AgentStats,
    AgentWorld,
    agent_tokens,
    load_world,
    run_agents,
)
from loanmatch.services.applications import lender_application
from loanmatch.services.lender_agents import verdict
from loanmatch.storage.database import Database
from tests.e2e.conftest import free_port
from tests.market_server import finish_session, serve

OWNERS = 50
CAPACITY = 10
WORKERS = 3
"""Agent workers per lender, racing for the same applications."""
CLICKS = 2
"""Requests each owner sends at once with one idempotency key (every fifth owner sends 3)."""

Owner = tuple[str, dict[str, str]]


Said = tuple[int, str, tuple[str, ...]]
"""One apply request's answer: status, refusal rule, the applications' ids."""


def _post(base: str, owner: Owner, products: list[str], key: str) -> Said:
    session, headers = owner
    answer = httpx.post(
        f"{base}/api/v1/sessions/{session}/applications", timeout=60,
        headers={**headers, "Idempotency-Key": key}, json={"products": products},
    )  # fmt: skip
    body = answer.json()
    if answer.status_code in (200, 201):
        return answer.status_code, "", tuple(sorted(a["id"] for a in body))
    return answer.status_code, str(body.get("rule", body.get("code"))), ()


def _apply_all(
    base: str, owners: list[Owner], wanted: dict[int, list[str]]
) -> dict[int, list[Said]]:
    """Every owner's double (or triple) click at once; an owner refused for capacity applies
    again to its other product alone, with a new key."""
    jobs = [(k, c) for k in range(len(owners)) for c in range(CLICKS + (k % 5 == 0))]
    gate = threading.Barrier(len(jobs))
    answers: dict[int, list[Said]] = {k: [] for k in wanted}

    def click(job: tuple[int, int]) -> None:
        k, _ = job
        gate.wait()
        answers[k].append(_post(base, owners[k], wanted[k], f"owner-{k}"))

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(click, jobs))
    for k, said in answers.items():
        if all(rule == "application.refused.capacity" for _, rule, _ in said):
            answers[k].append(_post(base, owners[k], wanted[k][1:], f"owner-{k}-again"))
    return answers


def _applications(database: Database, owners: list[Owner]) -> list[Application]:
    with database.unit_of_work() as uow:
        return [a for session, _ in owners for a in uow.applications.for_session(session)]


def _settled(database: Database, owners: list[Owner]) -> bool:
    done = (Status.DECLINED, Status.DISBURSED)
    return all(a.status in done for a in _applications(database, owners))


@pytest.mark.slow
@pytest.mark.postgres
def test_fifty_owners_and_racing_lender_agents_on_postgres(
    postgres_database: Database, hidden_market: Path, tmp_path: Path
) -> None:
    database = postgres_database
    world = load_world(hidden_market)
    cap = world.market.products[0]
    products = (replace(cap, capacity_per_day=CAPACITY), *world.market.products[1:])
    others = [p.id for p in world.market.products[1::5]][:6]
    wanted = {k: [cap.id, others[k % len(others)]] for k in range(OWNERS)}
    lenders = sorted({p.lender for p in products if p.id in {cap.id, *others}})
    ids = [str(i) for i in world.verifier.truth.applicants.ids[:OWNERS]]
    tokens = agent_tokens(database.unit_of_work, lenders, tmp_path / "keys.json", datetime.now(UTC))
    started = time.monotonic()
    with serve(database, products, free_port()) as base:
        with ThreadPoolExecutor(max_workers=8) as pool:
            owners = list(pool.map(lambda k: finish_session(base, ids[k], f"1390000{k:04d}"),
                                   range(OWNERS)))  # fmt: skip
        stop = threading.Event()
        quick = AgentSettings(delay_min=0.0, delay_max=0.05, poll_s=0.05, seed=7)
        box: list[AgentStats] = []
        agents = threading.Thread(
            target=lambda: box.append(run_agents(base, tokens, world, quick, lambda _: None,
                                                 WORKERS, stop)))  # fmt: skip
        agents.start()
        answers = _apply_all(base, owners, wanted)
        deadline = time.monotonic() + 90
        while not _settled(database, owners) and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        agents.join(timeout=60)
    seconds = time.monotonic() - started
    assert box, "the agents stopped with an error"
    _check(database, world, owners, wanted, answers, cap.id, box[0], seconds)


def _check(
    database: Database, world: AgentWorld, owners: list[Owner], wanted: dict[int, list[str]],
    answers: dict[int, list[Said]], cap: str, stats: AgentStats,
    seconds: float,
) -> None:  # fmt: skip
    applications = _applications(database, owners)
    # capacity: exactly CAPACITY owners got the small product; the others were refused for it
    winners = [k for k, said in answers.items() if any(s == 201 for s, _, _ in said[:3])
               and len(said) == CLICKS + (k % 5 == 0)]  # fmt: skip
    on_cap = [a for a in applications if a.product_id == cap]
    assert len(on_cap) == CAPACITY
    assert len(winners) == CAPACITY
    # idempotency: one 201 per key, the repeats 200 with the same applications
    for k, said in answers.items():
        first = said[: CLICKS + (k % 5 == 0)]
        if k in winners:
            assert sorted(s for s, _, _ in first) == [200] * (len(first) - 1) + [201], first
            assert len({ids for _, _, ids in first}) == 1, first
        else:
            assert {rule for _, rule, _ in first} == {"application.refused.capacity"}, first
            assert said[-1][0] == 201, said[-1]
    assert len(applications) == CAPACITY * 2 + (OWNERS - CAPACITY)
    # decisions: exactly one each, the hidden policy's; no lost update (version = steps)
    by_id = {p.id: p for p in world.market.products}
    counts: Counter[str] = Counter()
    for application in applications:
        actions = [s.action for s in application.history]
        assert application.version == len(actions), "a lost update"
        seen = lender_application(database.unit_of_work(), application.lender_id, application.id)
        expected = verdict(world.verifier, world.pricing, by_id[application.product_id],
                           seen.enterprise_id, seen.facts)  # fmt: skip
        assert actions == (["approve", "disburse"] if expected.action == "approve" else
                           ["decline"]), actions  # fmt: skip
        counts[expected.action] += 1
    with database.unit_of_work() as uow:
        audited = Counter(e.action for session, _ in owners for e in uow.audit.entries(session)
                          if e.action.startswith("application."))  # fmt: skip
    assert audited["application.approve"] == counts["approve"]
    assert audited["application.decline"] == counts["decline"]
    assert audited["application.disburse"] == counts["approve"]
    at_once = sum(CLICKS + (k % 5 == 0) for k in answers)
    print(
        f"\nPostgreSQL, {OWNERS} owners, {at_once} apply requests at once on {len(answers)} "
        f"idempotency keys (+{OWNERS - CAPACITY} retries to the other product), capacity "
        f"{CAPACITY}: {len(applications)} applications, "
        f"{len(on_cap)} on the capacity product, {OWNERS - CAPACITY} refused for capacity; "
        f"agents ({WORKERS} workers x {len({a.lender_id for a in applications})} lenders): "
        f"{counts['approve']} approved and disbursed, {counts['decline']} declined, "
        f"{stats.done['conflict']} lost races (409), 0 decided twice; {seconds:.1f} s"
    )
