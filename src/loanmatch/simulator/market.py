"""The simulated market as one object: products, history, fresh applicants, oracle (its files:
``simulator/files.py``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products_data
from loanmatch.adapters.tables import Table
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market
from loanmatch.domain.progress import Progress, silent
from loanmatch.simulator.history import (
    ROWS_PER_DAY,
    Applications,
    choose_products,
    iso_dates,
    naive_weights,
    schedule,
)
from loanmatch.simulator.lender_behaviour import LenderBehaviour, build_lender_behaviour
from loanmatch.simulator.lenders import default_products
from loanmatch.simulator.population import Population, generate_population

__all__ = ["LoggedDecisions", "SimulatedMarket", "simulate_market"]

CALIBRATION_SIZE = 40_000
"""Applicants used to fix each product's score scale and cutoff (independent of sizes asked)."""


@dataclass(frozen=True)
class SimulatedMarket:
    """A market whose true decisions are known.

    ``history`` is what the naive logging policy saw (section-9 history, visible values);
    ``applicants`` are fresh applicants never in history; ``oracle`` gives the true decision of
    any product on any applicant the simulator generated.
    """

    seed: int
    market: Market
    products: tuple[dict[str, Any], ...]
    history: Table
    applicants: Population
    history_population: Population
    history_applicant: npt.NDArray[np.intp]
    """Row -> index into ``history_population`` (simulator-only, for checks)."""
    lender_behaviour: LenderBehaviour
    missing_rate: float = 0.0

    @property
    def catalog(self) -> Catalog:
        return self.market.catalog

    @property
    def approval_rate(self) -> float:
        """Share approved among the logged (naive-policy) applications."""
        approved = self.history.approved
        return float(np.mean(approved)) if approved is not None and len(approved) else math.nan

    def sample(self, n: int, seed: int) -> Population:
        """``n`` fresh applicants (with hidden latents) from the same population."""
        rng = np.random.default_rng([self.seed, seed, 5])
        return generate_population(self.catalog, n, rng, f"S{seed}-", self.missing_rate)

    def oracle(self, population: Population) -> npt.NDArray[np.bool_]:
        """True decisions (applicants x products, in ``market.products`` order)."""
        return self.lender_behaviour.decide(population)

    def true_probability(self, population: Population) -> npt.NDArray[np.float64]:
        """P(approve) given every visible feature: the ceiling for any model."""
        return self.lender_behaviour.probability(population)

    def log_decisions(self, rows: int, seed: int) -> LoggedDecisions:
        """``rows`` more decisions logged by the same naive policy on applicants drawn afresh
        (seeded apart from the history): a section-9 history with the exact ``propensity`` of
        every row, and the applicants behind it (with their hidden latents) for the truth. The
        market's own files are unchanged."""
        seeds = np.random.SeedSequence([self.seed, seed, 11])
        people, apps = _history(self.market, rows, seeds, self.missing_rate, silent, "L")
        approved = self.lender_behaviour.decide(people)[apps.applicant, apps.product]
        table = Table(
            ids=people.ids[apps.applicant],
            values={k: v[apps.applicant] for k, v in people.values.items()},
            product_ids=np.asarray(self.market.product_ids, dtype=object)[apps.product],
            approved=approved.astype(np.int8),
            propensity=apps.propensity.copy(),
        )
        return LoggedDecisions(table, people, apps.applicant, apps.product)

    def applicants_table(self, population: Population | None = None) -> Table:
        people = self.applicants if population is None else population
        return Table(ids=people.ids, values={k: v.copy() for k, v in people.values.items()})


@dataclass(frozen=True)
class LoggedDecisions:
    """Decisions logged by the naive policy: ``table`` as history.csv would hold them, and for
    each row its applicant (an index into ``population``) and product (into the market's)."""

    table: Table
    population: Population
    row_applicant: npt.NDArray[np.intp]
    row_product: npt.NDArray[np.intp]


