"""``loanmatch journey``: the adaptive intake and both journeys measured on a simulated market.

Registered in ``cli/main.py`` with ``app.command(**JOURNEY_HELP)(journey_command)``.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.table import Table

from loanmatch.cli.console import EXIT_CODES_HELP, out_console, progress_bar, reported_errors

__all__ = ["JOURNEY_HELP", "journey_command", "journey_table"]

JOURNEY_HELP: dict[str, Any] = {
    "name": "journey",
    "short_help": "少填、少等：问题数与办贷旅程对比 · Questions asked and the journey compared.",
    "help": "在模拟市场上测量自适应进件（数据授权 + 少量问题）与传统流程（整表填写、逐家申请）"
    "· Measure the adaptive intake (connectors + few questions) against the traditional flow "
    "(full form, one bank at a time): questions typed, approval among recommended, coverage "
    "against full information, breakpoints per completed loan, completion, and median / p90 "
    "time to an approved offer, with the behaviour model's assumptions.",
    "epilog": EXIT_CODES_HELP,
}


def _fmt(value: object, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:,.2f}"
    return str(value)


def journey_table(report: dict[str, Any]) -> Table:
    """The comparison as a rich table, assumptions beside the figures."""
    table = Table(title=f"旅程对比 · Journey (seed {report['seed']}, {report['n']} applicants)")
    table.add_column("measure 指标")
    table.add_column("traditional 传统", justify="right")
    table.add_column("loanmatch", justify="right")
    table.add_column("change 变化", justify="right")
    old, new = report["traditional"], report["loanmatch"]
    table.add_row(
        "questions typed (median / p90) 填写项",
        f"{report['form_fields']} (full form)",
        f"{_fmt(report['questions_median'])} / {_fmt(report['questions_p90'])}",
        f"off: {_fmt(report['questions_off_median'])} (n={report['off_sample']})",
    )
    table.add_row(
        "approval among recommended 推荐获批率",
        "",
        _fmt(report["approval_among_recommended"], True),
        f"off: {_fmt(report['approval_off'], True)}",
    )
    table.add_row(
        "coverage vs full information 覆盖率(相对全量信息)",
        "",
        _fmt(report["coverage_vs_full_information"], True),
        f"off: {_fmt(report['coverage_off_vs_full_information'], True)}",
    )
    table.add_row(
        "breakpoints per completed loan 断点",
        _fmt(old["breakpoints_per_completed_loan"]),
        _fmt(new["breakpoints_per_completed_loan"]),
        f"-{_fmt(report['breakpoints_reduction'], True)}",
    )
    table.add_row(
        "completion rate 完成率",
        _fmt(old["completion_rate"], True),
        _fmt(new["completion_rate"], True),
        "",
    )
    table.add_row(
        "median hours to approval 中位用时(时)",
        _fmt(old["median_hours_to_approval"]),
        _fmt(new["median_hours_to_approval"]),
        f"-{_fmt(report['median_time_reduction'], True)}",
    )
    table.add_row(
        "p90 hours to approval 90分位用时(时)",
        _fmt(old["p90_hours_to_approval"]),
        _fmt(new["p90_hours_to_approval"]),
        f"-{_fmt(report['p90_time_reduction'], True)}",
    )
    table.add_row(
        "approval among recommended 推荐获批率",
        "",
        _fmt(report["approval_among_recommended"], True),
        "",
    )
    table.add_row(
        "coverage vs full information 覆盖率/全信息",
        "",
        _fmt(report["coverage_vs_full_information"], True),
        f"{_fmt(report['coverage'], True)} of {_fmt(report['coverage_full_information'], True)}",
    )
    settings = report["settings"]
    table.caption = (
        "Assumptions 假设: "
        + "; ".join(f"{k}={v}" for k, v in report["assumptions"].items())
        + f"; don't know rate={settings['dont_know_rate']} ({settings['dont_know_applies_to']})"
        + f"; connector failures={settings['connector_failures']}"
        + f"; threshold={_fmt(settings['threshold'])} (target {settings['target_approval']}; "
        "— = none certified, nothing recommended)"
        + f"; {_fmt(report['seconds_per_question'])} s per question; {_fmt(report['seconds'])} s"
    )
    return table


def journey_command(
    seed: Annotated[int, typer.Option(help="随机种子 · Random seed.")] = 7,
    n: Annotated[int, typer.Option(min=1, help="模拟申请人数 · Simulated applicants.")] = 1_000,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出 JSON · Print the report as JSON.")
    ] = False,
    target_approval: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="目标获批率 · Target approval rate.")
    ] = 0.95,
    history_rows: Annotated[
        int, typer.Option(min=100, help="历史申请条数 · Rows of simulated history.")
    ] = 100_000,
    off_sample: Annotated[
        int,
        typer.Option(min=0, help="不授权数据的测量人数 · Applicants run with connectors off."),
    ] = 200,
) -> None:
    from loanmatch.services.journey import journey

    with reported_errors(), progress_bar(enabled=not as_json) as bars:
        report = journey(
            seed,
            n,
            bars,
            history_rows=history_rows,
            target_approval=target_approval,
            off_sample=off_sample,
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        out_console.print(journey_table(report.to_dict()))
