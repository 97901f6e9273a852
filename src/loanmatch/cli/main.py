"""The ``loanmatch`` command: simulate, train, recommend, evaluate, demo, serve.

Every command is a thin shell over a service function in :mod:`loanmatch.services`; what the
command adds is option parsing, progress bars (on stderr), a short report, and exit codes:
0 ok, 1 unexpected error, 2 bad input or usage (the message names the file, row, column and rule).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from loanmatch import __version__
from loanmatch.cli.console import (
    EXIT_CODES_HELP,
    LANG_HELP,
    choose_lang,
    cli_lang,
    out_console,
    progress_bar,
    reported_errors,
    setup_logging,
    warner,
)
from loanmatch.cli.db import db_app
from loanmatch.cli.fairness import FAIRNESS_HELP, fairness_command
from loanmatch.cli.intake import intake as intake_command
from loanmatch.cli.jobs import jobs_app
from loanmatch.cli.journey import JOURNEY_HELP, journey_command
from loanmatch.cli.lender import lender_app
from loanmatch.cli.model import model_app
from loanmatch.cli.operate import OPERATE_HELP, operate_command
from loanmatch.cli.operator import operator_app
from loanmatch.cli.reports import evaluation_table, report_table
from loanmatch.cli.risk import risk_app
from loanmatch.cli.serving import demo_command, serve_command
from loanmatch.services.evaluation import evaluate as evaluate_default
from loanmatch.services.evaluation import evaluate_case
from loanmatch.settings import get_settings
from loanmatch.testbed import MARKETS
from loanmatch.testbed import generate as generate_market

__all__ = ["app", "main"]

TESTBED_NAMES = tuple(MARKETS)

app = typer.Typer(
    name="loanmatch",
    help="小微企业贷款产品匹配 · Match small and micro enterprises with bank loan products "
    "they will very probably get.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loanmatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="版本 · Show the version."
        ),
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    choose_lang(lang)
    setup_logging(get_settings().log_level)


@app.command(
    short_help="生成模拟市场 · Write a simulated market.",
    help="生成模拟市场（目录、产品、历史申请、申请人）· Write a simulated market in the "
    "section-9 files (features.yaml, products.yaml, history.csv, applicants.csv) to DIR.",
    epilog=EXIT_CODES_HELP,
)
def simulate(
    out: Annotated[Path, typer.Option("--out", help="输出目录 · Output directory.")],
    seed: Annotated[int, typer.Option(help="随机种子 · Random seed.")] = 7,
    applicants: Annotated[
        int, typer.Option(min=1, help="申请人数 · Applicants in applicants.csv.")
    ] = 2000,
    history_rows: Annotated[
        int, typer.Option(min=1, help="历史申请条数 · Rows of history.csv.")
    ] = 100_000,
) -> None:
    from loanmatch.services.simulate import simulate as run

    with reported_errors(), progress_bar() as bars:
        report = run(seed, out, n_applicants=applicants, history_rows=history_rows, progress=bars)
    out_console.print(report_table("Simulated market · 模拟市场", report))


@app.command(
    short_help="训练获批模型 · Train the approval model.",
    help="根据历史申请训练并校准获批概率模型 · Train and calibrate the approval model on a "
    "history of applications and decisions; write a versioned model directory.",
    epilog=EXIT_CODES_HELP,
)
def train(
    features: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="features.yaml")],
    products: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="products.yaml")],
    history: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="history.csv")],
    model_dir: Annotated[Path, typer.Option(help="模型目录 · Model directory to write.")],
    seed: Annotated[int, typer.Option(help="随机种子 · Random seed.")] = 0,
    pricing: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="定价配置 · pricing.yaml (lenders' pricing)."
        ),
    ] = None,
    loans: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="贷款表现 · loans.csv (features, product_id, defaulted 1/0) for the PD model.",
        ),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    from loanmatch.services.train import train as run

    chosen = cli_lang(lang)
    with reported_errors(chosen), progress_bar() as bars:
        report = run(
            features,
            products,
            history,
            model_dir,
            seed=seed,
            progress=bars,
            pricing=pricing,
            loans=loans,
            warn=warner(chosen),
        )
    out_console.print(report_table("Trained model · 训练结果", report))


@app.command(
    short_help="批量推荐 · Recommend products for many applicants.",
    help="为 applicants.csv 中的每家企业推荐产品，写入 recommendations.csv · Recommend products "
    "for every applicant in a CSV and write recommendations.csv (applicant_id, product_id, "
    "p_approve, rank). Give --threshold or --target-approval, not both.",
    epilog=EXIT_CODES_HELP,
)
def recommend(
    model_dir: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="模型目录 · Model directory.")
    ],
    applicants: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="applicants.csv")],
    out: Annotated[Path, typer.Option(help="输出文件 · recommendations.csv to write.")],
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="获批概率阈值 · Minimum P(approve) (default 0.8)."),
    ] = None,
    target_approval: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="目标获批率 · Choose the threshold so that approval among recommendations "
            "reaches this rate (with --confidence).",
        ),
    ] = None,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="置信度 · Confidence of the target.")
    ] = 0.9,
    max_offers: Annotated[
        int | None, typer.Option(min=1, help="每家最多推荐数 · Offers per applicant (3).")
    ] = None,
    daily_capacity: Annotated[
        bool,
        typer.Option(
            "--daily-capacity",
            help="按每日容量 · Take the file as one day's applicants: no product is recommended "
            "to more of them than its capacity_per_day (the likeliest approvals keep it).",
        ),
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    from loanmatch.bootstrap import compose
    from loanmatch.matching.recommend import recommend_file

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
        max_offers=max_offers if max_offers is not None else base.max_offers,
    )
    chosen = cli_lang(lang)
    with reported_errors(chosen), progress_bar() as bars:
        report = recommend_file(
            model_dir, applicants, out, policy, progress=bars, warn=warner(chosen),
            daily_capacity=daily_capacity,
        )  # fmt: skip
    out_console.print(report_table("Recommendations · 推荐结果", report))


@app.command(
    short_help="端到端评估 · Evaluate on a simulated or test-bed market.",
    help="在模拟市场上端到端评估（未参与训练的申请人）· Build a market (the default simulator or "
    "a test-bed market unlike it), train, and measure on applicants not used in training: "
    "approval among recommended, coverage against an oracle at the same approval, the worst "
    "lender, calibration (ECE, per lender and product) and the certificate's outcome.",
    epilog=EXIT_CODES_HELP,
)
def evaluate(
    seed: Annotated[int, typer.Option(help="随机种子 · Random seed.")] = 7,
    target_approval: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="目标获批率 · Target approval rate.")
    ] = 0.95,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出 JSON · Print the report as JSON.")
    ] = False,
    history_rows: Annotated[
        int,
        typer.Option(min=100, help="历史申请条数 · Rows of simulated history (default market)."),
    ] = 100_000,
    applicants: Annotated[
        int, typer.Option(min=10, help="评估申请人数 · Fresh applicants measured (default market).")
    ] = 5_000,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="置信度 · Confidence of the target.")
    ] = 0.9,
    market: Annotated[
        str,
        typer.Option(
            help="市场 · 'default' (the built-in simulator) or a test-bed market: "
            + ", ".join(TESTBED_NAMES)
            + " (through the files path: train, then recommend)."
        ),
    ] = "default",
    scale: Annotated[
        float,
        typer.Option(min=0.01, max=10.0, help="规模 · Test-bed market size (history, applicants)."),
    ] = 1.0,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="固定阈值 · A fixed threshold instead of the target (test bed)."
        ),
    ] = None,
) -> None:
    if market != "default" and market not in TESTBED_NAMES:
        raise typer.BadParameter(
            f"no market {market!r}; known: default, {', '.join(TESTBED_NAMES)}",
            param_hint="'--market'",
        )
    with reported_errors(), progress_bar(enabled=not as_json) as bars:
        if market == "default":
            data = evaluate_default(
                seed,
                target_approval=target_approval,
                progress=bars,
                history_rows=history_rows,
                n_applicants=applicants,
                confidence=confidence,
            ).to_dict()
        else:
            case = generate_market(market, seed, scale)
            data = evaluate_case(
                case,
                target_approval=None if threshold is not None else target_approval,
                confidence=confidence,
                threshold=threshold if threshold is not None else 0.8,
                progress=bars,
            ).to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for part in ("promise", "measures"):
            if isinstance(data.get(part), dict):
                data[part] = {k: v for k, v in data[part].items() if k != "lenders"}
        out_console.print(evaluation_table(data))


@app.command(
    short_help="演示：建市场、训练、启动网页 · Build, train and serve the demo.",
    help="演示：若无则生成默认市场（种子 7）并训练模型，然后启动演示网页，模拟机构自动审批申请 · "
    "Build the default market (seed 7) and train a model unless they exist under the data "
    "directory, then serve the demo page at http://127.0.0.1:PORT while the market's simulated "
    "lenders decide the applications that arrive (loanmatch lender agents).",
    epilog=EXIT_CODES_HELP,
)
def demo(
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="端口 · Port.")] = None,
    host: Annotated[str | None, typer.Option(help="地址 · Address to listen on.")] = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="启动网页 · Serve after building.")
    ] = True,
    agents: Annotated[
        bool,
        typer.Option("--agents/--no-agents", help="模拟机构自动审批 · Run the lender agents."),
    ] = True,
) -> None:
    with reported_errors():
        demo_command(port=port, host=host, serve=serve, agents=agents)


@app.command(
    short_help="启动网页与接口 · Serve the demo page and the API.",
    help="用已训练的模型启动演示网页和 JSON 接口 · Serve the demo page and the JSON API "
    "(OpenAPI at /docs) with a trained model.",
    epilog=EXIT_CODES_HELP,
)
def serve(
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="端口 · Port.")] = None,
    host: Annotated[str | None, typer.Option(help="地址 · Address to listen on.")] = None,
    model_dir: Annotated[
        Path | None, typer.Option(file_okay=False, help="模型目录 · Model directory.")
    ] = None,
) -> None:
    with reported_errors():
        serve_command(port=port, host=host, model_dir=model_dir)


app.add_typer(risk_app, name="risk")
app.add_typer(db_app, name="db")
app.add_typer(lender_app, name="lender")
app.add_typer(operator_app, name="operator")
app.add_typer(model_app, name="model")
app.add_typer(jobs_app, name="jobs")
app.command(**JOURNEY_HELP)(journey_command)
app.command(**FAIRNESS_HELP)(fairness_command)
app.command(**OPERATE_HELP)(operate_command)
app.command(
    name="intake",
    short_help="终端申请（智能助手）· Apply in the terminal with the guiding assistant.",
    epilog=EXIT_CODES_HELP,
)(intake_command)


def main() -> None:
    """Entry point of the ``loanmatch`` script."""
    app()


if __name__ == "__main__":
    main()
