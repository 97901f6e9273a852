"""``loanmatch demo`` and ``loanmatch serve``: build what is missing, then run the web app (the
demo also runs the market's simulated lenders as agents, in a thread: apply, wait, decision)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import typer

from loanmatch.cli.console import err_console, progress_bar
from loanmatch.settings import Settings, get_settings

__all__ = ["MARKET_FILES", "QuietPolls", "demo_command", "ensure_demo", "serve_command"]

MARKET_FILES = (
    "features.yaml",
    "products.yaml",
    "history.csv",
    "applicants.csv",
    "pricing.yaml",
    "loans.csv",
    "lenders_hidden.npz",
)
"""The files a simulated market is made of (docs/design.md §9, with the pricing and loans
extensions, and the simulator-only hidden truth the demo's lender agents decide by)."""
PRICED_FILES = ("pd_model.pkl", "pricing.yaml")
"""What a demo model directory needs to price offers (an older one is retrained)."""


def _with(settings: Settings, port: int | None, host: str | None) -> Settings:
    update: dict[str, object] = {}
    if port is not None:
        update["port"] = port
    if host is not None:
        update["host"] = host
    return settings.model_copy(update=update) if update else settings


def _optional(path: Path) -> Path | None:
    """An extension file (pricing.yaml, loans.csv) when the market has it."""
    return path if path.is_file() else None


def _market_ready(market: Path) -> bool:
    return all((market / name).is_file() for name in MARKET_FILES)


def ensure_demo(settings: Settings) -> None:
    """Build the default market (seed ``settings.seed``) and train a model where they are absent."""
    from loanmatch.services.simulate import simulate
    from loanmatch.services.train import train

    market, model_dir = settings.market_dir, settings.model_dir
    if not _market_ready(market):
        typer.echo(
            f"Building the market (seed {settings.seed}) in {market} · 生成模拟市场", err=True
        )
        with progress_bar() as bars:
            simulate(settings.seed, market, progress=bars)
    if not all((model_dir / name).is_file() for name in PRICED_FILES):
        typer.echo(f"Training the model in {model_dir} · 训练模型", err=True)
        with progress_bar() as bars:
            train(
                market / "features.yaml",
                market / "products.yaml",
                market / "history.csv",
                model_dir,
                seed=settings.seed,
                progress=bars,
                pricing=_optional(market / "pricing.yaml"),
                loans=_optional(market / "loans.csv"),
            )


class QuietPolls(logging.Filter):
    """Drops the access-log lines of lenders reading their inboxes (the demo's 17 agents poll
    every 2 s); their decisions, and everything else, are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) >= 3 and args[1] == "GET"
                    and str(args[2]).startswith("/api/v1/lender/applications"))  # fmt: skip


def serve_app(settings: Settings, model_dir: Path, quiet_polls: bool = False) -> None:
    import uvicorn

    from loanmatch.bootstrap import compose, uvicorn_log_config
    from loanmatch.web.app import create_app

    log_config = uvicorn_log_config()
    if quiet_polls:
        log_config["filters"]["polls"] = {"()": QuietPolls}
        log_config["handlers"]["access"]["filters"].append("polls")
    app = create_app(settings, compose(settings, model_dir=model_dir).bundle())
    url = f"http://{settings.host}:{settings.port}"
    err_console.print(f"loanmatch is ready at {url}  ·  演示网页：{url}  (Ctrl+C to stop 停止)")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=log_config,
    )


DEMO_DELAYS = (5.0, 30.0)
"""The demo's lenders take 5-30 s to decide, so an owner who applies sees the decision within
about a minute (the agents poll every 2 s)."""


def demo_command(port: int | None, host: str | None, serve: bool, agents: bool = True) -> None:
    settings = _with(get_settings(), port, host)
    ensure_demo(settings)
    if serve:
        _demo_portal(settings)
        stop = threading.Event()
        thread = _demo_agents(settings, stop) if agents else None
        worker = _demo_worker(settings, stop)
        try:
            serve_app(settings, settings.model_dir, quiet_polls=agents)
        finally:
            stop.set()
            for running in (thread, worker):
                if running is not None:
                    running.join(timeout=15)
    else:
        typer.echo(f"Market: {settings.market_dir}\nModel: {settings.model_dir}")


def _demo_portal(settings: Settings) -> None:
    """A manager of the lender portal for each lender (``demo.<lender>``) and an operator of the
    console (``demo.platform``), with a password drawn now and printed: a newcomer can sign in
    at /lender without any other step."""
    import secrets
    from datetime import UTC, datetime

    from loanmatch.bootstrap import compose
    from loanmatch.services.staff import demo_accounts
    from loanmatch.storage.records import PLATFORM

    root = compose(settings)
    lenders = [*root.bundle().market.lenders, PLATFORM]
    password = secrets.token_urlsafe(12)
    database = root.database()
    try:
        names = demo_accounts(database.unit_of_work(), lenders, password, datetime.now(UTC))
    finally:
        database.dispose()
    local = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    typer.echo(
        f"Lender portal · 机构门户: http://{local}:{settings.port}/lender  user 用户名 "
        f"{names[0]} (or demo.<any lender>; demo.{PLATFORM} opens the operator console), "
        f"password 密码 {password}",
        err=True,
    )


def _demo_agents(settings: Settings, stop: threading.Event) -> threading.Thread:
    """The served market's lenders as agents, in a thread of the demo's process."""
    from loanmatch.cli.agents import agents_thread
    from loanmatch.services.agent_runner import AgentSettings

    local = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{local}:{settings.port}"
    low, high = DEMO_DELAYS
    thread = agents_thread(settings, url, AgentSettings(low, high, seed=settings.seed), stop)
    typer.echo(f"Simulated lenders decide applications within {low:g}-{high:g} s · "
               f"模拟机构将在 {low:g}-{high:g} 秒内审批", err=True)  # fmt: skip
    return thread


def _demo_worker(settings: Settings, stop: threading.Event) -> threading.Thread:
    """A job worker in a thread of the demo's process: the console's "queue a retraining" runs
    without another command (``loanmatch jobs work`` is the production worker)."""
    from datetime import UTC, datetime

    from loanmatch.bootstrap import compose
    from loanmatch.services.jobs import work

    def clock() -> datetime:
        return datetime.now(UTC)

    def run() -> None:
        root = compose(settings)
        database = root.database()
        try:
            work(database.unit_of_work, root.job_handlers(database.unit_of_work, clock), clock,
                 should_stop=stop.is_set, idle_seconds=1.0)  # fmt: skip
        finally:
            database.dispose()

    thread = threading.Thread(target=run, name="loanmatch-jobs", daemon=True)
    thread.start()
    typer.echo(
        "A job worker runs retrainings queued in the operator console · 后台任务已启动", err=True
    )
    return thread


def serve_command(port: int | None, host: str | None, model_dir: Path | None) -> None:
    settings = _with(get_settings(), port, host)
    serve_app(settings, model_dir if model_dir is not None else settings.model_dir)
