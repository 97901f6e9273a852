"""``loanmatch journey`` measures both flows on a small market and prints them, as a table with
its assumptions or as JSON with the documented keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from loanmatch.cli.journey import JOURNEY_HELP, journey_command

pytestmark = pytest.mark.slow

KEYS = {
    "questions_median",
    "questions_p90",
    "questions_off_median",
    "form_fields",
    "breakpoints_reduction",
    "median_time_reduction",
    "approval_among_recommended",
    "coverage_vs_full_information",
}


def app() -> typer.Typer:
    shell = typer.Typer()
    shell.command(**JOURNEY_HELP)(journey_command)

    @shell.callback()
    def _root() -> None:
        """Group, so that the command keeps its name."""

    return shell


def test_the_journey_command_prints_the_documented_keys_as_json() -> None:
    result = CliRunner().invoke(
        app(),
        [
            "journey",
            "--seed",
            "3",
            "--n",
            "20",
            "--history-rows",
            "5000",
            "--off-sample",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= KEYS
    approval = report["approval_among_recommended"]
    assert approval is None or 0 <= approval <= 1
    assert report["form_fields"] == 36
    assert report["traditional"]["sessions"] == 20
    assert "drop_per_question" in report["assumptions"]


def test_the_journey_table_shows_the_assumptions_beside_the_figures() -> None:
    result = CliRunner().invoke(
        app(),
        ["journey", "--seed", "3", "--n", "10", "--history-rows", "5000", "--off-sample", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "breakpoints" in result.stdout
    assert "Assumptions" in result.stdout


def test_simulated_journeys_measure_like_real_traffic() -> None:
    from loanmatch.journey.flows import traditional_journey
    from loanmatch.journey.measures import measure_events
    from loanmatch.simulator import simulate_market

    market = simulate_market(3, history_rows=500, n_applicants=10).market
    n = len(market.products)
    truth = np.zeros(n, dtype=bool)
    truth[0] = True
    weights = np.zeros(n)
    weights[0] = 1.0
    events = traditional_journey(
        "s", market, truth, weights, datetime(2026, 1, 5, tzinfo=UTC), np.random.default_rng(0)
    )
    measures = measure_events(events)
    assert measures.sessions == 1
    kinds = [e.kind for e in events]
    assert kinds[0] == "started"
    assert ("decided" in kinds) == (measures.completed == 1) or "abandoned" in kinds
