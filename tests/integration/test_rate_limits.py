"""Rate limits: one client starts at most ``rate_sessions`` sessions and pulls at most
``rate_pulls`` times in the window, one lender key makes at most ``rate_lender`` requests; past
that, 429 ``rate_limited`` with ``retry_after``."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from loanmatch.settings import Settings
from loanmatch.storage.database import Database
from loanmatch.web.applications_api import install_applications_api
from loanmatch.web.rate_limits import install_rate_limits
from loanmatch.web.sessions_api import install_sessions_api
from tests.integration.test_applications_api import Served, backend_on
from tests.owners import start


def served_with(tmp_path: Path, **rates: str) -> Served:
    database = Database(f"sqlite:///{tmp_path / 'rates.db'}")
    database.upgrade()
    backend = backend_on(database)
    app = FastAPI()
    install_sessions_api(app, backend)
    install_applications_api(app)
    install_rate_limits(app, Settings(**rates))  # type: ignore[arg-type]
    return Served(TestClient(app), database, backend)


def test_starting_sessions_past_the_limit_is_a_429_saying_when_to_retry(tmp_path: Path) -> None:
    served = served_with(tmp_path, rate_sessions="3/minute")
    codes = [start(served.client, {}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    body = start(served.client, {}).json()
    assert body["code"] == "rate_limited"
    assert 1 <= body["retry_after"] <= 60
    served.database.dispose()


def test_pulls_are_limited_per_client(tmp_path: Path) -> None:
    served = served_with(tmp_path, rate_pulls="2/minute")
    session = start(served.client, {}).json()["session_id"]
    url = f"/api/v1/sessions/{session}/sources/refresh"
    codes = [served.client.post(url).status_code for _ in range(3)]
    assert codes[-1] == 429
    assert 429 not in codes[:2]
    served.database.dispose()


def test_a_lender_key_is_limited_on_its_own(tmp_path: Path) -> None:
    served = served_with(tmp_path, rate_lender="2/minute")
    mine, other = served.key("bank_a"), served.key("bank_b")
    codes = [served.client.get("/api/v1/lender/applications", headers=mine).status_code
             for _ in range(3)]  # fmt: skip
    assert codes == [200, 200, 429]
    assert served.client.get("/api/v1/lender/applications", headers=other).status_code == 200
    served.database.dispose()


def test_a_rate_that_is_no_rate_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(ValidationError, match="60/minute"):
        Settings(rate_pulls="lots")


@pytest.mark.redis
def test_two_workers_on_one_redis_share_one_window(tmp_path: Path, redis_url: str) -> None:
    """Two apps (as two server workers) counting in one Redis: the limit holds across both,
    where in-memory windows would let a client through once per worker."""
    address = (f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7", 50000)  # this run's
    workers = []
    for k in range(2):
        served = served_with(
            tmp_path / f"w{k}", rate_sessions="3/minute", rate_codes="1000/minute",
            rate_storage=redis_url,
        )  # fmt: skip
        workers.append(TestClient(served.client.app, client=address))
    codes = [start(workers[k % 2], {}).status_code for k in range(4)]
    assert codes == [201, 201, 201, 429]
