"""One applicant: offers with reasons, every other product with why not, and what would help."""

from __future__ import annotations

import pytest

from loanmatch.errors import AnswerError
from loanmatch.matching.recommend import recommend_one
from loanmatch.matching.results import RecommendPolicy

from .conftest import Small

STRONG = {"score": 820, "years": 6, "sector": "farm", "grade": "A", "house": True, "gender": "f"}
WEAK = {"score": 480, "years": 1, "sector": "shop", "grade": "C", "house": False}


def test_a_strong_applicant_gets_ranked_offers_with_reasons(small: Small) -> None:
    result = recommend_one(small.bundle, STRONG, RecommendPolicy(threshold=0.7, max_offers=2))
    assert [o.rank for o in result.offers] == [1, 2]
    assert all(o.p_approve >= 0.7 for o in result.offers)
    scores = [o.score if o.score is not None else -1.0 for o in result.offers]
    assert scores[0] >= scores[1] >= 0.0  # ranked by the owner's benefit (domain/ranking.py)
    assert all(o.reasons[0].en.startswith("Estimated approval probability") for o in result.offers)
    offered = {o.product.id for o in result.offers}
    kinds = {e.product.id: e.kind for e in result.excluded}
    assert offered.isdisjoint(kinds)
    assert offered | set(kinds) == {"p1", "p2", "p3", "p4"}
    assert "max_offers" in kinds.values()
    assert result.no_offer_reasons == ()


def test_excluded_products_carry_their_failing_rules(small: Small) -> None:
    result = recommend_one(small.bundle, WEAK, RecommendPolicy())
    by_id = {e.product.id: e for e in result.excluded}
    assert by_id["p1"].kind == "rule"
    assert "tax grade" in by_id["p1"].reasons[0].en
    assert by_id["p3"].kind == "low_probability"
    assert by_id["p3"].p_approve is not None


def test_an_applicant_without_offers_hears_the_main_reasons_but_no_change_of_fixed_facts(
    small: Small,
) -> None:
    result = recommend_one(small.bundle, WEAK, RecommendPolicy())
    assert result.offers == ()
    texts = [r.en for r in result.no_offer_reasons]
    # This catalog marks no feature actionable: grade, years and house are facts here, so no
    # "with ..., a product's requirements are met" advice (docs/method.md section 7).
    assert not any(t.endswith("requirements are met") for t in texts)
    assert any("closed by" in t for t in texts)
    assert all(r.zh for r in result.no_offer_reasons)


def test_a_product_whose_rules_need_a_missing_answer_is_never_offered(small: Small) -> None:
    record = {k: v for k, v in STRONG.items() if k != "grade"}
    result = recommend_one(small.bundle, record, RecommendPolicy(threshold=0.0, max_offers=4))
    assert "p1" not in {o.product.id for o in result.offers}
    p1 = next(e for e in result.excluded if e.product.id == "p1")
    assert p1.kind == "unknown"
    assert "tax grade" in p1.reasons[0].en


def test_a_missing_model_feature_lowers_the_probability_used_to_decide(small: Small) -> None:
    full = recommend_one(small.bundle, STRONG, RecommendPolicy(threshold=0.0, max_offers=4))
    partial = recommend_one(
        small.bundle,
        {k: v for k, v in STRONG.items() if k != "score"},
        RecommendPolicy(threshold=0.0, max_offers=4),
    )
    p_full = {o.product.id: o.p_approve for o in full.offers}
    p_partial = {o.product.id: o.p_approve for o in partial.offers}
    assert all(p_partial[k] <= p_full[k] for k in p_partial)
    assert p_partial["p3"] < p_full["p3"] - 0.2


def test_a_target_approval_nobody_can_certify_offers_nothing(small: Small) -> None:
    result = recommend_one(small.bundle, STRONG, RecommendPolicy(target_approval=0.999))
    assert result.offers == ()
    assert result.threshold == float("inf")


def test_an_answer_outside_the_catalog_is_an_answer_error(small: Small) -> None:
    with pytest.raises(AnswerError, match="grade"):
        recommend_one(small.bundle, {"grade": "Z"}, RecommendPolicy())
