"""Kill the webhook worker while events are pending: after a restart every event reaches a real
HTTP receiver, and by its ``Webhook-Id`` the receiver sees each exactly once."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loanmatch.services.webhooks import enqueue, set_webhook
from loanmatch.storage.database import Database

EVENTS = 30


def _receiver(secret_box: list[str], seen: list[str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signed = f"{self.headers['Webhook-Timestamp']}.".encode() + body
            mac = hmac.new(secret_box[0].encode(), signed, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(self.headers["Webhook-Signature"], f"v1={mac}"):
                self.send_response(401)
                self.end_headers()
                return
            time.sleep(0.05)  # a slow receiver: the worker is killed with events in flight
            seen.append(self.headers["Webhook-Id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def _worker(url: str, watch: float) -> subprocess.Popen[bytes]:
    code = "from loanmatch.cli.main import main; main()"
    command = [sys.executable, "-c", code, "lender", "deliver", "--watch", str(watch),
               "--interval", "0.2", "--url", url]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_every_pending_event_arrives_once_after_the_worker_is_killed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    database = Database(url)
    database.upgrade()
    seen: list[str] = []
    secret_box: list[str] = []
    server = _receiver(secret_box, seen)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        _, secret = set_webhook(database.unit_of_work(), "bank_a", endpoint, datetime.now(UTC))
        secret_box.append(secret)
        with database.unit_of_work() as uow:
            for n in range(EVENTS):
                enqueue(uow, "bank_a", "application.submitted", {"n": n}, datetime.now(UTC))
            uow.commit()
        first = _worker(url, watch=60)
        deadline = time.monotonic() + 60
        while len(seen) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.kill()
        first.wait()
        delivered_before = len(set(seen))
        assert 0 < delivered_before < EVENTS, "killed while events were pending"
        second = _worker(url, watch=0)
        output = second.communicate(timeout=120)[0].decode()
        assert second.returncode == 0, output
        with database.unit_of_work() as uow:
            messages = uow.outbox.all()
        ids = {m.delivery_id for m in messages}
        assert all(m.delivered_at is not None for m in messages)
        assert set(seen) == ids, "every event reached the receiver"
        repeats = sum(c - 1 for c in Counter(seen).values())
        print(f"\n{EVENTS} events, {delivered_before} before the kill, {repeats} redelivered "
              f"(dropped by Webhook-Id), {len(set(seen))} distinct received")  # fmt: skip
        assert repeats <= 1, "at most the one event in flight at the kill is sent twice"
    finally:
        server.shutdown()
        database.dispose()
