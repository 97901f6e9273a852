"""Written answers the parser never saw while it was built are understood: the share is
printed (pytest -s) and held to at least 0.90 for Chinese and for English answers apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.intake.eval_answers import evaluate

DATA = Path(__file__).resolve().parents[2] / "data"
CATALOG = load_catalog(DEFAULT_CATALOG)


def test_the_held_out_set_has_at_least_300_answers_in_both_languages() -> None:
    score = evaluate(CATALOG, DATA / "answers_heldout.yaml")
    assert len(score.outcomes) >= 300
    assert score.count("zh") >= 200
    assert score.count("en") >= 50


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_least_nine_in_ten_held_out_answers_are_understood(lang: str) -> None:
    score = evaluate(CATALOG, DATA / "answers_heldout.yaml")
    share = score.share(lang)
    print(f"\nheld-out answers understood ({lang}): {share:.3f} of {score.count(lang)}")
    assert share >= 0.90, [f"{o.answer} -> {o.got}" for o in score.failures() if o.lang == lang]


@pytest.mark.parametrize("name", ["answers_heldout_fresh.yaml", "answers_heldout_final.yaml"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_least_nine_in_ten_answers_of_the_later_held_out_sets_are_understood(
    name: str, lang: str
) -> None:
    score = evaluate(CATALOG, DATA / name)
    share = score.share(lang)
    print(f"\n{name} understood ({lang}): {share:.3f} of {score.count(lang)}")
    assert share >= 0.90


@pytest.mark.parametrize(
    "name", ["answers_heldout.yaml", "answers_heldout_fresh.yaml", "answers_heldout_final.yaml"]
)
def test_no_held_out_answer_is_read_as_a_wrong_value(name: str) -> None:
    score = evaluate(CATALOG, DATA / name)
    assert [o.answer for o in score.outcomes if o.misread] == []


def test_every_tuning_answer_is_understood() -> None:
    score = evaluate(CATALOG, DATA / "answers_tuning.yaml")
    assert not score.failures(), [f"{o.answer} -> {o.got}" for o in score.failures()]
