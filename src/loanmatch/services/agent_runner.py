"""Simulated lenders that act: each reads its own inbox over the HTTP API and decides (issue 12).

:class:`LenderAgent` is one lender's worker. It signs every request with the lender's own API
key (``Authorization: Bearer lmk_...``), lists its submitted and approved applications
(``GET /api/v1/lender/applications?status=``), and after a seeded random delay (a realistic
review time) reads the application with the facts released to it and returns the decision of
the lender's hidden true policy (:func:`~loanmatch.services.lender_agents.verdict`). An
approval is disbursed after a second delay. What it does is reported in one line each,
naming the lender, the product and the application by its first 8 characters (never an
owner's id, a credit code or a key).

It survives what a real integration meets:

- **409** (another worker, or the owner, changed the application first): counted, dropped;
- **429**: waits ``retry_after`` seconds (the body's, else the ``Retry-After`` header), retries;
- **a server down or restarting** (connection refused, timeouts, 5xx): retries with
  exponential backoff (0.5 s doubling to ``backoff_max_s``);
- **401**: the key was refused, which no retry mends: :class:`~loanmatch.errors.AgentError`.

:func:`agent_tokens` gives every lender a key: those of the keys file that are still valid,
new ones issued for the rest; the file is written 0600 and no key is ever printed.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from loanmatch.adapters.atomic import atomic_write_bytes
from loanmatch.adapters.pricing_file import load_pricing
from loanmatch.domain.pricing import PricingBook
from loanmatch.domain.products import Market
from loanmatch.errors import AgentError, AuthError
from loanmatch.services.lender_agents import Verdict, Verifier, verdict
from loanmatch.services.lender_keys import authenticate, issue_key
from loanmatch.simulator.hidden import HIDDEN_FILE, load_hidden
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["AgentSettings", "AgentWorld", "LenderAgent", "agent_tokens", "load_world", "run_agents"]

OPEN = ("submitted", "documents_requested")
FIRST_BACKOFF_S = 0.5


@dataclass(frozen=True)
class AgentSettings:
    delay_min: float = 5.0
    delay_max: float = 40.0
    """Seconds from first seeing an application (or an approval) to acting on it."""
    poll_s: float = 2.0
    seed: int = 7
    once: bool = False
    """Act on everything in the inbox, then stop when nothing is left to do."""
    timeout_s: float = 10.0
    backoff_max_s: float = 10.0


@dataclass(frozen=True)
class AgentWorld:
    """What the agents decide by: the simulated applicants' truth, the market, its pricing."""

    verifier: Verifier
    market: Market
    pricing: PricingBook | None


def load_world(market_dir: Path) -> AgentWorld:
    """The agents' world of the simulated market in ``market_dir``."""
    directory = Path(market_dir)
    try:
        truth = load_hidden(directory)
    except FileNotFoundError as missing:
        raise AgentError(
            f"{directory / HIDDEN_FILE} is missing: the lender agents need the hidden truth "
            f"that loanmatch simulate writes (simulate the market again)"
        ) from missing
    except ValueError as mismatch:
        raise AgentError(f"{mismatch}: simulate the market again") from mismatch
    pricing_file = directory / "pricing.yaml"
    pricing = load_pricing(pricing_file, truth.market) if pricing_file.is_file() else None
    return AgentWorld(Verifier(truth), truth.market, pricing)


@dataclass
class AgentStats:
    done: Counter[str] = field(default_factory=Counter)
    """approve, decline, disburse, conflict (409), rate_limited (429), retry, gone (404)."""

    def merge(self, other: AgentStats) -> AgentStats:
        self.done.update(other.done)
        return self


