"""``loanmatch lender agents``: the default market's simulated lenders as agents, and the
thread ``loanmatch demo`` runs them in (issue 12, ``services/agent_runner.py``).

:func:`register` adds the command to the ``lender`` group (:mod:`loanmatch.cli.lender`).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors
from loanmatch.cli.lender_common import UrlOption, database_at
from loanmatch.errors import LoanMatchError

if TYPE_CHECKING:
    from loanmatch.services.agent_runner import AgentSettings
    from loanmatch.settings import Settings

__all__ = ["AGENT_KEYS", "agents_thread", "register"]

AGENT_KEYS = "agent_keys.json"
"""The simulated lender agents' API keys, in the data directory (mode 0600)."""


def agents_thread(
    settings: Settings, url: str, agent_settings: AgentSettings, stop: threading.Event
) -> threading.Thread:
    """The served market's lender agents running in a daemon thread until ``stop`` is set
    (what ``loanmatch demo`` starts beside the web app); they print to stderr."""
    from loanmatch.bootstrap import compose
    from loanmatch.services.agent_runner import agent_tokens, load_world, run_agents

    world = load_world(settings.market_dir)
    database = compose(settings).database()
    try:
        tokens = agent_tokens(database.unit_of_work, world.market.lenders,
                              settings.data_dir / AGENT_KEYS, datetime.now(UTC))  # fmt: skip
    finally:
        database.dispose()

    def run() -> None:
        try:
            if _ready(url, stop):
                run_agents(url, tokens, world, agent_settings, _say, stop=stop)
        except LoanMatchError as error:
            _say(f"lender agents stopped: {error.message}")

    thread = threading.Thread(target=run, name="lender-agents", daemon=True)
    thread.start()
    return thread


def _ready(url: str, stop: threading.Event) -> bool:
    """Wait quietly until the web app answers its health check; False when stopped first."""
    import httpx

    while not stop.is_set():
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        stop.wait(0.5)
    return False


def _say(line: str) -> None:
    typer.echo(f"[lender agents] {line}", err=True)


def agents(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="平台地址 · The platform's base URL (default: http://HOST:PORT of the settings).",
        ),
    ] = None,
    delay_min: Annotated[
        float, typer.Option(min=0.0, help="最短延时（秒）· Shortest review time, seconds.")
    ] = 5.0,
    delay_max: Annotated[
        float, typer.Option(min=0.0, help="最长延时（秒）· Longest review time, seconds.")
    ] = 40.0,
    once: Annotated[
        bool, typer.Option("--once", help="处理完当前申请后退出 · Stop once the inbox is done.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="每家机构的并发数 · Workers per lender.")
    ] = 1,
    seed: Annotated[int | None, typer.Option(help="随机种子 · Seed of the delays.")] = None,
    keys_file: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="密钥文件 · Where the agents' keys are "
            "kept (default: DATA_DIR/agent_keys.json, mode 0600).",
        ),
    ] = None,
    database_url: UrlOption = None,
) -> None:
    from loanmatch.services.agent_runner import (
        AgentSettings,
        agent_tokens,
        load_world,
        run_agents,
    )
    from loanmatch.settings import get_settings

    if delay_max < delay_min:
        typer.echo("error: --delay-max must be at least --delay-min", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    settings = get_settings()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request, else
    with reported_errors():
        world = load_world(settings.market_dir)
        with database_at(database_url) as database:
            tokens = agent_tokens(database.unit_of_work, world.market.lenders,
                                  keys_file or settings.data_dir / AGENT_KEYS,
                                  datetime.now(UTC))  # fmt: skip
        chosen = AgentSettings(delay_min=delay_min, delay_max=delay_max, once=once,
                               seed=settings.seed if seed is None else seed)  # fmt: skip
        base = url or f"http://{settings.host}:{settings.port}"
        typer.echo(f"{len(tokens)} lender agents deciding at {base} · 模拟机构开始审批", err=True)
        stop = threading.Event()
        try:
            stats = run_agents(base, tokens, world, chosen, _say, workers, stop)
        except KeyboardInterrupt:
            stop.set()
            raise typer.Exit(0) from None
    done = ", ".join(f"{k} {v}" for k, v in sorted(stats.done.items())) or "nothing to do"
    typer.echo(f"agents done: {done}")


def register(group: typer.Typer) -> None:
    """Add ``agents`` to ``group`` (the ``lender`` group)."""
    group.command(
        "agents",
        short_help="模拟机构自动审批 · Run the simulated lenders as agents.",
        help="让默认市场的模拟机构自动审批：每家机构用自己的 API 密钥读取收件箱，按其隐藏的真实"
        "政策在随机延时后批准或拒绝，并记录放款 · Run the default market's simulated lenders as "
        "agents: each reads its own inbox over the HTTP API with its own key, and after a random "
        "delay approves (terms inside the product's) or declines (standard reasons) by its hidden "
        "true policy, then records the disbursement. Keys are issued where missing and kept in a "
        "file readable by its owner only; none is printed.",
        epilog=EXIT_CODES_HELP,
    )(agents)
