"""Sample enterprises for the demo page's "fill a sample enterprise" button.

They are the rows of a section-9 ``applicants.csv`` (the simulated market's, by default), kept as
the strings written in the file: the form shows them as if the owner had typed them.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from loanmatch.domain.catalog import Catalog
from loanmatch.web.views import form_features

__all__ = ["Samples"]


@dataclass(frozen=True)
class Samples:
    rows: tuple[Mapping[str, str], ...]

    @classmethod
    def load(cls, path: Path, catalog: Catalog, limit: int = 5000) -> Samples:
        """Read up to ``limit`` rows, keeping the columns the form asks; no file, no samples.

        A file that cannot be read as CSV gives no samples either: samples are a convenience,
        and the page works without them.
        """
        if not path.is_file():
            return cls(rows=())
        asked = [f.name for f in form_features(catalog)]
        rows: list[Mapping[str, str]] = []
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                if not reader.fieldnames or not set(asked) & set(reader.fieldnames):
                    return cls(rows=())
                for row in reader:
                    rows.append({name: (row.get(name) or "").strip() for name in asked})
                    if len(rows) >= limit:
                        break
        except (OSError, UnicodeDecodeError, csv.Error):
            return cls(rows=())
        return cls(rows=tuple(rows))

    def __bool__(self) -> bool:
        return bool(self.rows)

    def pick(self, rng: random.Random | None = None) -> Mapping[str, str]:
        """One sample at random (an empty mapping when there is none)."""
        if not self.rows:
            return {}
        return (rng or random.Random()).choice(self.rows)
