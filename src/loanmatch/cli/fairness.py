"""``loanmatch fairness``: the fairness audit on a simulated market (issue 13).

Registered in ``cli/main.py`` with ``app.command(**FAIRNESS_HELP)(fairness_command)``. The
report goes to stdout (a table, or JSON with ``--json``) and to ``<data_dir>/fairness.json``
(written atomically), where the operator console's fairness page reads it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from loanmatch.cli.console import EXIT_CODES_HELP, out_console, progress_bar, reported_errors

__all__ = ["FAIRNESS_HELP", "fairness_command"]

FAIRNESS_HELP: dict[str, Any] = {
    "name": "fairness",
    "short_help": "公平性审计（模拟市场）· The fairness audit on a simulated market.",
    "help": "在模拟市场上按经营者性别比较推荐结果（性别只用于审计，从不用于匹配）· Compare the "
    "recommendations by the owner's gender on a simulated market (the attribute is used for "
    "this audit only, never to match): recommended rate and its four-fifths ratio, approval "
    "among recommended against the predicted P within each group, equal opportunity. "
    "--bias makes the lenders decline that share of women's approvals after training, to see "
    "the audit catch it.",
    "epilog": EXIT_CODES_HELP,
}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def fairness_command(
    seed: Annotated[int, typer.Option(help="随机种子 · Seed of the market.")] = 7,
    target_approval: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="目标获批率 · Target approval.")
    ] = 0.95,
    bias: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="注入偏差 · Share of women's approvals withdrawn."),
    ] = 0.0,
    applicants: Annotated[int, typer.Option(min=500, help="新申请人数 · Fresh applicants.")] = 5000,
    history_rows: Annotated[int, typer.Option(min=5000, help="历史记录数 · History rows.")] = 50000,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON · Print JSON.")] = False,
) -> None:
    from loanmatch.adapters.atomic import atomic_write_text
    from loanmatch.services.evaluation.fairness import REPORT_FILE, fairness_on_simulator
    from loanmatch.settings import get_settings

    with reported_errors(), progress_bar(not as_json) as bars:
        report = fairness_on_simulator(seed, target_approval, bias=bias,
                                       history_rows=history_rows, n_applicants=applicants,
                                       progress=bars)  # fmt: skip
    body = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(settings.data_dir / REPORT_FILE, body)
    if as_json:
        typer.echo(body)
        return
    table = Table(title=f"Fairness · 公平性 (seed {seed}, bias {bias:g})")
    for column in ("group", "applicants", "recommended", "approval | rec.", "predicted | rec.",
                   "equal opportunity"):  # fmt: skip
        table.add_column(column)
    for g in report.audit.groups:
        table.add_row(g.group, str(g.applicants), _pct(g.recommended_rate),
                      _pct(g.approval_among_recommended), _pct(g.predicted_among_recommended),
                      _pct(g.equal_opportunity))  # fmt: skip
    out_console.print(table)
    out_console.print(
        f"recommended-rate ratio {_pct(report.audit.recommended_rate_ratio)}, "
        f"equal-opportunity ratio {_pct(report.audit.equal_opportunity_ratio)}; "
        f"flags: {', '.join(report.audit.flags) or 'none'}"
    )
