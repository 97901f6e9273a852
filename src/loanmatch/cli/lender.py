"""``loanmatch lender``: lender API keys (issue 12).

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(lender_app, name="lender")``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors
from loanmatch.errors import LoanMatchError

if TYPE_CHECKING:
    from loanmatch.services.agent_runner import AgentSettings
    from loanmatch.settings import Settings
    from loanmatch.storage.database import Database

__all__ = ["AGENT_KEYS", "agents_thread", "lender_app"]

AGENT_KEYS = "agent_keys.json"
"""The simulated lender agents' API keys, in the data directory (mode 0600)."""

lender_app = typer.Typer(
    name="lender",
    help="机构 · Lenders on the platform: their API keys, webhooks and simulated agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

UrlOption = Annotated[
    str | None, typer.Option(help="数据库地址 · Database URL (default: the setting database_url).")
]


@lender_app.callback()
def _lender() -> None:
    """机构 · Lenders on the platform: their API keys, webhooks and simulated agents."""


@contextmanager
def _database(url: str | None) -> Iterator[Database]:
    """The settings' database (or ``url``), migrated, closed at the end."""
    from loanmatch.bootstrap import compose

    database = compose(database_url=url).database()
    try:
        yield database
    finally:
        database.dispose()


def _known_lender(lender: str) -> None:
    from loanmatch.bootstrap import compose

    lenders = compose().bundle().market.lenders
    if lender not in lenders:
        typer.echo(
            f"error: no lender {lender!r} in the served market; lenders: {', '.join(lenders)}",
            err=True,
        )
        raise typer.Exit(EXIT_BAD_INPUT)


@lender_app.command(
    "key-add",
    short_help="发放 API 密钥 · Issue an API key to a lender.",
    help="为机构发放 API 密钥（只显示一次）· Issue an API key to a lender of the served market; "
    "the "
    "key is printed once and only its SHA-256 is stored. Rotate by issuing a new key and "
    "revoking the old one.",
    epilog=EXIT_CODES_HELP,
)
def key_add(
    lender: Annotated[str, typer.Option(help="机构 · The lender's id (as in products.yaml).")],
    read_only: Annotated[
        bool, typer.Option(help="只读 · Only applications:read (no decisions).")
    ] = False,
    url: UrlOption = None,
) -> None:
    from loanmatch.services.lender_keys import SCOPES, issue_key

    with reported_errors():
        _known_lender(lender)
        with _database(url) as database:
            scopes = SCOPES[:1] if read_only else SCOPES
            key, token = issue_key(database.unit_of_work(), lender, datetime.now(UTC), scopes)
    typer.echo(f"key {key.id} for {lender} ({', '.join(key.scopes)}):")
    typer.echo(token)


@lender_app.command(
    "key-list",
    short_help="列出 API 密钥 · List a lender's API keys.",
    help="列出机构的 API 密钥（不含密钥本身）· List a lender's keys: id, scopes, issued, revoked.",
    epilog=EXIT_CODES_HELP,
)
def key_list(
    lender: Annotated[str, typer.Option(help="机构 · The lender's id.")], url: UrlOption = None
) -> None:

    with reported_errors(), _database(url) as database, database.unit_of_work() as uow:
        keys = list(uow.lender_keys.for_lender(lender))
    for key in keys:
        revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
        typer.echo(f"{key.id}\t{','.join(key.scopes)}\t{key.created_at.isoformat()}\t{revoked}")


@lender_app.command(
    "key-revoke",
    short_help="吊销 API 密钥 · Revoke a lender's API key.",
    help="吊销机构的一个 API 密钥，立即生效 · Revoke one of a lender's keys from now on.",
    epilog=EXIT_CODES_HELP,
)
def key_revoke(
    lender: Annotated[str, typer.Option(help="机构 · The lender's id.")],
    key: Annotated[str, typer.Option(help="密钥编号 · The key's id (key-list shows them).")],
    url: UrlOption = None,
) -> None:
    from loanmatch.services.lender_keys import revoke_key

    with reported_errors(), _database(url) as database:
        try:
            revoke_key(database.unit_of_work(), lender, key, datetime.now(UTC))
        except KeyError:
            typer.echo(f"error: lender {lender!r} has no key {key!r}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(f"key {key} of {lender} revoked")


@lender_app.command(
    "webhook-set",
    short_help="设置事件回调 · Point a lender's events at its webhook URL.",
    help="设置机构接收事件的地址（签名密钥只显示一次）· Send a lender's events (applications "
    "submitted, withdrawn, documents provided) to the endpoint, signed with HMAC-SHA256 "
    "under a new secret printed once (docs/applications.md).",
    epilog=EXIT_CODES_HELP,
)
def webhook_set(
    lender: Annotated[str, typer.Option(help="机构 · The lender's id.")],
    endpoint: Annotated[str, typer.Option(help="回调地址 · The webhook's http(s) URL.")],
    url: UrlOption = None,
) -> None:
    from loanmatch.services.webhooks import set_webhook

    with reported_errors():
        _known_lender(lender)
        with _database(url) as database:
            webhook, secret = set_webhook(
                database.unit_of_work(), lender, endpoint, datetime.now(UTC)
            )
    typer.echo(f"events of {lender} go to {webhook.url}; signing secret (shown once):")
    typer.echo(secret)


@lender_app.command(
    "deliver",
    short_help="投递事件回调 · Deliver the lenders' due webhook events.",
    help="投递到期的事件回调（失败按退避重试）· Send every due webhook event, one transaction "
    "each, retrying failures with backoff; with --watch, keep doing so for that many seconds "
    "(a worker). Several workers may run together on PostgreSQL.",
    epilog=EXIT_CODES_HELP,
)
def deliver(
    watch: Annotated[
        float, typer.Option(help="持续秒数 · Keep delivering for this many seconds (0: one pass).")
    ] = 0.0,
    interval: Annotated[float, typer.Option(help="间隔秒数 · Pause between passes.")] = 1.0,
    url: UrlOption = None,
) -> None:
    import time

    from loanmatch.services.webhooks import deliver_due

    with reported_errors(), _database(url) as database:
        until = time.monotonic() + watch
        while True:
            done = deliver_due(database.unit_of_work, lambda: datetime.now(UTC))
            if done.sent or done.failed or done.dead:
                typer.echo(f"sent {done.sent}, failed {done.failed} (will retry), "
                           f"given up {done.dead}")  # fmt: skip
            if time.monotonic() >= until:
                break
            time.sleep(interval)


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


@lender_app.command(
    "agents",
    short_help="模拟机构自动审批 · Run the simulated lenders as agents.",
    help="让默认市场的模拟机构自动审批：每家机构用自己的 API 密钥读取收件箱，按其隐藏的真实"
    "政策在随机延时后批准或拒绝，并记录放款 · Run the default market's simulated lenders as "
    "agents: each reads its own inbox over the HTTP API with its own key, and after a random "
    "delay approves (terms inside the product's) or declines (standard reasons) by its hidden "
    "true policy, then records the disbursement. Keys are issued where missing and kept in a "
    "file readable by its owner only; none is printed.",
    epilog=EXIT_CODES_HELP,
)
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
        with _database(database_url) as database:
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
