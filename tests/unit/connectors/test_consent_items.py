"""What a consent lets a source read, and why: every item has its purpose from the catalog, no
protected attribute is ever requested, and simulated enterprises are known by valid codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog, load_catalog_data
from loanmatch.connectors import (
    GENERIC_PURPOSE,
    ConsentGrant,
    SimulatedConnector,
    connectors_for,
    consent_items,
    pullable_features,
    simulated_credit_code,
)
from loanmatch.domain.credit_code import credit_code_problem
from loanmatch.errors import CatalogError
from loanmatch.simulator.population import Population, generate_population

CATALOG = load_catalog(DEFAULT_CATALOG)
SOURCES = ("registry", "tax", "bureau", "bank")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def people() -> Population:
    return generate_population(CATALOG, 50, np.random.default_rng(5), "N")


@pytest.mark.parametrize("source", SOURCES)
def test_every_item_a_source_reads_says_why_in_both_languages_from_the_catalog(
    source: str,
) -> None:
    items = consent_items(CATALOG, source)
    assert items
    for item in items:
        assert item.purpose != GENERIC_PURPOSE, item.feature
        assert item.purpose.zh, item.feature
        assert item.purpose.en, item.feature
        assert item.label == CATALOG[item.feature].label


def test_no_protected_attribute_is_pullable_from_any_source() -> None:
    protected = {f.name for f in CATALOG.features if f.protected}
    assert "owner_gender" in protected
    for source in SOURCES:
        assert not protected & set(pullable_features(CATALOG, source))
        assert not protected & {i.feature for i in consent_items(CATALOG, source)}
        labels = [i.label.zh for i in consent_items(CATALOG, source)]
        assert "经营者性别" not in labels


def test_a_simulated_source_never_requests_a_protected_attribute_even_when_named(
    people: Population,
) -> None:
    registry = SimulatedConnector(
        "registry", CATALOG, people, features=("owner_gender", "owner_age")
    )
    assert registry.features == ("owner_age",)
    grant = ConsentGrant("registry", "loan matching", NOW + timedelta(days=1))
    values = registry.fetch(str(people.ids[0]), "o", grant, now=NOW)
    assert "owner_gender" not in values
    for connector in connectors_for(CATALOG, people, failures={}).values():
        assert "owner_gender" not in connector.features


def test_a_catalog_without_purposes_falls_back_to_the_matching_purpose() -> None:
    catalog = load_catalog_data([{"name": "x", "type": "number", "source": "tax"}])
    (item,) = consent_items(catalog, "tax")
    assert item.purpose == GENERIC_PURPOSE


def test_a_purpose_on_a_protected_or_asked_feature_is_a_catalog_error() -> None:
    purpose = {"zh": "审计", "en": "audit"}
    with pytest.raises(CatalogError, match="protected"):
        load_catalog_data(
            [{"name": "g", "type": "boolean", "source": "registry", "protected": True,
              "purpose": purpose}]
        )  # fmt: skip
    with pytest.raises(CatalogError, match="data source"):
        load_catalog_data([{"name": "a", "type": "number", "purpose": purpose}])


def test_simulated_enterprises_have_distinct_valid_credit_codes(people: Population) -> None:
    codes = [simulated_credit_code(str(i)) for i in people.ids]
    assert all(credit_code_problem(c) is None for c in codes)
    assert len(set(codes)) == len(codes)
    assert credit_code_problem(simulated_credit_code("not-a-simulator-id")) is None


def test_a_simulated_source_knows_an_enterprise_by_its_code_as_by_its_id(
    people: Population,
) -> None:
    bureau = connectors_for(CATALOG, people, failures={})["bureau"]
    grant = ConsentGrant("bureau", "loan matching", NOW + timedelta(days=1))
    by_id = bureau.fetch(str(people.ids[7]), "o", grant, now=NOW)
    by_code = bureau.fetch(simulated_credit_code(str(people.ids[7])).lower(), "o", grant, now=NOW)
    assert by_code == by_id