class LenderAgent:
    """One worker of one lender (several may share a lender: they race, and 409s sort it)."""

    def __init__(
        self, lender_id: str, token: str, base_url: str, world: AgentWorld,
        settings: AgentSettings, report: Callable[[str], None] = print, worker: int = 0,
        stop: threading.Event | None = None, transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.lender_id, self.world, self.settings, self.report = lender_id, world, settings, report
        self.stop = stop or threading.Event()
        self.clock = clock
        self.rng = random.Random(f"{settings.seed}:{lender_id}:{worker}")
        self.stats = AgentStats()
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=settings.timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        self.pending: dict[str, tuple[float, str]] = {}
        self.handled: set[str] = set()

    # ------------------------------------------------------------------ HTTP ----------------
    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when told to stop."""
        return self.stop.wait(max(seconds, 0.0))

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """The answer (2xx or 4xx but 401/429), retrying the rest; None when stopped."""
        backoff = FIRST_BACKOFF_S
        while not self.stop.is_set():
            try:
                answer = self.client.request(method, path, **kwargs)
            except httpx.TransportError as error:
                self.stats.done["retry"] += 1
                if backoff == FIRST_BACKOFF_S:  # once an outage, not at every retry
                    self.report(f"{self.lender_id}: server unreachable "
                                f"({type(error).__name__}), retrying with backoff")  # fmt: skip
                self._wait(backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)
                continue
            if answer.status_code == 429:
                self.stats.done["rate_limited"] += 1
                self._wait(_retry_after(answer))
                continue
            if answer.status_code >= 500:
                self.stats.done["retry"] += 1
                self._wait(backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)
                continue
            if answer.status_code == 401:
                raise AgentError(f"the server refused the API key of {self.lender_id}")
            return answer
        return None

    # ------------------------------------------------------------------ loop ----------------
    def _delay(self) -> float:
        return self.rng.uniform(self.settings.delay_min, self.settings.delay_max)

    def poll(self) -> bool:
        """Schedule what the inbox shows; False when stopped."""
        now = self.clock()
        for status, kind in (("submitted", "decide"), ("approved", "disburse")):
            answer = self._call("GET", "/api/v1/lender/applications", params={"status": status})
            if answer is None:
                return False
            for item in answer.json() if answer.status_code == 200 else []:
                key = f"{kind}:{item['id']}"
                if key not in self.handled and item["id"] not in self.pending:
                    self.pending[item["id"]] = (now + self._delay(), kind)
        return True

    def act_due(self) -> None:
        now = self.clock()
        for app_id, (when, kind) in sorted(self.pending.items(), key=lambda kv: kv[1][0]):
            if when > now or self.stop.is_set():
                continue
            del self.pending[app_id]
            self.handled.add(f"{kind}:{app_id}")
            if kind == "decide":
                self._decide(app_id)
            else:
                self._post(app_id, {"action": "disburse"}, "disburse", "")

    def run(self) -> AgentStats:
        """Poll and act until stopped (or, with ``once``, until nothing is left to do)."""
        try:
            while not self.stop.is_set():
                if not self.poll():
                    break
                self.act_due()
                if self.settings.once and not self.pending:
                    break
                due = min((w for w, _ in self.pending.values()), default=float("inf"))
                self._wait(min(self.settings.poll_s, max(due - self.clock(), 0.05)))
        finally:
            self.client.close()
        return self.stats

    # ------------------------------------------------------------------ steps ---------------
    def _decide(self, app_id: str) -> None:
        answer = self._call("GET", f"/api/v1/lender/applications/{app_id}")
        if answer is None or answer.status_code != 200:
            self.stats.done["gone"] += 1
            return
        seen = answer.json()
        if seen["status"] not in OPEN:
            return  # decided by another worker, or withdrawn by the owner
        product = next((p for p in self.world.market.products if p.id == seen["product_id"]), None)
        if product is None:
            self.report(f"{self.lender_id}: {app_id[:8]} names an unknown product, skipped")
            return
        said = verdict(self.world.verifier, self.world.pricing, product,
                       str(seen.get("enterprise_id", "")), seen.get("facts", {}))  # fmt: skip
        done = self._post(app_id, _body(said), said.action, f"{product.id} {_terms(said)}")
        if done and said.action == "approve":
            self.pending[app_id] = (self.clock() + self._delay(), "disburse")

    def _post(self, app_id: str, body: dict[str, Any], action: str, what: str) -> bool:
        """POST the decision; whether it landed."""
        answer = self._call("POST", f"/api/v1/lender/applications/{app_id}/decision", json=body)
        if answer is None:
            return False
        if answer.status_code == 200:
            self.stats.done[action] += 1
            done = {"approve": "approved", "decline": "declined", "disburse": "disbursed"}
            self.report(f"{self.lender_id}: {done[action]} {app_id[:8]} {what}".rstrip())
            return True
        if answer.status_code == 409:
            self.stats.done["conflict"] += 1
            self.report(f"{self.lender_id}: {app_id[:8]} was changed first elsewhere (409), "
                        f"left as it is")  # fmt: skip
            return False
        self.stats.done["gone"] += 1
        self.report(f"{self.lender_id}: {action} {app_id[:8]} answered {answer.status_code}")
        return False


def _retry_after(answer: httpx.Response) -> float:
    try:
        return float(answer.json()["retry_after"])
    except (ValueError, KeyError, TypeError):
        try:
            return float(answer.headers.get("Retry-After", "1"))
        except ValueError:
            return 1.0


def _body(said: Verdict) -> dict[str, Any]:
    d = said.decision
    if said.action == "approve":
        return {"action": "approve", "amount_yuan": d.amount_yuan, "annual_rate": d.annual_rate,
                "term_months": d.term_months, "repayment_method": d.repayment_method,
                "note": d.note}  # fmt: skip
    return {"action": "decline", "reasons": list(d.reasons), "note": d.note[:1000]}


def _terms(said: Verdict) -> str:
    d = said.decision
    if said.action == "decline":
        return f"({', '.join(d.reasons)})"
    rate, wan = (d.annual_rate or 0.0) * 100, (d.amount_yuan or 0.0) / 1e4
    return f"{wan:g}万元 {rate:.2f}% {d.term_months}个月 {d.repayment_method}"


def run_agents(
    base_url: str, tokens: Mapping[str, str], world: AgentWorld, settings: AgentSettings,
    report: Callable[[str], None] = print, workers: int = 1, stop: threading.Event | None = None,
) -> AgentStats:  # fmt: skip
    """Run ``workers`` agents per lender of ``tokens``, one thread each, until ``stop`` is set
    (or, with ``settings.once``, until each is done); their stats summed. An agent's
    :class:`AgentError` stops it and is raised once all are done."""
    event = stop or threading.Event()
    agents = [LenderAgent(lender, token, base_url, world, settings, report, k, event)
              for lender, token in tokens.items() for k in range(workers)]  # fmt: skip
    errors: list[AgentError] = []
    total = AgentStats()
    lock = threading.Lock()

    def one(agent: LenderAgent) -> None:
        try:
            stats = agent.run()
        except AgentError as error:
            report(f"{agent.lender_id}: stopped: {error.message}")
            with lock:
                errors.append(error)
            return
        with lock:
            total.merge(stats)

    threads = [threading.Thread(target=one, args=(a,), daemon=True, name=f"agent-{a.lender_id}")
               for a in agents]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return total


def agent_tokens(
    unit_of_work: Callable[[], UnitOfWork], lenders: Sequence[str], keys_file: Path, at: datetime
) -> dict[str, str]:
    """A valid API key for each lender: the keys file's where still valid, else a new one
    (``applications:read`` and ``applications:decide``); the file is rewritten 0600."""
    path = Path(keys_file)
    stored: dict[str, str] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            stored = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except (ValueError, OSError):
            stored = {}
    tokens: dict[str, str] = {}
    for lender in lenders:
        token = stored.get(lender, "")
        try:
            key = authenticate(unit_of_work(), token, at, "applications:decide")
            valid = key.lender_id == lender
        except AuthError:
            valid = False
        tokens[lender] = token if valid else issue_key(unit_of_work(), lender, at)[1]
    if tokens != stored:
        text = json.dumps(tokens, indent=1, sort_keys=True)
        atomic_write_bytes(path, text.encode("utf-8"), mode=0o600)
    return tokens
