"""``loanmatch intake``: the guiding assistant in a terminal, for trying the intake out.

The same services as the chat page (:mod:`loanmatch.services.assistant` over
:mod:`loanmatch.services.intake`): the consent request, prefill from the simulated sources, the
adaptive questions, answers to doubts, then the offers. One line of standard input is one message,
so a session can be scripted (``printf '同意\\n50万\\n' | loanmatch intake``). ``退出`` / ``quit``
(or the end of input) stops; the session is stored in the database and ``--session ID`` resumes it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from loanmatch.adapters import messages
from loanmatch.cli.console import cli_lang, reported_errors
from loanmatch.lang import Lang, parse_lang

if TYPE_CHECKING:
    from loanmatch.services.intake import SessionView

__all__ = ["QUIT_WORDS", "intake", "run_intake"]

QUIT_WORDS = frozenset({"退出", "再见", "quit", "exit", "bye", "q"})


def _say(lines: list[str], lang: Lang, out: TextIO) -> None:
    who = messages.t("cli.assistant", lang) + " > "
    for line in lines:
        out.write(f"{who}{line}\n")
    out.flush()


def _consent_items(view: SessionView, lang: Lang) -> list[str]:
    """Each source the owner is asked to allow, its items and why each is read."""
    colon = "：" if lang == "zh-CN" else ": "
    lines: list[str] = []
    for request in view.consent_request:
        lines.append(f"{request.name.get(lang)}{colon}")
        lines += [f"  - {i.label.get(lang) or i.feature}{colon}{i.purpose.get(lang)}"
                  for i in request.items]  # fmt: skip
    return lines


def run_intake(
    *,
    lang: str | None,
    model_dir: Path | None,
    database_url: str | None,
    enterprise_id: str,
    session_id: str | None,
    flaky_sources: bool,
    stdin: TextIO,
    out: TextIO,
) -> str:
    """Chat until the input ends or the owner quits; returns the session id."""
    from loanmatch.bootstrap import compose
    from loanmatch.domain.credit_code import valid_credit_code
    from loanmatch.services import intake as intake_service
    from loanmatch.services.assistant import chat, opening, start_chat

    if enterprise_id.strip():
        valid_credit_code(enterprise_id)  # a typo stops here, before the model or any source
    root = compose(model_dir=model_dir, database_url=database_url)
    chosen = parse_lang(lang, root.settings.default_lang)
    context = root.intake_context(root.bundle(), flaky_sources=flaky_sources)
    database = root.database()
    assistant = root.assistant(database.unit_of_work, context)
    try:
        if session_id:
            view = intake_service.view(database.unit_of_work(), context, session_id)
            intake_service.note_event(database.unit_of_work(), context, session_id, "resumed")
            _say(opening(assistant, view, chosen), chosen, out)
        else:
            turn = start_chat(assistant, chosen, enterprise_id)
            view = turn.view
            _say(turn.replies, chosen, out)
        if view.stage == "consent":
            out.write("\n".join(_consent_items(view, chosen)) + "\n")
        while True:
            out.write(messages.t("cli.owner", chosen) + " > ")
            out.flush()
            line = stdin.readline()
            if not line:
                out.write("\n")
                break
            message = line.strip()
            if not stdin.isatty():
                out.write(message + "\n")  # a scripted session reads like a conversation
            if message.lower() in QUIT_WORDS:
                break
            turn = chat(assistant, view.session_id, message, chosen)
            view = turn.view
            _say(turn.replies, chosen, out)
        out.write(messages.t("cli.session_saved", chosen, session_id=view.session_id) + "\n")
        return view.session_id
    finally:
        database.dispose()


def intake(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="zh 或 en（默认 LOANMATCH_DEFAULT_LANG，zh）· zh or en (default: the "
            "LOANMATCH_DEFAULT_LANG setting, zh).",
        ),
    ] = None,
    model_dir: Annotated[
        Path | None, typer.Option("--model-dir", help="模型目录 · Model directory.")
    ] = None,
    enterprise_id: Annotated[
        str, typer.Option("--enterprise-id", help="企业编号 · The business id the sources know.")
    ] = "",
    session: Annotated[
        str | None, typer.Option("--session", help="继续已保存的会话 · Resume a saved session.")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="会话数据库 · Where sessions are kept.")
    ] = None,
    flaky_sources: Annotated[
        bool,
        typer.Option(
            "--flaky-sources/--reliable-sources",
            help="模拟数据源偶发故障 · Let simulated sources time out or fail at realistic rates.",
        ),
    ] = False,
) -> None:
    """在终端中申请：授权、回答问题、随时提问、查看推荐 · Apply in the terminal: consent, answer
    a few questions, ask anything, see the offers."""
    with reported_errors(cli_lang(lang)):
        run_intake(
            lang=lang,
            model_dir=model_dir,
            database_url=database_url,
            enterprise_id=enterprise_id,
            session_id=session,
            flaky_sources=flaky_sources,
            stdin=sys.stdin,
            out=sys.stdout,
        )
