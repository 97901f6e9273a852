"""The consistency checks file: type-checked against the catalog, its examples run at load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loanmatch.adapters.consistency_file import load_consistency
from loanmatch.domain.consistency import contradictions
from loanmatch.errors import CatalogError
from loanmatch.simulator.population import generate_population
from tests.unit.services.fakes import default_catalog

GOOD = """
- id: inquiries
  check: "hard_inquiries_3m - hard_inquiries_6m"
  zh: 近3个月不会多于近6个月
  en: three months are within six
  consistent: [{hard_inquiries_3m: 1, hard_inquiries_6m: 2}]
  contradictory: [{hard_inquiries_3m: 3, hard_inquiries_6m: 1}]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "consistency.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_checks_load_and_their_examples_come_out_as_written() -> None:
    checks = load_consistency(default_catalog())
    assert len(checks) >= 5
    assert all(check.text.zh and check.text.en for check in checks)


def test_a_check_naming_an_unknown_feature_is_refused_with_its_line_and_id(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, GOOD + '\n- id: odd\n  check: "colour - 1"\n  zh: 甲\n  en: a\n')
    with pytest.raises(CatalogError) as raised:
        load_consistency(default_catalog(), path)
    assert raised.value.where.rule == "odd"
    assert raised.value.where.line == 9
    assert "colour" in str(raised.value)
    assert [c.id for c in load_consistency(default_catalog(), path, skip_unknown=True)] == [
        "inquiries"
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (GOOD.replace("hard_inquiries_3m: 3", "hard_inquiries_3m: 0"), "contradictory example"),
        (GOOD.replace("  zh: 近3个月不会多于近6个月\n", ""), "zh and en"),
        (GOOD + GOOD, "defined twice"),
        (GOOD.replace("hard_inquiries_6m\"", "\""), "inquiries"),
        ("a: 1\n", "list of checks"),
    ],
)  # fmt: skip
def test_a_broken_checks_file_is_refused_saying_why(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(CatalogError, match=says):
        load_consistency(default_catalog(), _write(tmp_path, text))


def test_truthful_simulated_owners_never_trip_a_shipped_check() -> None:
    catalog = default_catalog()
    people = generate_population(catalog, 20_000, np.random.default_rng(11), "C")
    checks = load_consistency(catalog)
    values = people.complete

    broken = [
        check.id
        for i in range(0, 20_000, 7)
        for check in contradictions(checks, {k: float(v[i]) for k, v in values.items()})
    ]
    assert broken == []
