"""Fifty owners' answers racing on one session over real HTTP (a uvicorn server on loopback in
this process, its thread pool serving them in parallel), on a SQLite file and on PostgreSQL: an
answer lands only on the question it names, or is refused; never on another question."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from loanmatch.intake.engine import Question
from loanmatch.intake.state import IntakeState
from loanmatch.storage.database import Database
from loanmatch.web.errors import install_error_handlers
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.e2e.conftest import free_port
from tests.owners import start
from tests.unit.services.fakes import FakeClock, FakeEngine, context, default_catalog

ANSWERS = 50
THINK_SECONDS = 0.02
"""How long the fake engine takes to choose a question: the window in which answers race."""
SPREAD_SECONDS = 1.0
"""Each owner reads the session at a random moment within this long after the start, so the
answers name several successive questions and many race on each."""


class SlowEngine(FakeEngine):
    """The fake engine asking every askable feature in catalog order, taking a moment each time
    (as the real engine does), so concurrent answers overlap."""

    def next_question(self, state: IntakeState) -> Question | None:
        time.sleep(THINK_SECONDS)
        return super().next_question(state)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
    else:
        url = request.getfixturevalue("postgres_server")
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def server(database: Database) -> Iterator[str]:
    catalog = default_catalog()
    askable = tuple(f.name for f in catalog.features if not f.derived and not f.protected)
    engine = SlowEngine(catalog, order=askable, enough=len(askable))
    app = FastAPI()
    install_error_handlers(app)
    ctx = replace(context(engine, {}, FakeClock()), new_id=lambda: uuid.uuid4().hex)
    install_sessions_api(app, SessionsBackend(database.unit_of_work, ctx))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the loopback server did not start"
        time.sleep(0.05)
    yield base
    running.should_exit = True
    thread.join(timeout=20)


@dataclass(frozen=True)
class Sent:
    seq: int
    feature: str
    status: int
    code: str | None


def _asking_session(base: str) -> tuple[str, dict[str, str]]:
    """A session asking its first question, and its owner's Authorization header."""
    with httpx.Client(base_url=base) as client:
        started = start(client, {"enterprise_id": "91310115000000035B"})
        session = str(started.json()["session_id"])
        consent = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []})
        assert consent.json()["stage"] == "asking"
        return session, {"Authorization": client.headers["Authorization"]}


def _race(
    base: str, session: str, headers: dict[str, str], *, name_the_question: bool
) -> list[Sent]:
    """``ANSWERS`` threads released together; each reads the session, then answers the question
    it was shown ("不知道" fits every question), naming it or not."""
    gate = threading.Barrier(ANSWERS)
    sent: list[Sent] = []
    lock = threading.Lock()

    def owner(k: int) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            gate.wait()
            time.sleep(random.Random(k).uniform(0, SPREAD_SECONDS))
            question = client.get(f"/api/v1/sessions/{session}").json()["question"]
            body: dict[str, object] = {"text": "不知道"}
            if name_the_question:
                body["question"] = question["seq"]
            reply = client.post(f"/api/v1/sessions/{session}/answers", json=body)
            code = None if reply.is_success else str(reply.json()["code"])
            with lock:
                sent.append(Sent(question["seq"], question["feature"], reply.status_code, code))

    threads = [threading.Thread(target=owner, args=(k,)) for k in range(ANSWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(sent) == ANSWERS
    return sent


def _answered(database: Database, session: str) -> list[tuple[object, object]]:
    """(question number, feature) of every answer the session recorded, in order."""
    with database.unit_of_work() as uow:
        return [
            (e.detail.get("question"), e.detail["feature"])
            for e in uow.events.events(session)
            if e.kind == "answered"
        ]


def test_fifty_concurrent_answers_each_land_on_the_question_they_name_or_are_refused(
    server: str, database: Database
) -> None:
    session, headers = _asking_session(server)
    sent = _race(server, session, headers, name_the_question=True)
    accepted = [(s.seq, s.feature) for s in sent if s.status == 200]
    refused = Counter(s.code for s in sent if s.status != 200)
    recorded = _answered(database, session)
    misapplied = len(set(accepted) ^ set(recorded))
    print(
        f"\n{database.url.get_backend_name()}: {ANSWERS} concurrent answers: "
        f"{len(accepted)} accepted, {refused['session.conflict.stale_question']} refused as "
        f"stale, {refused['session.conflict']} refused as conflicts, {misapplied} misapplied"
    )
    assert {s.status for s in sent} <= {200, 409}
    assert set(refused) <= {"session.conflict.stale_question", "session.conflict"}
    assert accepted, "at least one answer is accepted"
    assert len(recorded) == len(accepted), "one recorded answer per accepted request"
    assert sorted(recorded) == sorted(accepted), "each accepted answer is on the question it named"
    assert misapplied == 0
    assert len({seq for seq, _ in recorded}) == len(recorded), "no question answered twice"
    state = httpx.get(f"{server}/api/v1/sessions/{session}", headers=headers).json()
    assert state["questions_typed"] == len(accepted)
    assert state["question"]["seq"] == len(accepted) + 1


def test_fifty_concurrent_answers_that_name_no_question_are_all_refused_and_change_nothing(
    server: str, database: Database
) -> None:
    session, headers = _asking_session(server)
    before = httpx.get(f"{server}/api/v1/sessions/{session}", headers=headers).json()
    sent = _race(server, session, headers, name_the_question=False)
    assert {(s.status, s.code) for s in sent} == {(422, "input.answer")}
    assert _answered(database, session) == []
    assert httpx.get(f"{server}/api/v1/sessions/{session}", headers=headers).json() == before
