"""Connectors give a simulated enterprise's values only under a valid consent, and fail in the
ways real sources fail (timeouts, outages, malformed data caught against the catalog)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.connectors import (
    Connector,
    ConsentGrant,
    FailureRates,
    SimulatedConnector,
    connectors_for,
    validate_payload,
)
from loanmatch.errors import (
    ConnectorDataError,
    ConnectorError,
    ConnectorTimeout,
    ConnectorUnavailable,
    ConsentError,
    LoanMatchError,
)
from loanmatch.simulator.population import Population, generate_population

CATALOG = load_catalog(DEFAULT_CATALOG)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def people() -> Population:
    return generate_population(CATALOG, 20, np.random.default_rng(3), "E")


def grant(source: str, days: int = 30) -> ConsentGrant:
    return ConsentGrant(source, "loan matching", NOW + timedelta(days=days))


def test_every_connector_source_of_the_catalog_gets_a_connector(people: Population) -> None:
    connectors = connectors_for(CATALOG, people, failures={})
    assert set(connectors) == {"registry", "tax", "bureau", "bank"}
    assert all(isinstance(c, Connector) for c in connectors.values())
    assert "annual_revenue" in connectors["tax"].features
    assert "owner_gender" not in connectors["registry"].features


def test_a_connector_returns_the_enterprises_own_values(people: Population) -> None:
    bureau = connectors_for(CATALOG, people, failures={})["bureau"]
    values = bureau.fetch(str(people.ids[4]), "owner", grant("bureau"), now=NOW)
    assert values["owner_bureau_score"] == people.values["owner_bureau_score"][4]
    assert set(values) <= set(bureau.features)


@pytest.mark.parametrize(
    ("consent", "why"),
    [
        (None, "no consent"),
        (ConsentGrant("bank", "loan matching", NOW + timedelta(days=1)), "for 'bank'"),
        (ConsentGrant("tax", "loan matching", NOW - timedelta(seconds=1)), "expired"),
        (ConsentGrant("tax", " ", NOW + timedelta(days=1)), "purpose"),
    ],
)
def test_no_connector_answers_without_a_valid_consent_for_its_own_source(
    people: Population, consent: ConsentGrant | None, why: str
) -> None:
    tax = connectors_for(CATALOG, people, failures={})["tax"]
    with pytest.raises(ConsentError, match=why):
        tax.fetch(str(people.ids[0]), "owner", consent, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rates", "error"),
    [
        (FailureRates(timeout=1.0), ConnectorTimeout),
        (FailureRates(unavailable=1.0), ConnectorUnavailable),
        (FailureRates(malformed=1.0), ConnectorDataError),
    ],
)
def test_injected_failures_raise_connector_errors(
    people: Population, rates: FailureRates, error: type[ConnectorError]
) -> None:
    registry = SimulatedConnector("registry", CATALOG, people, failure=rates)
    with pytest.raises(error) as caught:
        registry.fetch(str(people.ids[1]), "owner", grant("registry"), now=NOW)
    assert isinstance(caught.value, LoanMatchError)
    assert caught.value.source == "registry"


def test_a_slow_source_times_out_at_the_callers_limit(people: Population) -> None:
    bank = SimulatedConnector("bank", CATALOG, people, typical_latency_s=60.0)
    with pytest.raises(ConnectorTimeout):
        bank.fetch(str(people.ids[1]), "owner", grant("bank"), timeout_s=1.0, now=NOW)
    assert bank.last_latency_s == 1.0


def test_failures_are_seeded_so_a_run_repeats(people: Population) -> None:
    def outcomes() -> list[str]:
        tax = SimulatedConnector("tax", CATALOG, people, failure=FailureRates(0.2, 0.2, 0.2))
        seen = []
        for pid in people.ids:
            try:
                tax.fetch(str(pid), "owner", grant("tax"), now=NOW)
                seen.append("ok")
            except ConnectorError as problem:
                seen.append(problem.code)
        return seen

    first = outcomes()
    assert first == outcomes()
    assert "ok" in first
    assert len(set(first)) > 1


def test_an_unknown_enterprise_is_a_data_error(people: Population) -> None:
    registry = SimulatedConnector("registry", CATALOG, people)
    with pytest.raises(ConnectorDataError, match="no record"):
        registry.fetch("nobody", "owner", grant("registry"), now=NOW)


def test_a_payload_is_checked_against_the_catalog() -> None:
    features = ("owner_age", "tax_grade")
    assert validate_payload(CATALOG, "x", features, {"owner_age": 40}) == {"owner_age": 40.0}
    with pytest.raises(ConnectorDataError, match="owner_age"):
        validate_payload(CATALOG, "x", features, {"owner_age": 7})
    with pytest.raises(ConnectorDataError, match="tax_grade"):
        validate_payload(CATALOG, "x", features, {"tax_grade": "Z"})
    with pytest.raises(ConnectorDataError, match="does not provide"):
        validate_payload(CATALOG, "x", features, {"region": "beijing"})
