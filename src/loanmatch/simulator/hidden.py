"""The simulated lenders' hidden truth, kept beside the market files for their agents (issue 12).

``loanmatch simulate`` writes ``lenders_hidden.npz`` into the market directory (atomically):
the arrays of :class:`~loanmatch.simulator.lender_behaviour.LenderBehaviour`, the intercept of
the true default model (:mod:`loanmatch.simulator.performance`), and the fresh applicants of
``applicants.csv`` with their COMPLETE (true) values and hidden latents. It is SIMULATOR-ONLY:
training, matching and serving never read it (they see only the section-9 files); only the
simulated lender agents (``services/lender_agents.py``) do, so that an agent decides an
application exactly as the simulated lender's true policy would.

:meth:`HiddenTruth.judge` is that decision for one applicant, one product and the amount and
term asked for: the behaviour's own ``decide`` and ``probability`` on the applicant's true
values (the owner's typed answers do not change them: the lender verifies), and what failed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.atomic import atomic_write_bytes
from loanmatch.adapters.catalog_file import catalog_formulas, load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.domain.formula import fill_derived
from loanmatch.domain.products import Eligibility, Market
from loanmatch.domain.rules import PASS
from loanmatch.simulator.lender_behaviour import (
    AFFORD_SLOPE,
    FACTORS,
    LenderBehaviour,
    factors,
    lending_base,
)
from loanmatch.simulator.market import SimulatedMarket
from loanmatch.simulator.performance import LoanPerformance, calibrate_performance
from loanmatch.simulator.population import Population

__all__ = ["HIDDEN_FILE", "HiddenTruth", "Judgement", "load_hidden", "write_hidden"]

HIDDEN_FILE = "lenders_hidden.npz"
"""Simulator-only: the lenders' hidden policies and the applicants' true values."""
_BEHAVIOUR = ("weights", "industry_offset", "region_offset", "min_bureau", "max_lenders",
              "scale", "cutoff")  # fmt: skip


@dataclass(frozen=True)
class Judgement:
    """The true lender's verdict on one application.

    ``failed`` says what decided a decline: ``rule:<feature>`` (a published rule fails on the
    true values), ``gate:bureau`` or ``gate:lenders`` (an unpublished hard gate), or
    ``score:<factor>`` (the score is below the cutoff; the factor that pulled it down most:
    one of ``FACTORS``, ``industry``, ``region`` or ``afford``). Empty for an approval."""

    approve: bool
    probability: float
    """P(approve | every visible true value): what a perfect model would say."""
    pd: float
    """The loan's true 12-month default probability (prices the approval)."""
    failed: str = ""


@dataclass(frozen=True)
class HiddenTruth:
    """The hidden truth of one simulated market, as :func:`load_hidden` reads it."""

    behaviour: LenderBehaviour
    performance: LoanPerformance
    applicants: Population

    @property
    def market(self) -> Market:
        return self.behaviour.market

    def row_of(self, applicant_id: str) -> int | None:
        hits = np.flatnonzero(self.applicants.ids == applicant_id)
        return int(hits[0]) if len(hits) else None

    def _one(self, row: int, amount: float, term_months: int) -> Population:
        """Applicant ``row`` asking ``amount`` yuan over ``term_months`` (derived recomputed)."""
        person = self.applicants.take(np.asarray([row], dtype=np.intp))
        complete = {k: v.copy() for k, v in person.complete.items()}
        complete["loan_amount"] = np.asarray([float(amount)])
        complete["loan_term_months"] = np.asarray([float(term_months)])
        catalog = self.market.catalog
        for feature in catalog.features:
            if feature.derived:
                complete[feature.name] = np.full(1, np.nan)
        fill_derived(catalog_formulas(catalog), complete)
        return Population(person.ids, complete, complete, person.quality, person.soft, person.keys)

    def judge(self, row: int, product_id: str, amount: float, term_months: int) -> Judgement:
        """The true decision of ``product_id`` on applicant ``row`` for this request."""
        j = self.market.index_of(product_id)
        person = self._one(row, amount, term_months)
        eligibility = self.market.eligibility(person.complete)
        passes = np.asarray(eligibility.status == PASS)
        approve = bool(self.behaviour.decide(person, passes)[0, j])
        probability = float(self.behaviour.probability(person, passes)[0, j])
        pd = float(
            self.performance.probability(
                person.complete, person.quality, person.soft, np.asarray([j], dtype=np.intp)
            )[0]
        )
        failed = "" if approve else self._failed(person, j, eligibility)
        return Judgement(approve, probability, pd, failed)

    def _failed(self, person: Population, j: int, eligibility: Eligibility) -> str:
        v = person.complete
        rules = eligibility.failing_rules(self.market, 0, j)
        if rules:
            return f"rule:{rules[0].feature}"
        b = self.behaviour
        seen = v["has_credit_history"][0] > 0.5
        if seen and v["owner_bureau_score"][0] < b.min_bureau[j]:
            return "gate:bureau"
        if v["lenders_outstanding"][0] > b.max_lenders[j]:
            return "gate:lenders"
        parts = dict(zip(FACTORS, factors(self.market.catalog, v)[0] * b.weights[j], strict=True))
        parts["industry"] = float(b.industry_offset[j, int(v["industry"][0])])
        parts["region"] = float(b.region_offset[j, int(v["region"][0])])
        base = float(lending_base(self.market.products[j].kind, v)[0])
        excess = np.log(float(v["loan_amount"][0]) / max(base, 1.0)) if base > 0 else 3.0
        parts["afford"] = -AFFORD_SLOPE * max(float(excess), 0.0)
        return f"score:{min(parts, key=lambda k: parts[k])}"


