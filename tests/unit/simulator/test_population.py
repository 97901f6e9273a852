"""The simulated SMEs follow the reference distributions (docs/market-reference.md §4-5)."""

from __future__ import annotations

import numpy as np

from loanmatch.domain.catalog import Catalog
from loanmatch.simulator import Population
from loanmatch.simulator.population import REQUEST, generate_population


def _share(column: np.ndarray, catalog: Catalog, name: str, *labels: str) -> float:
    codes = [catalog[name].categories.index(label) for label in labels]
    return float(np.isin(column, codes).mean())


def test_same_seed_gives_identical_applicants(catalog: Catalog) -> None:
    a = generate_population(catalog, 300, np.random.default_rng(5))
    b = generate_population(catalog, 300, np.random.default_rng(5))
    for name in catalog:
        np.testing.assert_array_equal(a.complete[name], b.complete[name])
    np.testing.assert_array_equal(a.soft, b.soft)
    np.testing.assert_array_equal(a.keys, b.keys)


def test_tax_grades_of_tax_filers_follow_the_2021_shares(
    catalog: Catalog, big_population: Population
) -> None:
    v = big_population.complete
    grade = v["tax_grade"][v["tax_paid_last_year"] > 0]
    assert abs(_share(grade, catalog, "tax_grade", "A") - 0.0828) < 0.015
    assert abs(_share(grade, catalog, "tax_grade", "B", "M") - 0.8258) < 0.02
    assert abs(_share(grade, catalog, "tax_grade", "C", "D") - 0.0914) < 0.015


def test_firm_ages_follow_the_saic_buckets(big_population: Population) -> None:
    age = big_population.complete["enterprise_age_years"]
    assert abs(float((age < 5).mean()) - 0.494) < 0.02
    assert abs(float(((age >= 5) & (age <= 10)).mean()) - 0.329) < 0.02
    assert abs(float((age > 10).mean()) - 0.177) < 0.02


def test_about_two_thirds_are_self_employed_and_most_of_them_untaxed(
    catalog: Catalog, big_population: Population
) -> None:
    v = big_population.complete
    selfemp = v["entity_type"] == catalog["entity_type"].categories.index("self_employed")
    assert abs(float(selfemp.mean()) - 0.674) < 0.02
    assert abs(float((v["tax_paid_last_year"][selfemp] == 0).mean()) - 0.80) < 0.03


def test_revenue_rises_with_staff_and_firm_age(big_population: Population) -> None:
    v = big_population.complete
    log_revenue = np.log(v["annual_revenue"])
    assert np.corrcoef(log_revenue, np.log(v["employees"]))[0, 1] > 0.3
    assert np.corrcoef(log_revenue, np.log1p(v["enterprise_age_years"]))[0, 1] > 0.05


def test_invoices_and_tax_rise_with_revenue(big_population: Population) -> None:
    v = big_population.complete
    taxed = v["tax_paid_last_year"] > 0
    log_revenue = np.log(v["annual_revenue"][taxed])
    assert np.corrcoef(log_revenue, np.log1p(v["invoice_amount_12m"][taxed]))[0, 1] > 0.5
    assert np.corrcoef(log_revenue, np.log(v["tax_paid_last_year"][taxed]))[0, 1] > 0.5


def test_bureau_score_falls_with_overdues(big_population: Population) -> None:
    v = big_population.complete
    seen = v["has_credit_history"] == 1
    corr = np.corrcoef(v["owner_bureau_score"][seen], v["overdue_count_24m"][seen])[0, 1]
    assert corr < -0.4


def test_tobacco_licences_sit_mainly_in_retail(
    catalog: Catalog, big_population: Population
) -> None:
    v = big_population.complete
    licensed = v["has_tobacco_licence"] == 1
    assert _share(v["industry"][licensed], catalog, "industry", "F") > 0.7
    assert np.all(v["tobacco_licence_years"][~licensed] == 0)


def test_mean_loan_request_is_between_100k_and_300k_yuan(big_population: Population) -> None:
    assert 100_000 <= float(big_population.complete["loan_amount"].mean()) <= 300_000


def test_every_value_fits_the_catalog(catalog: Catalog, big_population: Population) -> None:
    for feature in catalog.features:
        column = big_population.complete[feature.name]
        assert not np.isnan(column).any(), feature.name
        if feature.type == "category":
            assert column.min() >= 0, feature.name
            assert column.max() < len(feature.categories), feature.name
        elif feature.type == "boolean":
            assert set(np.unique(column)) <= {0.0, 1.0}, feature.name
        else:
            if feature.min is not None:
                assert column.min() >= feature.min, feature.name
            if feature.max is not None:
                assert column.max() <= feature.max, feature.name


def test_missing_rate_hides_that_share_of_cells_but_never_the_request(catalog: Catalog) -> None:
    people = generate_population(catalog, 4_000, np.random.default_rng(3), missing_rate=0.2)
    hidden = [
        np.isnan(people.values[f.name]).mean()
        for f in catalog.features
        if not f.derived and f.name not in REQUEST
    ]
    assert abs(float(np.mean(hidden)) - 0.2) < 0.01
    for name in REQUEST:
        assert not np.isnan(people.values[name]).any()
    assert not np.isnan(people.complete["owner_bureau_score"]).any()


def test_gender_is_independent_of_the_hidden_latents(big_population: Population) -> None:
    gender = big_population.complete["owner_gender"]
    assert abs(np.corrcoef(gender, big_population.quality)[0, 1]) < 0.03
    assert abs(np.corrcoef(gender, big_population.soft)[0, 1]) < 0.03
