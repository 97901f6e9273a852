"""``loanmatch model ...``: ``compare`` (the promotion gate), ``retrain`` (a job), and the
registry's ``versions``, ``promote`` and ``rollback`` (``services/models.py``).

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(model_app, name="model")``.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from loanmatch.cli.console import (
    EXIT_CODES_HELP,
    EXIT_UNEXPECTED,
    LANG_HELP,
    cli_lang,
    out_console,
    reported_errors,
)
from loanmatch.cli.lender_common import UrlOption, database_at

__all__ = ["model_app"]

model_app = typer.Typer(
    name="model",
    help="模型 · Models: compare, retrain, list, promote, roll back.",
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
    """模型 · Models: compare, retrain, list, promote, roll back."""


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.4f}"


def figure_line(figure: dict[str, Any]) -> str:
    """One compared figure of a stored comparison: ``coverage: 0.5660 -> 0.5740, +0.0080
    [+0.0050, +0.0110] better``."""

    def number(value: object) -> str:
        return f"{value:.4f}" if isinstance(value, int | float) else "—"

    d = figure.get("difference")
    diff = f", {d['estimate']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]" if d else ""
    return (f"{figure['name']}: {number(figure.get('champion'))} -> "
            f"{number(figure.get('challenger'))}{diff} {figure.get('verdict', '')}")  # fmt: skip


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


@model_app.command(
    "retrain",
    short_help="排队重训模型 · Queue a retraining job.",
    help="排队一个重训任务：用平台收到的决策训练挑战者模型，按证据决定是否晋升 · Queue a "
    "retraining job: train a challenger on the decisions lenders returned (with the market's "
    "history), compare it with the champion on held-out recent decisions (or on --holdout), "
    "and promote it only if the gate of docs/promotion.md says so; every step audited. "
    "`loanmatch jobs work` runs it; --now runs it here and prints its progress.",
    epilog=EXIT_CODES_HELP,
)
def retrain(
    holdout: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="留出决策 · Judge on this history CSV with propensities instead of the latest "
            "30% of the platform's decisions.",
        ),
    ] = None,
    now: Annotated[bool, typer.Option(help="立即运行 · Run the job here, now.")] = False,
    url: UrlOption = None,
) -> None:
    from datetime import UTC, datetime

    from loanmatch.bootstrap import compose
    from loanmatch.cli.jobs import job_line, shown
    from loanmatch.services.jobs import enqueue, run_until
    from loanmatch.services.retraining import KIND

    def clock() -> datetime:
        return datetime.now(UTC)

    payload = {"holdout": str(holdout.resolve())} if holdout is not None else {}
    with reported_errors(), database_at(url) as database:
        with database.unit_of_work() as uow:
            job = enqueue(uow, KIND, payload, "operator:cli", clock())
            uow.commit()
        typer.echo(f"queued job {job.id}")
        if not now:
            return
        handler = compose(database_url=url).job_handlers(database.unit_of_work, clock)[KIND]
        ended = run_until(database.unit_of_work, {KIND: shown(handler)}, clock, job.id)
    if ended is None:
        typer.echo(f"job {job.id} was taken by another worker: see loanmatch jobs list")
        return
    typer.echo(job_line(ended))
    for figure in ended.result.get("figures", []):
        typer.echo(figure_line(figure))
    for reason in ended.result.get("reasons", []):
        typer.echo(f"- {reason}")
    if ended.status == "failed":
        raise typer.Exit(EXIT_UNEXPECTED)


@model_app.command(
    "versions",
    short_help="列出模型版本 · List the registered models.",
    help="列出登记的模型：编号、角色（现任/挑战者/退役/被拒）、登记时间、AUC、ECE · List the "
    "registered models: id, role (champion, challenger, retired, refused), registered, AUC, ECE.",
    epilog=EXIT_CODES_HELP,
)
def versions(url: UrlOption = None) -> None:
    from loanmatch.services.models import versions as listed

    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        known = listed(uow)
    for v in known:
        auc, ece = v.metrics.get("auc"), v.metrics.get("ece")
        figures = f"auc {auc:.4f}\tece {ece:.4f}" if isinstance(auc, float) and isinstance(
            ece, float) else "-"  # fmt: skip
        typer.echo(f"{v.model_id}\t{v.role}\t{v.registered_at.isoformat()}\t{figures}")


Reason = Annotated[str, typer.Option(help="理由 · Why (kept in the audit log).")]


@model_app.command(
    "promote",
    short_help="晋升模型 · Serve a registered model.",
    help="让一个登记的模型成为现任（在服务中的服务器几秒内切换，不丢请求）· Make a registered "
    "model the champion; running servers switch to it within seconds without dropping a request "
    "(audited as model.promote). The gate is not consulted: an operator's override.",
    epilog=EXIT_CODES_HELP,
)
def promote(
    model: Annotated[str, typer.Argument(help="模型编号 · The model id (sha256:...).")],
    reason: Reason = "",
    url: UrlOption = None,
) -> None:
    from datetime import UTC, datetime

    from loanmatch.services.models import promote as run

    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        run(uow, model, datetime.now(UTC), "operator:cli", reason=reason or "promoted by hand")
        uow.commit()
    typer.echo(f"{model} is the champion")


@model_app.command(
    "rollback",
    short_help="回滚模型 · Serve the previous champion again.",
    help="回到上一个现任模型（审计为 model.rollback）· Serve the champion before this one again "
    "(audited as model.rollback).",
    epilog=EXIT_CODES_HELP,
)
def rollback(reason: Reason = "", url: UrlOption = None) -> None:
    from datetime import UTC, datetime

    from loanmatch.services.models import rollback as run

    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        back = run(uow, datetime.now(UTC), "operator:cli", reason)
        uow.commit()
    typer.echo(f"{back.model_id} is the champion again")


@model_app.command(
    "canary",
    short_help="灰度实验 · Serve a model to a share of firms.",
    help="让一个登记的模型为一部分企业服务（按统一社会信用代码随机分组），用它自己的决策评判 · "
    "Serve a registered model to a share of firms (split at random by credit code) until its "
    "own decisions judge it against the champion's (docs/promotion.md §7; audited as "
    "model.canary). At most one canary runs.",
    epilog=EXIT_CODES_HELP,
)
def canary(
    model: Annotated[str, typer.Argument(help="模型编号 · The model id (sha256:...).")],
    share: Annotated[
        float, typer.Option(min=0.01, max=0.5, help="服务的企业比例 · Share of firms it serves.")
    ] = 0.2,
    reason: Reason = "",
    url: UrlOption = None,
) -> None:
    from datetime import UTC, datetime

    from loanmatch.services.canary import start

    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        start(uow, model, share, datetime.now(UTC), "operator:cli", reason or "started by hand")
        uow.commit()
    typer.echo(f"{model} serves {share:.0%} of firms as the canary")


@model_app.command(
    "judge",
    short_help="评判灰度 · Judge the running canary now.",
    help="用两组各自的决策评判正在运行的灰度模型：晋升、拒绝或继续等待 · Judge the running canary "
    "on each arm's own decisions: promote it, refuse it, or wait for more (docs/promotion.md "
    "§7). Retraining jobs and `loanmatch operate` judge it too.",
    epilog=EXIT_CODES_HELP,
)
def judge(url: UrlOption = None) -> None:
    from datetime import UTC, datetime

    from loanmatch.bootstrap import compose
    from loanmatch.services.canary import judge_canary

    with reported_errors(), database_at(url) as database:
        target = compose(database_url=url).settings.target_approval
        with database.unit_of_work() as uow:
            judged = judge_canary(uow, datetime.now(UTC), "operator:cli", target)
            uow.commit()
    if judged is None:
        typer.echo("no canary is running")
        return
    identity, verdict = judged
    typer.echo(f"{identity}: {verdict.decision}")
    for reason in verdict.reasons:
        typer.echo(f"- {reason}")
