"""The synthetic market (docs/design.md §7): SMEs, lenders with hidden true behaviour, a
naive logging policy with exact propensities, and an oracle for the true decision of any pair.

Everything is seeded: ``simulate_market(seed)`` gives the same market, history and applicants
for the same seed. Numbers are grounded in ``docs/market-reference.md`` (cited "ref §N"); each
module says where its numbers come from.
"""

from loanmatch.simulator.lender_behaviour import SIGMA_PAIR, SIGMA_SOFT, LenderBehaviour
from loanmatch.simulator.market import SimulatedMarket, simulate_market
from loanmatch.simulator.population import Population

__all__ = [
    "SIGMA_PAIR",
    "SIGMA_SOFT",
    "LenderBehaviour",
    "Population",
    "SimulatedMarket",
    "simulate_market",
]
