"""Data connectors: consented sources that fill catalog features (docs/design.md §5, step 1)."""

from loanmatch.connectors.base import (
    SOURCE_NAMES,
    Connector,
    ConsentGrant,
    ConsentLike,
    check_consent,
    validate_payload,
)
from loanmatch.connectors.simulated import (
    DEFAULT_FAILURES,
    NO_FAILURES,
    FailureRates,
    SimulatedConnector,
    connectors_for,
    simulated_credit_code,
)

__all__ = [
    "DEFAULT_FAILURES",
    "NO_FAILURES",
    "SOURCE_NAMES",
    "Connector",
    "ConsentGrant",
    "ConsentLike",
    "FailureRates",
    "SimulatedConnector",
    "check_consent",
    "connectors_for",
    "simulated_credit_code",
    "validate_payload",
]
