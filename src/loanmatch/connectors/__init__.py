"""Data connectors: consented sources that fill catalog features (docs/design.md §5, step 1)."""

from loanmatch.connectors.base import (
    GENERIC_PURPOSE,
    SOURCE_NAMES,
    Connector,
    ConsentGrant,
    ConsentItem,
    ConsentLike,
    check_consent,
    consent_items,
    pullable_features,
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
    "GENERIC_PURPOSE",
    "NO_FAILURES",
    "SOURCE_NAMES",
    "Connector",
    "ConsentGrant",
    "ConsentItem",
    "ConsentLike",
    "FailureRates",
    "SimulatedConnector",
    "check_consent",
    "connectors_for",
    "consent_items",
    "pullable_features",
    "simulated_credit_code",
    "validate_payload",
]
