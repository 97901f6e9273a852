"""Retraining as a job, promotion by evidence, and the serving switch (issue 13), on the shared
simulated market through the real commands:

- ``loanmatch model retrain --holdout FILE --now`` (make test): a challenger trained on the same
  2,000 rows as the champion is a tie on 5,000 fresh decisions: refused, kept, audited, and a
  rollback with nothing served before is refused with its rule.
- The same (make acceptance, 30,000 fresh decisions logged with their propensities): a champion
  trained on 2,000 history rows is replaced by a challenger trained on all 20,000; then, with
  the market's history cut back to 2,000 rows, the next challenger is refused;
  ``loanmatch model rollback`` serves the first model again. Every switch is in the audit log
  with its actor.
- A running ``loanmatch serve`` answers ``/api/v1/recommend`` from 4 threads while
  ``loanmatch model promote`` switches its model: every request succeeds (counted) and
  ``/healthz`` names the new model within seconds.
- ``loanmatch model canary`` (make test): the server's intake engine splits firms between the
  champion and the canary by credit code within seconds, each result names its model, a second
  canary is refused, and ``loanmatch model judge`` waits while neither arm has decisions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from loanmatch.adapters.tables import table_to_csv
from loanmatch.bootstrap import compose
from loanmatch.cli.main import app
from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.canary import in_canary
from loanmatch.intake.state import IntakeState
from loanmatch.model.directory import model_id
from loanmatch.services import models
from loanmatch.services.intake.split import SplitEngine
from loanmatch.services.train import train
from loanmatch.simulator import simulate_market
from loanmatch.storage.database import Database
from loanmatch.web.backend import default_sessions
from loanmatch.web.model_switch import ModelSwitch
from tests.conftest import APPLICANTS, HISTORY_ROWS, SEED, TrainedMarket
from tests.e2e.conftest import free_port

SMALL = 2_000


@dataclass(frozen=True)
class Setup:
    root: Path
    market: Path
    small_history: Path
    full_history: Path
    first_model: Path
    holdout: Path
    small_holdout: Path

    def env(self) -> dict[str, str]:
        return {
            "LOANMATCH_DATA_DIR": str(self.root / "data"),
            "LOANMATCH_MARKET_DIR": str(self.market),
            "LOANMATCH_MODEL_DIR": str(self.first_model),
            "LOANMATCH_DATABASE_URL": f"sqlite:///{self.root / 'data' / 'loanmatch.db'}",
        }


@pytest.fixture(scope="module")
def setup(trained_market: TrainedMarket, tmp_path_factory: pytest.TempPathFactory) -> Setup:
    root = tmp_path_factory.mktemp("retrain")
    market = trained_market.copy_market(root / "market")
    full = root / "history-full.csv"
    full.write_bytes((market / "history.csv").read_bytes())
    small = root / "history-small.csv"
    pd.read_csv(full, dtype=str, keep_default_na=False).head(SMALL).to_csv(small, index=False)
    first = root / "first-model"
    train(market / "features.yaml", market / "products.yaml", small, first, seed=0,
          pricing=market / "pricing.yaml", loans=market / "loans.csv")  # fmt: skip
    simulated = simulate_market(SEED, history_rows=HISTORY_ROWS, n_applicants=APPLICANTS)
    holdouts = []
    for rows in (30_000, 5_000):
        recent = simulated.log_decisions(rows, seed=1)
        holdouts.append(root / f"holdout-{rows}.csv")
        holdouts[-1].write_text(table_to_csv(recent.table, simulated.catalog), encoding="utf-8")
    return Setup(root, market, small, full, first, *holdouts)


@pytest.fixture
def cli(setup: Setup, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> CliRunner:
    for name, value in setup.env().items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _audit(setup: Setup) -> list[tuple[str, str, str]]:
    database = Database(setup.env()["LOANMATCH_DATABASE_URL"])
    try:
        with database.unit_of_work() as uow:
            return [(e.action, e.actor, e.subject) for e in uow.audit.entries()
                    if e.action.startswith("model.")]  # fmt: skip
    finally:
        database.dispose()


def _versions(cli: CliRunner) -> dict[str, str]:
    listed = cli.invoke(app, ["model", "versions"])
    assert listed.exit_code == 0, listed.output
    return dict(line.split("\t")[:2] for line in listed.output.splitlines())


def test_a_challenger_no_better_than_the_champion_is_refused_kept_and_audited(
    setup: Setup, cli: CliRunner, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'tie.db'}"
    (setup.market / "history.csv").write_bytes(setup.small_history.read_bytes())
    tie = cli.invoke(app, ["model", "retrain", "--holdout", str(setup.small_holdout), "--now",
                           "--url", database])  # fmt: skip
    assert tie.exit_code == 0, tie.output
    assert "\tretrain\tdone\t" in tie.output, tie.output
    assert "\n- " in tie.output, tie.output  # the gate's reasons
    listed = cli.invoke(app, ["model", "versions", "--url", database])
    roles = sorted(line.split("\t")[1] for line in listed.output.splitlines())
    assert roles == ["champion", "refused"], listed.output
    back = cli.invoke(app, ["model", "rollback", "--url", database])
    assert back.exit_code != 0, back.output
    assert "model_switch.no_previous" in back.output, back.output


@pytest.mark.scenario  # two trainings on 20,000 rows and comparisons on 30,000: make acceptance
def test_a_better_challenger_is_promoted_a_worse_one_refused_and_a_rollback_serves_the_first(
    setup: Setup, cli: CliRunner
) -> None:
    first = model_id(setup.first_model)
    (setup.market / "history.csv").write_bytes(setup.full_history.read_bytes())
    better = cli.invoke(app, ["model", "retrain", "--holdout", str(setup.holdout), "--now"])
    assert better.exit_code == 0, better.output
    assert "\tdone\t" in better.output, better.output
    assert "promoted" in better.output, better.output
    print(f"\nthe better challenger:\n{better.output}")
    roles = _versions(cli)
    challenger = next(m for m, role in roles.items() if role == "champion")
    assert roles[first] == "retired"
    assert challenger != first

    (setup.market / "history.csv").write_bytes(setup.small_history.read_bytes())
    worse = cli.invoke(app, ["model", "retrain", "--holdout", str(setup.holdout), "--now"])
    assert worse.exit_code == 0, worse.output
    print(f"\nthe worse challenger:\n{worse.output}")
    assert "\tdone\t" in worse.output
    assert "promoted" not in worse.output.split("\n")[-3]
    roles = _versions(cli)
    assert sorted(roles.values()) == ["champion", "refused", "retired"]
    assert roles[challenger] == "champion"

    back = cli.invoke(app, ["model", "rollback", "--reason", "checking the rollback"])
    assert back.exit_code == 0, back.output
    assert _versions(cli)[first] == "champion"
    actions = [a for a, _, _ in _audit(setup)]
    assert actions == ["model.register", "model.register", "model.promote", "model.register",
                       "model.refuse", "model.rollback"]  # fmt: skip
    assert {actor for _, actor, _ in _audit(setup)} == {"system", "operator:cli"}
    jobs = cli.invoke(app, ["jobs", "list"])
    assert jobs.output.count("\tretrain\tdone\t") == 2, jobs.output


@pytest.fixture
def server(setup: Setup, trained_market: TrainedMarket) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **setup.env(), "LOANMATCH_LOG_LEVEL": "WARNING",
           "LOANMATCH_DATABASE_URL": f"sqlite:///{setup.root / 'serving.db'}",
           "LOANMATCH_MODEL_DIR": str(trained_market.model_dir)}  # fmt: skip
    log = setup.root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "loanmatch.cli.main", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_requests_served_while_the_model_switches_all_succeed(
    setup: Setup, trained_market: TrainedMarket, server: str, answers_with_offers: dict[str, str]
) -> None:
    serving_url = f"sqlite:///{setup.root / 'serving.db'}"
    old, new = model_id(trained_market.model_dir), model_id(setup.first_model)
    assert httpx.get(f"{server}/healthz").json()["model"] == old
    database = Database(serving_url)
    try:  # the challenger as a retraining job would leave it: registered, not yet served
        with database.unit_of_work() as uow:
            models.ensure_champion(uow, trained_market.model_dir, datetime.now(UTC))
            models.register(uow, setup.first_model, datetime.now(UTC), "operator:test")
            uow.commit()
    finally:
        database.dispose()
    body = {"applicant": {k: v for k, v in answers_with_offers.items() if v}}
    statuses: list[int] = []
    models_seen: set[str] = set()
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=server, timeout=30) as http:
            while not stop.is_set():
                statuses.append(http.post("/api/v1/recommend", json=body).status_code)
                models_seen.add(http.get("/healthz").json()["model"])

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    promoted = CliRunner().invoke(app, ["model", "promote", new, "--url", serving_url])
    assert promoted.exit_code == 0, promoted.output
    deadline = time.monotonic() + 30
    while new not in models_seen and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    assert new in models_seen, "the server did not switch within 30 s"
    assert models_seen == {old, new}
    assert statuses, "no request was made"
    assert set(statuses) == {200}, f"{len(statuses)} requests: {set(statuses)}"
    print(f"\nswitch: {len(statuses)} recommend requests during the switch, all 200")


def test_a_canary_serves_its_share_of_firms_and_each_result_names_its_model(
    setup: Setup, trained_market: TrainedMarket, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None,
) -> None:  # fmt: skip
    url = f"sqlite:///{tmp_path / 'canary.db'}"
    for name, value in {**setup.env(), "LOANMATCH_DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    root = compose()
    bundle = root.bundle()
    champion, canary = bundle.model_id, model_id(trained_market.model_dir)
    lazy = default_sessions(root, ModelSwitch(bundle, champion, check_seconds=0.0))
    assert not isinstance(lazy.get().context.engine, SplitEngine), "no canary: no split"
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            models.ensure_champion(uow, setup.first_model, datetime.now(UTC))
            models.register(uow, trained_market.model_dir, datetime.now(UTC), "operator:test")
            uow.commit()
    finally:
        database.dispose()
    cli = CliRunner()
    started = cli.invoke(app, ["model", "canary", canary, "--share", "0.5", "--url", url])
    assert started.exit_code == 0, started.output
    again = cli.invoke(app, ["model", "canary", champion, "--url", url])
    assert again.exit_code == 2, "a second canary (here the champion) is refused"
    deadline = time.monotonic() + 60
    while not isinstance(engine := lazy.get().context.engine, SplitEngine):
        assert time.monotonic() < deadline, "the server did not start serving the canary"
        time.sleep(0.2)
    firms = [simulated_credit_code(f"firm-{n}") for n in range(200)]
    served = {code: engine.result(IntakeState(enterprise_id=code), code).model_id
              for code in firms}  # fmt: skip
    expected = {code: canary if in_canary(canary, code, 0.5) else champion for code in firms}
    assert served == expected
    assert 60 < sum(m == canary for m in served.values()) < 140
    judged = cli.invoke(app, ["model", "judge", "--url", url])
    assert judged.exit_code == 0, judged.output
    assert f"{canary}: wait" in judged.output
