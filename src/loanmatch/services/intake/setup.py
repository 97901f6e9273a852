"""Building the intake's context for a served market: engine, prior and connectors.

The default install has no real data sources: its connectors are the simulated ones, serving the
enterprises of the market's ``applicants.csv`` (an owner whose enterprise id is not there gets
"no record" from every source and is asked instead). The prior of plausible answers is the same
file's applicants. Both are documented stand-ins to be replaced by real sources in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from loanmatch.adapters.tables import Table, read_table
from loanmatch.connectors.simulated import DEFAULT_FAILURES, FailureRates, connectors_for
from loanmatch.intake.engine import IntakeEngine
from loanmatch.intake.prior import Prior
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.intake.core import IntakeContext
from loanmatch.simulator.population import Population

__all__ = ["default_context", "population_from_table"]


def population_from_table(table: Table) -> Population:
    """Applicants of a section-9 table as a population the simulated connectors can serve
    (what the file shows is all there is: no hidden true values)."""
    n = len(table.ids)
    return Population(
        ids=table.ids,
        values=table.values,
        complete=table.values,
        quality=np.zeros(n),
        soft=np.zeros(n),
        keys=np.zeros(n, dtype=np.uint64),
    )


def default_context(
    bundle: ModelBundle,
    applicants: Path,
    policy: RecommendPolicy,
    *,
    failures: Mapping[str, FailureRates] | None = None,
    timeout_s: float = 10.0,
    seed: int = 0,
) -> IntakeContext:
    """The engine over ``bundle`` and simulated connectors over the ``applicants`` CSV.

    ``failures`` defaults to the simulator's realistic rates; ``{}`` gives sources that never
    fail (for demonstrations and browser tests). The engine has no answer budget and finishes
    the products still open (``budget=None, finish_products=True``): a session ends only when
    no question it could still ask would change what it offers, or the owner stops answering."""
    catalog = bundle.market.catalog
    table = read_table(applicants, catalog)
    prior = Prior.from_table(catalog, table, seed=seed)
    engine = IntakeEngine(bundle, policy, prior, seed=seed, budget=None, finish_products=True)
    rates = DEFAULT_FAILURES if failures is None else failures
    connectors = connectors_for(catalog, population_from_table(table), rates, seed=seed)
    return IntakeContext(engine=engine, connectors=connectors, timeout_s=timeout_s)
