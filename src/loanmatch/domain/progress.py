"""How long jobs report progress without knowing who listens (CLI bar, web, nothing)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "silent"]


class Progress(Protocol):
    """Called as work advances: ``step`` names the stage, ``done`` of ``total`` units finished."""

    def __call__(self, step: str, done: int, total: int) -> None: ...


def silent(step: str, done: int, total: int) -> None:
    """A ``Progress`` that reports nothing."""
