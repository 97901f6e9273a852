"""Collect several input errors so a user sees them all at once (``ErrorList``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from loanmatch.errors import InputError

__all__ = ["ErrorList"]


@dataclass
class ErrorList:
    """Collects several input errors so a user sees them all at once (at most ``limit``)."""

    errors: list[InputError] = field(default_factory=list)
    limit: int = 20
    dropped: int = 0
    """Problems found past ``limit`` (counted, not kept)."""

    def add(self, error: InputError) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(error)
        else:
            self.dropped += 1

    def raise_if_any(self, kind: type[InputError]) -> None:
        """Raise the one problem, or a ``kind`` standing for all of them (``problems``, in the
        order added, and ``more`` past the limit); nothing when there is none."""
        if not self.errors:
            return
        if len(self.errors) == 1 and not self.dropped:
            raise self.errors[0]
        first = self.errors[0]
        count = len(self.errors) - 1 + self.dropped
        more = "; ".join(str(e) for e in self.errors[1:])
        raise kind(
            f"{first.message} (and {count} more: {more})",
            first.where,
            zh=f"{first.message_zh or first.message}（另有 {count} 处问题）",
            problems=self.errors,
            more=self.dropped,
        )
