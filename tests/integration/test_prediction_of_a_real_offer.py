"""What an application records comes from a real model's offer: the model's identity is the
SHA-256 of its directory's meta.json, and each offer carries the threshold it passed (issue 13)."""

from __future__ import annotations

import numpy as np

from loanmatch.matching.batch import recommend_values
from loanmatch.matching.explain import explain_applicant
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model, model_id, sha256_file
from loanmatch.services.predictions import SHOWN_PROPENSITY, prediction_of
from loanmatch.simulator.population import generate_population
from tests.conftest import TrainedMarket


def test_a_real_offers_prediction_names_the_model_its_p_threshold_and_band(
    trained_market: TrainedMarket,
) -> None:
    bundle = load_model(trained_market.model_dir)
    meta = sha256_file(trained_market.model_dir / "meta.json")
    assert bundle.model_id == model_id(trained_market.model_dir) == f"sha256:{meta[:16]}"
    people = generate_population(bundle.market.catalog, 40, np.random.default_rng(3), "R")
    values = bundle.complete({k: v.copy() for k, v in people.complete.items()})
    batch = recommend_values(bundle, people.ids, values, RecommendPolicy(threshold=0.8))
    offered = 0
    for i in range(40):
        result = explain_applicant(bundle, values, batch, 3, i)
        assert result.model_id == bundle.model_id
        for offer in result.offers:
            prediction = prediction_of(result, offer.product.id)
            assert prediction is not None
            assert prediction.model_id == bundle.model_id
            assert prediction.p_approve == offer.p_approve >= prediction.threshold
            assert prediction.threshold >= 0.8
            assert prediction.propensity == SHOWN_PROPENSITY
            if offer.band is not None:
                assert prediction.band_low == offer.band.low
            offered += 1
    assert offered, "some offers to check"
    assert prediction_of(result, "no-such-product") is None
