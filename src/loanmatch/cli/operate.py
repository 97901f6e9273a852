"""``loanmatch operate``: a simulated month of the live platform (issue 13;
``services/operate.py``). It writes into the settings' database (the console shows the month),
prints each lender's month, the policy change and its hold, the retrainings and the ledger
checked against a direct count of the decisions table, and writes ``<data_dir>/operate.json``
(atomically).

Registered in ``cli/main.py`` with ``app.command(**OPERATE_HELP)(operate_command)``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from loanmatch.cli.console import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    out_console,
    progress_bar,
    reported_errors,
)

if TYPE_CHECKING:
    from loanmatch.storage.database import Database

__all__ = ["OPERATE_HELP", "REPORT_FILE", "direct_count", "operate_command"]

REPORT_FILE = "operate.json"
OPERATE_HELP: dict[str, Any] = {
    "name": "operate",
    "short_help": "模拟运营一个月 · Run a simulated month of the live platform.",
    "help": "在模拟市场上运营一个月：企业主每天到来并申请推荐的产品，模拟机构按隐藏政策审批，"
    "一家机构中途收紧政策，漂移警报暂停对它的推荐，定期重训并按证据晋升；打印台账并写入控制台"
    "数据 · Run a simulated month on the served market: owners arrive each day and apply to "
    "their offers, the simulated lenders decide by their hidden policies, one lender tightens "
    "its policy mid-month and the drift alarm puts it on hold, a retraining runs every "
    "--retrain-every days and is promoted only by evidence. Writes into the settings' "
    "database (the console shows the month); prints each lender's approval among recommended "
    "and the ledger against a direct count of the decisions table.",
    "epilog": EXIT_CODES_HELP,
}


def direct_count(database: Database, start: datetime, end: datetime) -> tuple[int, int]:
    """Decisions with a recorded prediction in ``[start, end)`` and their approvals, counted
    with SQL on the applications table (not through the ledger's code)."""
    from sqlalchemy import text

    query = text(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN decision = 'approved' THEN 1 ELSE 0 END), 0) "
        "FROM applications WHERE predicted_p IS NOT NULL AND decided_at >= :start "
        "AND decided_at < :end"
    )
    with database.engine.connect() as connection:
        n, k = connection.execute(query, {"start": start, "end": end}).one()
    return int(n), int(k)


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{100 * value:.1f}%"


def operate_command(
    days: Annotated[int, typer.Option(min=1, max=366, help="天数 · Days.")] = 30,
    owners_per_day: Annotated[int, typer.Option(min=1, help="每天企业主数 · Owners a day.")] = 60,
    change_lender: Annotated[
        str, typer.Option(help="收紧政策的机构 · The lender that tightens (default: busiest).")
    ] = "",
    change_day: Annotated[int, typer.Option(min=1, help="收紧日 · Day it tightens.")] = 12,
    tighten: Annotated[
        float, typer.Option(min=0.0, max=5.0, help="收紧幅度 · Cutoff raise (score units).")
    ] = 0.5,
    retrain_every: Annotated[int, typer.Option(min=0, help="重训间隔天数 · 0: never.")] = 10,
    target_approval: Annotated[
        float | None, typer.Option(min=0.5, max=0.999, help="目标获批率 · Target approval.")
    ] = None,
    seed: Annotated[int, typer.Option(help="随机种子 · Seed of the arrivals.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON · Print JSON.")] = False,
) -> None:
    from dataclasses import replace

    from loanmatch.adapters.atomic import atomic_write_text
    from loanmatch.bootstrap import compose
    from loanmatch.model.bundle import ModelBundle
    from loanmatch.model.directory import load_model
    from loanmatch.services import models
    from loanmatch.services.agent_runner import load_world
    from loanmatch.services.canary import canary_of
    from loanmatch.services.jobs import enqueue, run_until
    from loanmatch.services.ledger import lender_ledger
    from loanmatch.services.operate import MonthSetup, operate
    from loanmatch.services.retraining import KIND

    root = compose()
    policy = root.policy if target_approval is None else replace(
        root.policy, target_approval=target_approval)  # fmt: skip
    setup = MonthSetup(days, owners_per_day, change_lender, change_day, tighten, retrain_every,
                       seed)  # fmt: skip
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    with reported_errors():
        world = load_world(root.settings.market_dir)
        database = root.database()
    loaded: dict[str, ModelBundle] = {}

    def served() -> ModelBundle:
        with database.unit_of_work() as uow:
            champion = models.served(uow)
        if champion is None:
            return loaded.setdefault("settings", root.bundle())
        if champion[0] not in loaded:
            loaded[champion[0]] = load_model(champion[1])
        return loaded[champion[0]]

    def canary() -> tuple[ModelBundle, float] | None:
        with database.unit_of_work() as uow:
            running = canary_of(uow)
        if running is None:
            return None
        version, share, _ = running
        if version.model_id not in loaded:
            loaded[version.model_id] = load_model(Path(version.path))
        return loaded[version.model_id], share

    def retrain(at: datetime) -> dict[str, Any]:
        with database.unit_of_work() as uow:
            job = enqueue(uow, KIND, {}, "operate", at)
            uow.commit()
        handlers = root.job_handlers(database.unit_of_work, lambda: at)
        ended = run_until(database.unit_of_work, handlers, lambda: at, job.id)
        if ended is None:
            return {"status": "not run"}
        return {"status": ended.status, "error": ended.error, **ended.result}

    try:
        with reported_errors(), progress_bar(not as_json) as bars:
            try:
                report = operate(database.unit_of_work, world, served, policy, setup, start,
                                 retrain if retrain_every else None, bars, canary)  # fmt: skip
            except ValueError as error:  # the month does not fit the market
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(EXIT_BAD_INPUT) from None
        with database.unit_of_work() as uow:
            ledger = lender_ledger(uow, end + timedelta(days=1), days + 2)
        counted = direct_count(database, ledger.start, ledger.end)
    finally:
        database.dispose()
    body = report.to_dict()
    body["ledger_check"] = {"ledger_decisions": ledger.overall.decisions,
                            "ledger_approved": ledger.overall.approved,
                            "direct_decisions": counted[0], "direct_approved": counted[1],
                            "agree": (ledger.overall.decisions, ledger.overall.approved)
                            == counted}  # fmt: skip
    text = json.dumps(body, ensure_ascii=False, indent=2, default=str)
    root.settings.data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(root.settings.data_dir / REPORT_FILE, text)
    if as_json:
        typer.echo(text)
        return
    _print(body)