def write_hidden(
    market: SimulatedMarket, out_dir: Path, performance: LoanPerformance | None = None
) -> Path:
    """Write :data:`HIDDEN_FILE` for ``market`` into ``out_dir`` (atomically)."""
    b = market.lender_behaviour
    people = market.applicants
    model = performance or calibrate_performance(market)
    arrays: dict[str, npt.NDArray[np.generic]] = {name: getattr(b, name) for name in _BEHAVIOUR}
    arrays |= {
        "salt": np.asarray([b.salt], dtype=np.int64),
        "product_ids": np.asarray(market.market.product_ids, dtype=np.str_),
        "intercept": np.asarray([model.intercept]),
        "performance_salt": np.asarray([model.salt], dtype=np.int64),
        "product_styles": np.asarray(model.product_styles, dtype=np.str_),
        "ids": np.asarray(people.ids, dtype=np.str_),
        "quality": people.quality,
        "soft": people.soft,
        "keys": people.keys,
        **{f"complete.{k}": v for k, v in people.complete.items()},
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    path = Path(out_dir) / HIDDEN_FILE
    atomic_write_bytes(path, buffer.getvalue())
    return path


def load_hidden(market_dir: Path) -> HiddenTruth:
    """The hidden truth of the market in ``market_dir`` (its features.yaml and products.yaml
    give the market; the product order must be the one the file was written with).
    ``FileNotFoundError`` when the market predates the file: simulate it again."""
    directory = Path(market_dir)
    catalog = load_catalog(directory / "features.yaml")
    market = load_products(directory / "products.yaml", catalog)
    with np.load(directory / HIDDEN_FILE, allow_pickle=False) as data:
        stored = {name: data[name] for name in data.files}
    if tuple(str(p) for p in stored["product_ids"]) != market.product_ids:
        raise ValueError(f"{directory / HIDDEN_FILE} was written for other products")
    behaviour = LenderBehaviour(
        market=market,
        **{name: np.asarray(stored[name], dtype=np.float64) for name in _BEHAVIOUR},
        salt=int(stored["salt"][0]),
    )
    performance = LoanPerformance(
        catalog=catalog,
        product_kinds=tuple(p.kind for p in market.products),
        product_styles=tuple(str(s) for s in stored["product_styles"]),
        intercept=float(stored["intercept"][0]),
        salt=int(stored["performance_salt"][0]),
    )
    complete = {k.removeprefix("complete."): np.asarray(v, dtype=np.float64)
                for k, v in stored.items() if k.startswith("complete.")}  # fmt: skip
    applicants = Population(
        ids=np.asarray([str(i) for i in stored["ids"]], dtype=object),
        values=complete,
        complete=complete,
        quality=np.asarray(stored["quality"], dtype=np.float64),
        soft=np.asarray(stored["soft"], dtype=np.float64),
        keys=np.asarray(stored["keys"], dtype=np.uint64),
    )
    return HiddenTruth(behaviour, performance, applicants)
