"""``loanmatch lender``: lender API keys and webhooks; the portal users' commands are
:mod:`loanmatch.cli.staff`'s, the simulated agents' :mod:`loanmatch.cli.agents`' (issue 12).

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(lender_app, name="lender")``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from loanmatch.cli.agents import register as _register_agents
from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors
from loanmatch.cli.lender_common import UrlOption
from loanmatch.cli.lender_common import database_at as _database
from loanmatch.cli.lender_common import known_lender as _known_lender
from loanmatch.cli.staff import register as _register_staff

__all__ = ["lender_app"]

lender_app = typer.Typer(
    name="lender",
    help="机构 · Lenders on the platform: API keys, portal users, webhooks, simulated agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@lender_app.callback()
def _lender() -> None:
    """机构 · Lenders on the platform: API keys, portal users, webhooks, simulated agents."""


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
        bool,
        typer.Option(
            help="只读 · Only the read scopes: applications:read, products:read (no decisions, "
            "no product changes)."
        ),
    ] = False,
    url: UrlOption = None,
) -> None:
    from loanmatch.services.lender_keys import READ_SCOPES, SCOPES, issue_key

    with reported_errors():
        _known_lender(lender)
        with _database(url) as database:
            scopes = READ_SCOPES if read_only else SCOPES
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


_register_staff(lender_app)
_register_agents(lender_app)
