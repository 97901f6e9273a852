"""``loanmatch model ...``: model directories' commands (``compare``: the promotion gate).

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(model_app, name="model")``.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loanmatch.cli.console import (
    EXIT_CODES_HELP,
    LANG_HELP,
    cli_lang,
    out_console,
    reported_errors,
)

__all__ = ["model_app"]

model_app = typer.Typer(
    name="model",
    help="模型 · Model directories: compare a challenger with the champion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FIGURE_NAMES = {
    "approval_among_recommended": (
        "推荐获批率（离线策略估计）", "approval among recommended (off-policy, DR)"
    ),
    "coverage": ("覆盖率", "coverage"),
    "ece": ("校准误差 ECE", "calibration error (ECE)"),
    "worst_lender_approval": ("最差机构获批率", "worst lender's approval"),
}  # fmt: skip
VERDICTS = {"better": ("更好", "better"), "same": ("持平", "same"), "worse": ("更差", "worse")}


@model_app.callback()
def _model() -> None:
    """模型 · Model directories: compare a challenger with the champion."""


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.4f}"


@model_app.command(
    short_help="比较挑战者与现任模型 · Compare a challenger with the champion.",
    help="在近期留出的决策记录（含 propensity 列的 history.csv）上比较两个模型目录：推荐获批率"
    "（双重稳健离线策略估计及其区间）、覆盖率、校准误差与最差机构，按规则给出“晋升”或“拒绝”"
    "及理由；不写任何文件 · Compare two model directories on recent held-out decisions (a "
    "history CSV with a propensity column): approval among recommended (the doubly robust "
    "off-policy estimate with its interval), coverage, calibration (ECE) and the worst lender; "
    "decide promote or refuse by the rule of docs/promotion.md, with the reasons. Writes "
    'nothing. Exit 0 whether promoted or refused (see "decision" in --json).',
    epilog=EXIT_CODES_HELP,
)
def compare(
    champion: Annotated[
        Path,
        typer.Option(exists=True, file_okay=False, help="现任模型目录 · Champion model directory."),
    ],
    challenger: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, help="挑战者模型目录 · Challenger model directory."
        ),
    ],
    decisions: Annotated[
        Path,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="决策记录 · Recent decisions: history.csv columns with propensity.",
        ),
    ],
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="获批概率阈值 · Minimum P(approve) (default 0.8)."),
    ] = None,
    target_approval: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="目标获批率 · Both models at this target approval."),
    ] = None,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="置信度 · Confidence of the intervals.")
    ] = 0.9,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出 JSON · Print the comparison as one JSON object.")
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    from loanmatch.bootstrap import compose
    from loanmatch.services.promotion import compare_models

    if threshold is not None and target_approval is not None:
        raise typer.BadParameter(
            "give --threshold or --target-approval, not both · 两者只能选一",
            param_hint="'--threshold' / '--target-approval'",
        )
    base = compose().policy
    if threshold is None and target_approval is None:
        target_approval = base.target_approval
    policy = replace(
        base,
        threshold=threshold if threshold is not None else base.threshold,
        target_approval=target_approval,
        confidence=confidence,
    )
    chosen = cli_lang(lang)
    with reported_errors(chosen):
        result = compare_models(champion, challenger, decisions, policy, confidence)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    zh = chosen == "zh-CN"
    table = Table(title="模型比较 · Champion vs challenger")
    for header in (
        ("指标", "现任", "挑战者", "差值 [区间]", "判断")
        if zh
        else ("figure", "champion", "challenger", "difference [interval]", "verdict")
    ):
        table.add_column(header)
    for figure in result.figures:
        names = FIGURE_NAMES.get(figure.name, (figure.name, figure.name))
        d = figure.difference
        diff = "—" if d is None else f"{d.estimate:+.4f} [{d.low:+.4f}, {d.high:+.4f}]"
        table.add_row(
            names[0 if zh else 1], _number(figure.champion), _number(figure.challenger), diff,
            VERDICTS[figure.verdict][0 if zh else 1],
        )  # fmt: skip
    out_console.print(table)
    decision = ("晋升" if zh else "promote") if result.promote else ("拒绝" if zh else "refuse")
    out_console.print(("结论：" if zh else "decision: ") + decision)
    for reason in result.reasons:
        out_console.print(f"- {reason}")
    out_console.print(
        f"{result.applicants} applicants, {result.rows} decisions, confidence {result.confidence:g}"
    )
