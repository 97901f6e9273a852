"""One small simulated market per test session (fast: well under a second to build)."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.catalog import Catalog
from loanmatch.simulator import Population, SimulatedMarket, simulate_market
from loanmatch.simulator.population import generate_population

SEED = 7


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG)


@pytest.fixture(scope="session")
def small_market() -> SimulatedMarket:
    return simulate_market(SEED, history_rows=8_000, n_applicants=500)


@pytest.fixture(scope="session")
def big_population(catalog: Catalog) -> Population:
    """20,000 applicants: enough for distribution checks within a percentage point or two."""
    return generate_population(catalog, 20_000, np.random.default_rng(2024))
