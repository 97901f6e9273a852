"""How many written answers the parser understands: ``python -m loanmatch.intake.eval_answers
[FILE] [--failures]`` prints the share read correctly, for Chinese and English answers apart.

A file (``tests/data/answers_heldout.yaml``, ``answers_tuning.yaml``) holds ``today`` and a list
of ``answers``: ``feature``, ``answer`` and the expected reading, one of ``value`` (number,
true / false or a category code), ``range: [low, high]`` (null for an open end) or
``dont_know: true``. An answer counts as understood when :func:`understand` gives that reading
(numbers within 2%, or 0.05 near zero); a wrong value counts as not understood and is also
counted apart as *misread* (it would be recorded, where a refusal makes the owner answer again).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.catalog import Catalog
from loanmatch.errors import AnswerFieldError
from loanmatch.intake.answers import DONT_KNOW, Understood, understand
from loanmatch.intake.ranges import Range

__all__ = ["Outcome", "Score", "evaluate", "language_of", "main"]

DEFAULT_FILE = Path("tests/data/answers_heldout.yaml")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Outcome:
    feature: str
    answer: str
    lang: str
    expected: object
    got: str
    ok: bool
    misread: bool
    """A value other than the expected one (worse than "not understood": it would be recorded)."""


@dataclass(frozen=True)
class Score:
    outcomes: tuple[Outcome, ...]

    def share(self, lang: str) -> float:
        mine = [o for o in self.outcomes if o.lang == lang]
        return sum(o.ok for o in mine) / len(mine) if mine else 0.0

    def misread(self, lang: str) -> float:
        mine = [o for o in self.outcomes if o.lang == lang]
        return sum(o.misread for o in mine) / len(mine) if mine else 0.0

    def count(self, lang: str) -> int:
        return sum(o.lang == lang for o in self.outcomes)

    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)


def language_of(answer: str) -> str:
    """``zh`` when the answer has a Chinese character, else ``en``."""
    return "zh" if _CJK.search(answer) else "en"


def _close(got: float | None, want: object) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if not isinstance(want, int | float):
        return False
    return abs(got - float(want)) <= max(0.02 * abs(float(want)), 0.05)


def _matches(got: Understood, item: dict[str, Any]) -> bool:
    if item.get("dont_know"):
        return got is DONT_KNOW
    if "range" in item:
        low, high = item["range"]
        return isinstance(got, Range) and _close(got.low, low) and _close(got.high, high)
    want = item["value"]
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, int | float):
        return isinstance(got, int | float) and _close(float(got), want)
    return got == str(want)


def evaluate(catalog: Catalog, path: Path) -> Score:
    """Read every answer of ``path`` against its expected reading."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = data["today"]
    if not isinstance(today, date):
        today = date.fromisoformat(str(today))
    outcomes: list[Outcome] = []
    for item in data["answers"]:
        answer = str(item["answer"])
        feature = catalog[str(item["feature"])]
        try:
            got: Understood = understand(feature, answer, today=today)
            shown = repr(got)
        except AnswerFieldError as problem:
            got, shown = None, f"{type(problem).__name__}: {problem.text.en}"
        expected = item.get("value", item.get("range", "dont_know"))
        refused = shown != repr(got)
        ok = not refused and _matches(got, item)
        outcomes.append(
            Outcome(
                feature.name,
                answer,
                language_of(answer),
                expected,
                shown,
                ok,
                not ok and not refused,
            )
        )
    return Score(tuple(outcomes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--failures", action="store_true", help="list what was not understood")
    args = parser.parse_args(argv)
    score = evaluate(load_catalog(DEFAULT_CATALOG), args.file)
    if args.failures:
        for o in score.failures():
            print(f"  {o.feature}: {o.answer!r} -> {o.got} (expected {o.expected})")
    for lang in ("zh", "en"):
        print(
            f"{args.file}: {lang} {score.share(lang):.3f} understood of {score.count(lang)}"
            f" ({score.misread(lang):.3f} misread)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
