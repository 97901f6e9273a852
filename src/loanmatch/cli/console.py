"""What the commands share: exit codes, error reporting and progress bars on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgressDisplay

from loanmatch.domain.progress import Progress
from loanmatch.errors import LoanMatchError, NotCertifiedError
from loanmatch.lang import Lang, parse_lang

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CODES_HELP",
    "EXIT_NOT_CERTIFIED",
    "EXIT_OK",
    "EXIT_UNEXPECTED",
    "LANG_HELP",
    "choose_lang",
    "cli_lang",
    "err_console",
    "error_lines",
    "exit_code",
    "message_in",
    "out_console",
    "progress_bar",
    "reported_errors",
    "setup_logging",
    "warner",
]

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_CERTIFIED = 3

EXIT_CODES_HELP = (
    "Exit codes / 退出码: 0 ok 成功; 1 unexpected error 意外错误; "
    "2 bad input or usage 输入或用法有误 (the message names the file, row, column and rule); "
    "3 the target approval cannot be certified 目标获批率无法认证 (the message gives the highest "
    "that can and the decisions needed)."
)

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def setup_logging(level: str) -> None:
    """Log at ``level`` to stderr, personal values masked (:func:`configure_logging`)."""
    from loanmatch.bootstrap import configure_logging

    configure_logging(level)


def exit_code(error: LoanMatchError) -> int:
    """The one mapping of the error tree (:mod:`loanmatch.errors`) to exit codes: 3 when a target
    approval cannot be certified, 2 for any other LoanMatchError (bad input, a bad model
    directory, an unknown session, a data source that failed)."""
    return EXIT_NOT_CERTIFIED if isinstance(error, NotCertifiedError) else EXIT_BAD_INPUT


_CHOSEN: dict[str, Lang] = {}
"""The root's ``loanmatch --lang`` for this run (set by the callback)."""

LANG_HELP = "语言：zh 或 en（默认 LOANMATCH_DEFAULT_LANG，即 zh）· zh or en (default: the " \
    "LOANMATCH_DEFAULT_LANG setting, zh)."  # fmt: skip


def choose_lang(option: str | None) -> None:
    """Remember ``loanmatch --lang`` for the commands of this run (None: the setting)."""
    _CHOSEN.clear()
    if option is not None:
        _CHOSEN["lang"] = parse_lang(option)


def cli_lang(option: str | None = None) -> Lang:
    """The language of the terminal: the command's ``--lang``, else ``loanmatch --lang``, else
    the ``default_lang`` setting (``LOANMATCH_DEFAULT_LANG``, zh-CN by default). Nothing else
    picks it (not ``LANG``: the settings are the one place configuration is read)."""
    from loanmatch.settings import get_settings

    if option is not None:
        return parse_lang(option)
    return _CHOSEN.get("lang") or get_settings().default_lang


def warner(lang: Lang) -> Callable[[str, str], None]:
    """Print a warning (given in English and Chinese) on stderr in ``lang``, one a line."""

    def warn(en: str, zh: str) -> None:
        typer.echo(f"警告：{zh}" if lang == "zh-CN" else f"warning: {en}", err=True)

    return warn


def error_lines(error: LoanMatchError, lang: Lang) -> list[str]:
    """What the terminal prints for ``error``: one line per problem, in the order found (file
    order for a file's problems), each naming where it is, in ``lang`` where the error has
    words in it (else its English message)."""
    prefix = "错误：" if lang == "zh-CN" else "error: "
    problems: Sequence[LoanMatchError] = getattr(error, "problems", ()) or (error,)
    lines: list[str] = []
    for problem in problems:
        where = problem.where.describe(lang)
        text = message_in(problem, lang)
        sep = "：" if lang == "zh-CN" else ": "
        lines.append(f"{prefix}{where}{sep}{text}" if where else f"{prefix}{text}")
    more = getattr(error, "more", 0)
    if more:
        lines.append(
            f"……另有 {more} 处问题未列出" if lang == "zh-CN" else f"... and {more} more problems"
        )
    return lines


def message_in(error: LoanMatchError, lang: Lang) -> str:
    """The error's message in ``lang`` when it has one (its zh/en ``text``, or ``message_zh``),
    else its English message."""
    text = getattr(error, "text", None)
    if text is not None and hasattr(text, "get"):
        return str(text.get(lang))
    zh = getattr(error, "message_zh", "")
    return zh if lang == "zh-CN" and zh else error.message


@contextmanager
def reported_errors(lang: Lang | None = None) -> Iterator[None]:
    """Turn a LoanMatchError into its problems on stderr, one a line in ``lang`` (default:
    :func:`cli_lang`), and its :func:`exit_code` (no traceback); an operating-system error
    (disk full, permission denied) into its message and exit code 1."""
    try:
        yield
    except LoanMatchError as error:
        for line in error_lines(error, lang or cli_lang()):
            typer.echo(line, err=True)
        raise typer.Exit(exit_code(error)) from None
    except OSError as error:
        prefix = "错误：" if (lang or cli_lang()) == "zh-CN" else "error: "
        typer.echo(f"{prefix}{error}", err=True)
        raise typer.Exit(EXIT_UNEXPECTED) from None


class StepBars:
    """A :class:`Progress` that shows one bar per step.

    A step that continues the count of the step before it (same total, ``done`` not going back:
    "simulate 0/4", "train 1/4", ...) moves that bar on under its new name; any other new step
    finishes the earlier bars and starts its own.
    """

    def __init__(self, display: RichProgressDisplay) -> None:
        self._display = display
        self._tasks: dict[str, TaskID] = {}
        self._last: tuple[TaskID, int, int] | None = None

    def __call__(self, step: str, done: int, total: int) -> None:
        task = self._tasks.get(step)
        if task is None:
            continued = self._continued(done, total)
            task = continued if continued is not None else self._start(step, total)
            self._tasks[step] = task
            self._display.update(task, description=step)
        self._display.update(task, completed=done, total=total if total > 0 else None)
        self._last = (task, done, total)

    def _continued(self, done: int, total: int) -> TaskID | None:
        if self._last is None:
            return None
        task, last_done, last_total = self._last
        return task if total == last_total and last_done <= done and last_done < total else None

    def _start(self, step: str, total: int) -> TaskID:
        for task in self._tasks.values():
            state = self._display.tasks[task]
            if not state.finished:
                self._display.update(task, total=state.total or 1, completed=state.total or 1)
                self._display.stop_task(task)
        return self._display.add_task(step, total=total if total > 0 else None)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """Progress bars on stderr (so that stdout stays clean for --json and pipes)."""
    display = RichProgressDisplay(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
    )
    with display:
        yield StepBars(display)
