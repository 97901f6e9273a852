"""A loopback uvicorn server of the applications API over a simulated market's products, and
owners who finish a session there as simulated enterprises: what the lender agents' tests run
against (tests/integration/test_lender_agents*.py)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import uvicorn
from fastapi import FastAPI

from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.products import Market, Product
from loanmatch.storage.database import Database
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.sessions_api import SessionsBackend, install_sessions_api
from tests.owners import start
from tests.unit.services.fakes import FakeClock, OfferingEngine, context, default_catalog

__all__ = ["REPLIES", "finish_session", "serve"]

REPLIES = {"loan_amount": "50万", "annual_revenue": "800万", "tax_grade": "B",
           "owner_bureau_score": "700", "loan_term_months": "12"}  # fmt: skip


def _app(database: Database, products: tuple[Product, ...]) -> FastAPI:
    catalog = default_catalog()
    engine = OfferingEngine(catalog, products=products)
    ctx = replace(context(engine, {}, FakeClock()), new_id=lambda: uuid.uuid4().hex)
    app = FastAPI()
    backend = SessionsBackend(database.unit_of_work, ctx, Market(catalog, products))
    install_sessions_api(app, backend)
    install_applications_api(app)
    return app


@contextmanager
def serve(database: Database, products: tuple[Product, ...], port: int) -> Iterator[str]:
    """The sessions and applications APIs (every product offered to every owner) on
    ``127.0.0.1:port`` in a thread of this process, until the block ends."""
    config = uvicorn.Config(_app(database, products), host="127.0.0.1", port=port,
                            log_level="warning", limit_concurrency=200)  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive(), "the loopback server stopped at start"
        assert time.monotonic() < deadline, "the loopback server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=20)


def finish_session(base: str, applicant_id: str, owner: str) -> tuple[str, dict[str, str]]:
    """A finished session of the simulated enterprise ``applicant_id`` (its credit code), and
    its owner's Authorization header."""
    with httpx.Client(base_url=base, timeout=60) as client:
        started = start(client, {"enterprise_id": simulated_credit_code(applicant_id),
                                 "owner_id": owner})  # fmt: skip
        assert started.status_code == 201, started.text
        session = str(started.json()["session_id"])
        body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": []}).json()
        while body["question"] is not None:
            question = body["question"]
            body = client.post(f"/api/v1/sessions/{session}/answers",
                               json={"text": REPLIES[question["feature"]],
                                     "question": question["seq"]}).json()  # fmt: skip
        assert body["stage"] == "done", body
        return session, {"Authorization": client.headers["Authorization"]}