def _print(body: dict[str, Any]) -> None:
    table = Table(title="一个月的运营 · The month, per lender (approval among recommended)")
    for column in ("lender", "decisions", "approved", "realised", "predicted", "90% interval"):
        table.add_column(column)
    for row in [*body["lenders"], {**body["overall"], "lender": "all"}]:
        table.add_row(row["lender"], str(row["decisions"]), str(row["approved"]),
                      _pct(row["realised"]), _pct(row["predicted"]),
                      f"{_pct(row['low'])}-{_pct(row['high'])}")  # fmt: skip
    out_console.print(table)
    change = body["change"]
    under = change["approval_under_new_policy"]
    held = change["held_on_day"]
    out_console.print(
        f"policy change: {change['lender']} tightens on day {change['day']}; "
        f"{change['decisions_under_new_policy']} decisions under the new policy "
        f"({_pct(under['realised'])} approved), "
        + (f"on hold from day {held}" if held else "never put on hold")
    )
    for lender, raised in body["floors"].items():
        last = raised[-1]
        out_console.print(f"{lender}: its floor raised {len(raised)} time(s), to P >= "
                          f"{last['floor']:.3f} on day {last['day']}")  # fmt: skip
    for r in body["retrainings"]:
        outcome = "promoted" if r.get("promoted") else "refused"
        if r.get("canary"):
            outcome = "started as the canary" if r.get("trained") else "waiting on the canary"
        reasons = r.get("reasons") or [r.get("error", "")]
        out_console.print(f"retraining on day {r['day']}: {r.get('status')}, {outcome}: "
                          + " | ".join(str(x) for x in reasons))  # fmt: skip
    decided = [c for c in body["canary"] if c["decision"] != "wait"]
    for c in decided:
        out_console.print(f"canary {c['model'][:19]}: {c['decision']} on day {c['day']}: "
                          f"{c['reasons'][0]}")  # fmt: skip
    if body["canary"] and not decided:
        last = body["canary"][-1]
        out_console.print(f"canary {last['model'][:19]}: still waiting on day {last['day']}: "
                          f"{last['reasons'][0]}")  # fmt: skip
    check = body["ledger_check"]
    out_console.print(
        f"ledger: {check['ledger_decisions']} decisions, {check['ledger_approved']} approved; "
        f"direct count: {check['direct_decisions']}, {check['direct_approved']} -> "
        + ("agree" if check["agree"] else "DISAGREE")
    )
