"""A real uvicorn server in a subprocess, started once for the end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TrainedMarket

STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database of :func:`live_server` (tests add portal users to it directly)."""
    return f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'loanmatch.db'}"


@pytest.fixture(scope="session")
def live_server(
    trained_market: TrainedMarket, tmp_path_factory: pytest.TempPathFactory,
    live_database_url: str,
) -> Iterator[str]:  # fmt: skip
    """The base URL of ``loanmatch serve`` running the session's model on a free port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = {
        **os.environ,
        "LOANMATCH_MARKET_DIR": str(trained_market.market),
        "LOANMATCH_LOG_LEVEL": "WARNING",
        "LOANMATCH_DATABASE_URL": live_database_url,
        "LOANMATCH_RATE_CODES": "1000/minute",  # every browser test signs an owner in
    }
    command = [sys.executable, "-m", "loanmatch.cli.main", "serve", "--port", str(port),
               "--model-dir", str(trained_market.model_dir)]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, server, log_path)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def _wait_until_healthy(base: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"the server was not healthy within {STARTUP_SECONDS:.0f}s:\n{log_path.read_text()}"
    )
