"""``loanmatch demo`` shows the whole loop: a newcomer of a simulated enterprise proves who
they are, consents, answers, applies, and the simulated lenders (run by the demo itself) decide
within about a minute. A real process on loopback; stopped with Ctrl+C (SIGINT)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from loanmatch.connectors.simulated import simulated_credit_code
from tests.conftest import TrainedMarket
from tests.e2e.conftest import _wait_until_healthy, free_port
from tests.owners import sign_in

ALL = ["registry", "tax", "bureau", "bank"]
WITHIN_S = 60.0


def _session_with_offers(base: str, market: Path) -> tuple[httpx.Client, str, list[str]]:
    """A finished session of the first simulated enterprise that gets offers (answers typed
    from its applicants.csv row)."""
    with (market / "applicants.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows[:20]:
        client = httpx.Client(base_url=base, timeout=60)
        code = simulated_credit_code(row["applicant_id"])
        client.headers.update(sign_in(client, "13800001111", code))
        session = client.post("/api/v1/sessions", json={"enterprise_id": code}).json()["session_id"]
        body = client.post(f"/api/v1/sessions/{session}/consent", json={"sources": ALL}).json()
        while body.get("question"):
            question = body["question"]
            body = client.post(f"/api/v1/sessions/{session}/answers", json={
                "text": row.get(question["feature"]) or "不知道", "question": question["seq"]}
            ).json()  # fmt: skip
        offers = [o["product_id"] for o in (body.get("result") or {}).get("offers", [])]
        if body.get("stage") == "done" and offers:
            return client, session, offers
        client.close()
    pytest.fail("no simulated enterprise among the first 20 gets an offer")


@pytest.mark.slow
def test_make_demo_shows_apply_wait_decision(trained_market: TrainedMarket, tmp_path: Path) -> None:
    shutil.copytree(trained_market.market, tmp_path / "market")
    shutil.copytree(trained_market.model_dir, tmp_path / "model")
    port = free_port()
    env = {**os.environ, "LOANMATCH_DATA_DIR": str(tmp_path), "LOANMATCH_RATE_CODES": "100/minute"}
    log_path = tmp_path / "demo.log"
    command = [sys.executable, "-m", "loanmatch.cli.main", "demo", "--port", str(port)]
    with log_path.open("wb") as log:
        demo = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, demo, log_path)
        client, session, offers = _session_with_offers(base, tmp_path / "market")
        url = f"/api/v1/sessions/{session}/applications"
        applied = client.post(url, json={"products": offers[:2]}, headers={"Idempotency-Key": "1"})
        assert applied.status_code == 201, applied.text
        started = time.monotonic()
        while time.monotonic() - started < WITHIN_S + 15:
            mine = client.get(f"/api/v1/sessions/{session}/applications").json()
            if all(a["status"] != "submitted" for a in mine):
                break
            time.sleep(1)
        waited = time.monotonic() - started
        assert all(a["status"] != "submitted" for a in mine), log_path.read_text()
        assert waited < WITHIN_S, f"the decision took {waited:.0f} s"
        assert all(a["history"][0]["actor"].startswith(f"lender:{a['lender_id']}/") for a in mine)
        print(f"decision after {waited:.1f} s: {[a['status'] for a in mine]}")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait(timeout=10)
    text = log_path.read_text()
    assert "[lender agents]" in text
    assert "lmk_" not in text
    assert "13800001111" not in text
    assert "GET /api/v1/lender/applications" not in text, "the agents' polls stay out of the log"
