"""Use case: build a simulated market and write it in the section-9 format."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from loanmatch.domain.progress import Progress, silent
from loanmatch.simulator import simulate_market
from loanmatch.simulator.files import write_market

__all__ = ["SimulateReport", "simulate"]


@dataclass(frozen=True)
class SimulateReport:
    """What ``simulate`` did: sizes, the naive policy's approval rate, files and time taken."""

    seed: int
    rows: int
    applicants: int
    products: int
    lenders: int
    approval_rate: float
    paths: tuple[Path, ...]
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def simulate(
    seed: int,
    out_dir: Path,
    n_applicants: int = 2_000,
    history_rows: int = 100_000,
    progress: Progress | None = None,
    missing_rate: float = 0.0,
) -> SimulateReport:
    """Simulate the default market for ``seed`` and write features.yaml, products.yaml,
    history.csv and applicants.csv into ``out_dir`` (each file written atomically)."""
    report = progress or silent
    started = time.perf_counter()
    market = simulate_market(
        seed,
        history_rows=history_rows,
        n_applicants=n_applicants,
        missing_rate=missing_rate,
        progress=report,
    )
    report("write", 0, 1)
    paths = write_market(market, Path(out_dir))
    report("write", 1, 1)
    return SimulateReport(
        seed=seed,
        rows=len(market.history),
        applicants=len(market.applicants),
        products=len(market.market.products),
        lenders=len(market.market.lenders),
        approval_rate=market.approval_rate,
        paths=tuple(paths),
        seconds=time.perf_counter() - started,
    )