def _history(
    market: Market,
    rows: int,
    seed_seq: np.random.SeedSequence,
    missing_rate: float,
    progress: Progress,
    prefix: str = "H",
) -> tuple[Population, Applications]:
    """Generate applicants in batches until the naive policy has made exactly ``rows``
    applications (the last applicant's applications may be cut short to hit the count)."""
    parts: list[Population] = []
    apps: list[Applications] = []
    made, offset = 0, 0
    while made < rows:
        rng = np.random.default_rng(seed_seq.spawn(1)[0])
        size = max(100, math.ceil((rows - made) / 1.6))
        people = generate_population(
            market.catalog, size, rng, prefix, missing_rate, start=offset + 1
        )
        chosen = choose_products(naive_weights(market, people.values), rng)
        keep = np.cumsum(np.bincount(chosen.applicant, minlength=size)) <= rows - made
        last = int(keep.sum())  # applicants wholly kept; the next one may be cut short
        take = chosen.applicant <= last
        applications = Applications(
            chosen.applicant[take] + offset, chosen.product[take], chosen.propensity[take]
        )
        applications = Applications(
            applications.applicant[: rows - made],
            applications.product[: rows - made],
            applications.propensity[: rows - made],
        )
        used = min(size, last + 1)
        parts.append(people.take(np.arange(used)))
        apps.append(applications)
        made += len(applications.applicant)
        offset += used
        progress("history", min(made, rows), rows)
    population = Population.concat(parts)
    joined = Applications(
        np.concatenate([a.applicant for a in apps]),
        np.concatenate([a.product for a in apps]),
        np.concatenate([a.propensity for a in apps]),
    )
    return population, joined


def simulate_market(
    seed: int,
    history_rows: int = 100_000,
    n_applicants: int = 2_000,
    missing_rate: float = 0.0,
    progress: Progress | None = None,
) -> SimulatedMarket:
    """Build the default market for ``seed``: same seed, same market, history and applicants."""
    if history_rows < 1 or n_applicants < 1:
        raise ValueError("history_rows and n_applicants must be positive")
    report = progress or silent
    catalog = load_catalog(DEFAULT_CATALOG)
    products = default_products()
    market = load_products_data(products, catalog, file="<simulated products>")
    streams = np.random.SeedSequence(seed).spawn(5)
    report("lenders", 0, 3)
    calibration = generate_population(
        catalog, CALIBRATION_SIZE, np.random.default_rng(streams[0]), "C"
    )
    behaviour = build_lender_behaviour(
        market, calibration, np.random.default_rng(streams[1]), salt=seed
    )
    report("lenders", 3, 3)
    people, apps = _history(market, history_rows, streams[2], missing_rate, report)
    decisions = behaviour.decide(people)
    approved = decisions[apps.applicant, apps.product]
    arrival_rng = np.random.default_rng(streams[3])
    days = max(30, math.ceil(history_rows / ROWS_PER_DAY))
    arrival_of_applicant = np.sort(arrival_rng.integers(0, days, size=len(people)))
    capacity = [p.capacity_per_day for p in market.products]
    day = schedule(arrival_of_applicant[apps.applicant], apps.product, capacity)
    order = np.lexsort((apps.product, apps.applicant, day))
    rows_applicant = apps.applicant[order]
    history = Table(
        ids=people.ids[rows_applicant],
        values={k: v[rows_applicant] for k, v in people.values.items()},
        product_ids=np.asarray(market.product_ids, dtype=object)[apps.product[order]],
        approved=approved[order].astype(np.int8),
        propensity=apps.propensity[order],
        decided_at=iso_dates(day[order]),
    )
    applicants = generate_population(
        catalog, n_applicants, np.random.default_rng(streams[4]), "A", missing_rate
    )
    report("applicants", n_applicants, n_applicants)
    return SimulatedMarket(
        seed=seed,
        market=market,
        products=tuple(products),
        history=history,
        applicants=applicants,
        history_population=people,
        history_applicant=rows_applicant,
        lender_behaviour=behaviour,
        missing_rate=missing_rate,
    )
