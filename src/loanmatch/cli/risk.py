"""``loanmatch risk ...``: the default-risk (PD) model's commands.

``risk_app`` is a typer sub-application; the root command registers it with
``app.add_typer(risk_app, name="risk")``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loanmatch.cli.console import EXIT_CODES_HELP, out_console, progress_bar, reported_errors

__all__ = ["risk_app"]

risk_app = typer.Typer(
    name="risk",
    help="违约风险模型 · Default-risk (PD) models: scorecard champion, GBDT challenger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@risk_app.callback()
def _risk() -> None:
    """违约风险模型 · Default-risk (PD) models: scorecard champion, GBDT challenger."""


def _pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1%}"


@risk_app.command(
    short_help="真实数据基准 · Benchmark the PD models on public real data.",
    help="在公开真实数据上评测违约模型 · Cross-validate our PD models on German Credit (10-fold "
    "AUC) and the SBA case study (misclassification on the paper's validation half), beside "
    "baselines computed in the same run.",
    epilog=EXIT_CODES_HELP,
)
def benchmark(
    data_dir: Annotated[
        Path,
        typer.Option("--data-dir", help="数据目录 · Folder holding german_credit/ and sba_case/."),
    ] = Path("../shared/data"),
    as_json: Annotated[
        bool, typer.Option("--json", help="输出 JSON · Print the figures as one JSON object.")
    ] = False,
) -> None:
    from loanmatch.services.risk import risk_benchmark

    with reported_errors(), progress_bar(enabled=not as_json) as bars:
        report = risk_benchmark(data_dir, progress=bars)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    german = Table(title="German Credit · 10-fold CV AUC (mean of folds)")
    german.add_column("model")
    german.add_column("AUC", justify="right")
    german.add_row(
        "scorecard (optbinning + LR, champion)", f"{report.german_credit_auc_scorecard:.4f}"
    )
    german.add_row("GBDT (LightGBM, challenger)", f"{report.german_credit_auc_gbdt:.4f}")
    german.add_row(
        "baseline: one-hot logistic regression", f"{report.german_credit_auc_logistic_baseline:.4f}"
    )
    out_console.print(german)
    sba = Table(title="SBA case · validation half (Selected = 0), cut-off 0.5")
    sba.add_column("model")
    sba.add_column("misclassification", justify="right")
    sba.add_column("AUC", justify="right")
    sba.add_row(
        "scorecard, at-decision columns",
        _pct(report.sba_misclassification_rate),
        f"{report.sba_auc_scorecard:.4f}",
    )
    sba.add_row(
        "GBDT, at-decision columns",
        _pct(report.sba_misclassification_rate_gbdt),
        f"{report.sba_auc_gbdt:.4f}",
    )
    sba.add_row("scorecard without Term", _pct(report.sba_misclassification_rate_without_term), "")
    sba.add_row(
        "paper: logistic regression (New, RealEstate, Portion, Recession)",
        _pct(report.sba_paper_misclassification_rate),
        f"{report.sba_auc_paper:.4f}",
    )
    out_console.print(sba)
    out_console.print(f"{report.seconds:.1f} s")
