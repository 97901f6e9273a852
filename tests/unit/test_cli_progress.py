"""Progress bars of the commands follow the services' Progress(step, done, total) calls."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress as RichProgressDisplay

from loanmatch.cli.console import StepBars


def _display() -> RichProgressDisplay:
    return RichProgressDisplay(console=Console(file=io.StringIO()), auto_refresh=False)


def test_stages_counted_on_one_total_share_one_bar_named_after_the_current_stage() -> None:
    display = _display()
    bars = StepBars(display)
    for done, step in enumerate(("simulate", "train", "recommend", "measure", "done")):
        bars(step, done, 4)
    assert [(t.description, t.completed, t.total) for t in display.tasks] == [("done", 4, 4)]


def test_a_step_with_its_own_count_gets_its_own_bar_and_finishes_the_one_before() -> None:
    display = _display()
    bars = StepBars(display)
    bars("population", 0, 10)
    bars("population", 6, 10)
    bars("write", 0, 1)
    first, second = display.tasks
    assert (first.description, first.finished) == ("population", True)
    assert (second.description, second.completed) == ("write", 0)


def test_an_unknown_total_shows_a_spinner_without_a_size() -> None:
    display = _display()
    StepBars(display)("reading", 3, 0)
    assert display.tasks[0].total is None
