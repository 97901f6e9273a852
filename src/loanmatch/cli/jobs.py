"""``loanmatch jobs work / list``: the durable job queue's worker and what it holds (issue 13;
``services/jobs.py``). Jobs are queued by ``loanmatch model retrain`` and the operator console.

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(jobs_app, name="jobs")``.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Mapping
from datetime import UTC, datetime
from types import FrameType
from typing import Annotated, Any

import typer

from loanmatch.cli.console import EXIT_CODES_HELP, reported_errors
from loanmatch.cli.lender_common import UrlOption, database_at
from loanmatch.services.jobs import Handler, Reporter
from loanmatch.storage.records import Job

__all__ = ["job_line", "jobs_app", "shown"]

jobs_app = typer.Typer(
    name="jobs",
    help="后台任务 · The job queue: run its worker, list its jobs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@jobs_app.callback()
def _jobs() -> None:
    """后台任务 · The job queue: run its worker, list its jobs."""


def _now() -> datetime:
    return datetime.now(UTC)


def job_line(job: Job) -> str:
    """One line about a job: id, kind, status, progress, and its outcome when it ended."""
    progress = f"{job.stage} {job.done}/{job.total}" if job.total else "-"
    outcome = job.error or ("promoted" if job.result.get("promoted") else "")
    if not outcome and job.result.get("reasons"):
        outcome = str(job.result["reasons"][0])
    return "\t".join((job.id, job.kind, job.status, progress, outcome)).rstrip()


def shown(handler: Handler) -> Handler:
    """``handler`` with each progress report also printed (stderr): ``<job id> train 1/4``."""

    def run(job: Job, report: Reporter) -> Mapping[str, Any]:
        def both(stage: str, done: int, total: int) -> None:
            typer.echo(f"{job.id} {job.kind}: {stage} {done}/{total}", err=True)
            report(stage, done, total)

        return handler(job, both)

    return run


@jobs_app.command(
    "work",
    short_help="运行任务 · Run queued jobs.",
    help="运行队列中的任务（如模型重训）并报告进度 · Run the queued jobs (retraining), one at a "
    "time, reporting each stage; without --once, wait for new jobs until interrupted (Ctrl-C "
    "or SIGTERM ends it after the running job). A job whose worker was killed is taken again "
    "after 10 minutes without progress.",
    epilog=EXIT_CODES_HELP,
)
def work(
    once: Annotated[
        bool, typer.Option(help="只运行已排队的任务 · Stop when no job is waiting.")
    ] = False,
    url: UrlOption = None,
) -> None:
    from loanmatch.bootstrap import compose
    from loanmatch.services.jobs import work as run

    stopping: list[bool] = []

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.append(True)

    if not once:
        signal.signal(signal.SIGTERM, stop)
    with reported_errors(), database_at(url) as database:
        kinds = compose(database_url=url).job_handlers(database.unit_of_work, _now)
        handlers = {kind: shown(handler) for kind, handler in kinds.items()}
        try:
            ran = run(database.unit_of_work, handlers, _now, once=once,
                      should_stop=lambda: bool(stopping),
                      on_end=lambda job: typer.echo(job_line(job)))  # fmt: skip
        except KeyboardInterrupt:
            ran = -1
    if ran >= 0:
        typer.echo(f"{ran} job(s) run")


@jobs_app.command(
    "list",
    short_help="列出任务 · List the latest jobs.",
    help="列出最近的任务：编号、类型、状态、进度、结果 · List the latest jobs: id, kind, status, "
    "progress and outcome (--json: every field).",
    epilog=EXIT_CODES_HELP,
)
def list_(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="条数 · How many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON · As JSON lines.")] = False,
    url: UrlOption = None,
) -> None:
    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        jobs = list(uow.jobs.recent(limit))
    for job in jobs:
        if as_json:
            typer.echo(json.dumps(_json(job), ensure_ascii=False, default=str))
        else:
            typer.echo(job_line(job))


def _json(job: Job) -> dict[str, object]:
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "attempts": job.attempts,
        "queued_at": job.queued_at.isoformat(), "queued_by": job.queued_by,
        "stage": job.stage, "done": job.done, "total": job.total, "result": job.result,
        "error": job.error,
    }  # fmt: skip
