"""A generated market in section-9 form, with the truth a real market never gives.

The test bed's markets are built apart from ``simulator/`` (other features, other lender
behaviour, other logging policies), so that a method tuned to the default simulator shows it.
Each generator returns a :class:`MarketCase`: the four section-9 files as data, and for the
fresh applicants ("today") each product's true approval probability, which the evaluation uses
as its oracle (docs/testbed.md).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from loanmatch.adapters.atomic import atomic_write_text

__all__ = ["CaseFiles", "Generator", "MarketCase", "frame_to_csv"]

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CaseFiles:
    """Where :meth:`MarketCase.write` put the section-9 files."""

    features: Path
    products: Path
    history: Path
    applicants: Path


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return str(value)


def frame_to_csv(frame: pd.DataFrame) -> str:
    """Section-9 CSV text: booleans ``true``/``false``, NaN or None as an empty cell."""
    buffer = io.StringIO()
    text = frame.astype(object).map(_cell)
    text.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class MarketCase:
    """One generated market.

    ``history`` has ``applicant_id, product_id, approved`` (0/1), one column per feature of
    ``features`` (NaN or None: unknown) and optionally ``decided_at`` (ISO dates) and
    ``propensity``. ``applicants`` are fresh applicants (never in the history) with
    ``applicant_id`` and the feature columns. ``true_p[i, j]`` is product ``j``'s (order of
    ``products``) true probability of approving applicant ``i`` today, knowing everything the
    generator knows (hidden facts included); decisions in ``history`` were drawn from the same
    kind of probability at their time.
    """

    name: str
    seed: int
    features: list[dict[str, Any]]
    products: list[dict[str, Any]]
    history: pd.DataFrame
    applicants: pd.DataFrame
    true_p: FloatMatrix
    description: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    """What makes the market hard, as numbers (e.g. hidden knock-out share, missing share)."""

    def __post_init__(self) -> None:
        shape = (len(self.applicants), len(self.products))
        if self.true_p.shape != shape:
            raise ValueError(f"true_p has shape {self.true_p.shape}, expected {shape}")

    @property
    def product_ids(self) -> list[str]:
        return [str(p["id"]) for p in self.products]

    def write(self, out_dir: Path) -> CaseFiles:
        """Write features.yaml, products.yaml, history.csv and applicants.csv, atomically."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = CaseFiles(
            out / "features.yaml",
            out / "products.yaml",
            out / "history.csv",
            out / "applicants.csv",
        )
        header = f"# test-bed market {self.name!r}, seed {self.seed} (loanmatch.testbed)\n"
        for path, data in ((files.features, self.features), (files.products, self.products)):
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
            atomic_write_text(path, header + text)
        atomic_write_text(files.history, frame_to_csv(self.history))
        atomic_write_text(files.applicants, frame_to_csv(self.applicants))
        return files


class Generator(Protocol):
    """A market generator: the same seed and scale give the same market."""

    def __call__(self, seed: int, scale: float = 1.0) -> MarketCase: ...
