"""Simulated connectors backed by the market simulator's population (docs/design.md §7).

Each source answers with the population's visible values of the features the catalog assigns to
it, after a seeded random latency, and fails at injectable rates: a timeout (the latency drawn
exceeds the caller's limit, or the source hangs), an outage, or a malformed payload (a value
that does not fit the catalog, caught by :func:`~loanmatch.connectors.base.validate_payload`).
Nothing sleeps: the latency of the last call is reported in ``last_latency_s`` so a journey
simulation can add it to the owner's clock.

Latencies and failure rates below are *assumptions* (no public figures for these APIs): the
registry is a fast lookup, tax and bank data are slower aggregations behind a login.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from loanmatch.connectors.base import (
    ConsentLike,
    FailureMode,
    check_consent,
    pullable_features,
    validate_payload,
)
from loanmatch.domain.catalog import Catalog, Scalar
from loanmatch.domain.credit_code import make_credit_code, normalize_credit_code
from loanmatch.errors import ConnectorDataError, ConnectorTimeout, ConnectorUnavailable
from loanmatch.simulator.market import SimulatedMarket
from loanmatch.simulator.population import Population

__all__ = [
    "CONNECTOR_SOURCES",
    "DEFAULT_FAILURES",
    "DEFAULT_LATENCY_S",
    "NO_FAILURES",
    "FailureRates",
    "SimulatedConnector",
    "connectors_for",
    "simulated_credit_code",
]

CONNECTOR_SOURCES = ("registry", "tax", "bureau", "bank")
"""Catalog sources served by connectors (``ask`` and ``derived`` are not)."""


@dataclass(frozen=True)
class FailureRates:
    """Probability per call of each failure mode."""

    timeout: float = 0.0
    unavailable: float = 0.0
    malformed: float = 0.0

    def __post_init__(self) -> None:
        total = self.timeout + self.unavailable + self.malformed
        if min(self.timeout, self.unavailable, self.malformed) < 0 or total > 1:
            raise ValueError("failure rates must be non-negative and sum to at most 1")


NO_FAILURES = FailureRates()
DEFAULT_FAILURES: Mapping[str, FailureRates] = {
    # *assumption*: a few percent of calls fail; bank-statement aggregation fails most often.
    "registry": FailureRates(timeout=0.01, unavailable=0.01, malformed=0.005),
    "tax": FailureRates(timeout=0.03, unavailable=0.02, malformed=0.01),
    "bureau": FailureRates(timeout=0.01, unavailable=0.01, malformed=0.005),
    "bank": FailureRates(timeout=0.04, unavailable=0.03, malformed=0.02),
}
DEFAULT_LATENCY_S: Mapping[str, float] = {
    # *assumption*: median seconds per call (lognormal spread, sigma 0.5).
    "registry": 0.8,
    "tax": 3.0,
    "bureau": 2.0,
    "bank": 5.0,
}
LATENCY_SIGMA = 0.5
HANG_S = 30.0
"""How long a source that times out keeps the caller waiting at most (*assumption*)."""


_REGIONS = ("110105", "310115", "330106", "440305", "320505", "510107", "420106", "350203")
"""Divisions (GB/T 2260) the simulated enterprises are registered in: districts of Beijing,
Shanghai, Hangzhou, Shenzhen, Suzhou, Chengdu, Wuhan and Xiamen (an *assumption*, for show)."""


def simulated_credit_code(applicant_id: str) -> str:
    """The valid 统一社会信用代码 (GB 32100-2015) of a simulated enterprise, made from its id:
    ``A000123`` -> ``91`` + a division + organisation code ``65000123`` + checks. Distinct ids of
    the simulator's form (a letter and six digits) get distinct codes; the demo and the sample
    button show these, and the simulated connectors know each enterprise by it."""
    head, digits = applicant_id[:1], applicant_id[1:]
    if head.isalpha() and len(digits) == 6 and digits.isdigit():
        body = f"{ord(head.upper()) % 100:02d}{digits}"
    else:
        body = f"{zlib.crc32(applicant_id.encode()) % 100_000_000:08d}"
    region = _REGIONS[zlib.crc32(head.encode()) % len(_REGIONS)]
    return make_credit_code(region, body)


@dataclass
class SimulatedConnector:
    """One source over a simulated population; ``fetch`` is deterministic per (seed, call)."""

    name: str
    catalog: Catalog
    population: Population
    failure: FailureRates = NO_FAILURES
    typical_latency_s: float = 1.0
    seed: int = 0
    features: tuple[str, ...] = ()
    last_latency_s: float = 0.0
    _rows: dict[str, int] = field(default_factory=dict, repr=False)
    _codes: dict[str, int] | None = field(default=None, repr=False)
    _calls: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        allowed = pullable_features(self.catalog, self.name)
        # a protected attribute is never requested, even when named: nothing pulls it for matching
        self.features = (
            tuple(f for f in self.features if f in allowed) if self.features else allowed
        )
        self._rows = {str(i): k for k, i in enumerate(self.population.ids)}

    @property
    def failure_modes(self) -> tuple[FailureMode, ...]:
        modes: list[FailureMode] = []
        if self.failure.timeout > 0:
            modes.append("timeout")
        if self.failure.unavailable > 0:
            modes.append("unavailable")
        if self.failure.malformed > 0:
            modes.append("malformed")
        return tuple(modes)

    def _row_of(self, enterprise_id: str) -> int | None:
        """The population row of an enterprise, known by its id or its credit code."""
        row = self._rows.get(enterprise_id)
        if row is not None:
            return row
        if self._codes is None:
            self._codes = {simulated_credit_code(i): k for i, k in self._rows.items()}
        return self._codes.get(normalize_credit_code(enterprise_id))

    def _rng(self, enterprise_id: str) -> np.random.Generator:
        attempt = self._calls.get(enterprise_id, 0)
        self._calls[enterprise_id] = attempt + 1
        key = zlib.crc32(f"{self.name}|{enterprise_id}".encode())
        return np.random.default_rng([self.seed, key, attempt])

    def fetch(
        self,
        enterprise_id: str,
        owner_id: str,
        consent: ConsentLike,
        timeout_s: float = 10.0,
        now: datetime | None = None,
    ) -> dict[str, Scalar]:
        check_consent(consent, self.name, now)
        rng = self._rng(enterprise_id)
        latency = float(self.typical_latency_s * math.exp(LATENCY_SIGMA * rng.standard_normal()))
        draw = float(rng.random())
        if draw < self.failure.timeout or latency > timeout_s:
            self.last_latency_s = min(timeout_s, HANG_S)
            raise ConnectorTimeout(self.name, f"no answer within {timeout_s:g} s")
        self.last_latency_s = latency
        draw -= self.failure.timeout
        if draw < self.failure.unavailable:
            raise ConnectorUnavailable(self.name, "the service is unavailable, try again later")
        row = self._row_of(enterprise_id)
        if row is None:
            raise ConnectorDataError(self.name, f"no record for enterprise {enterprise_id!r}")
        payload: dict[str, object] = {}
        for name in self.features:
            value = self.catalog[name].decode(float(self.population.values[name][row]))
            if value is not None:
                payload[name] = value
        draw -= self.failure.unavailable
        if draw < self.failure.malformed and payload:
            broken = sorted(payload)[int(rng.integers(len(payload)))]
            payload[broken] = "#N/A" if self.catalog[broken].type != "category" else -1.0
        return validate_payload(self.catalog, self.name, self.features, payload)


def connectors_for(
    catalog: Catalog,
    source: SimulatedMarket | Population,
    failures: Mapping[str, FailureRates] | None = None,
    seed: int = 0,
) -> dict[str, SimulatedConnector]:
    """One simulated connector per connector source the catalog uses, keyed by source name.

    ``failures`` defaults to :data:`DEFAULT_FAILURES`; pass ``{}`` for connectors that never fail.
    The population is the market's fresh applicants, or the one given.
    """
    population = source.applicants if isinstance(source, SimulatedMarket) else source
    rates = DEFAULT_FAILURES if failures is None else failures
    used = {f.source for f in catalog.features}
    return {
        name: SimulatedConnector(
            name=name,
            catalog=catalog,
            population=population,
            failure=rates.get(name, NO_FAILURES),
            typical_latency_s=DEFAULT_LATENCY_S.get(name, 1.0),
            seed=seed,
        )
        for name in CONNECTOR_SOURCES
        if name in used
    }
