"""What the commands share: exit codes, error reporting and progress bars on stderr."""

from __future__ import annotations

from collections.abc import Iterator
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

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CODES_HELP",
    "EXIT_NOT_CERTIFIED",
    "EXIT_OK",
    "EXIT_UNEXPECTED",
    "err_console",
    "exit_code",
    "out_console",
    "progress_bar",
    "reported_errors",
    "setup_logging",
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


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a LoanMatchError into its message on stderr and its :func:`exit_code` (no
    traceback), and an operating-system error (disk full, permission denied) into its message
    and exit code 1."""
    try:
        yield
    except LoanMatchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_code(error)) from None
    except OSError as error:
        typer.echo(f"error: {error}", err=True)
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
